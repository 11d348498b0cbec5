"""The report for people: HTML and PDF of the same ReportContent."""

import base64
import io
from xml.sax.saxutils import escape

from jinja2 import Environment, PackageLoader, select_autoescape
from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, PropertySet, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

from radcds_report.content import KeyImage, ReportContent

_TEMPLATES = Environment(
    loader=PackageLoader("radcds_report", "templates"), autoescape=select_autoescape(["j2"])
)
_STYLES = getSampleStyleSheet()
_BANNER = ParagraphStyle(
    "banner",
    parent=_STYLES["BodyText"],
    backColor=colors.HexColor("#fff3cd"),
    borderColor=colors.HexColor("#b58100"),
    borderWidth=1.5,
    borderPadding=6,
    fontName="Helvetica-Bold",
    spaceAfter=10,
)
_CELL = _STYLES["BodyText"]
_CAPTION = ParagraphStyle("caption", parent=_CELL, fontSize=8, leading=10, textColor=colors.grey)
KEY_IMAGE_WIDTH = 80 * mm


def render_html(content: ReportContent) -> str:
    images = [
        {"title": image.title, "data": base64.b64encode(image.png).decode()}
        for image in content.key_images
    ]
    return _TEMPLATES.get_template("report.html.j2").render(c=content, key_images=images)


def _paragraph(text: str, style: PropertySet = _CELL) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(header: list[str], rows: list[list[str]]) -> Table:
    data = [[_paragraph(h) for h in header], *[[_paragraph(c) for c in row] for row in rows]]
    table = Table(data, repeatRows=1, hAlign="LEFT", colWidths=[45 * mm, 60 * mm, 65 * mm])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _finding_rows(content: ReportContent) -> list[list[str]]:
    present = {True: "present", False: "not detected", None: "undetermined"}
    return [
        [f.name, present[f.present], "; ".join(f"{m.name}: {m.value}" for m in f.measurements)]
        for f in content.findings
    ] or [["No AI model applied to this study.", "", ""]]


def _key_image(image: KeyImage) -> list[Flowable]:
    picture = PILImage.open(io.BytesIO(image.png))
    width = KEY_IMAGE_WIDTH
    height = width * picture.height / picture.width
    return [Image(io.BytesIO(image.png), width, height), _paragraph(image.title, _CAPTION)]


def _key_images(images: list[KeyImage]) -> Table:
    """Two key images a row, each with its caption under it."""
    cells = [_key_image(image) for image in images]
    rows = [
        cells[i : i + 2] + ([] if i + 1 < len(cells) else [""]) for i in range(0, len(cells), 2)
    ]
    table = Table(rows, colWidths=[87 * mm, 87 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _story(content: ReportContent) -> list[Flowable]:
    heading, body = _STYLES["Heading2"], _STYLES["BodyText"]
    story: list[Flowable] = [
        _paragraph(content.banner, _BANNER),
        _paragraph(content.title, _STYLES["Title"]),
        _paragraph(f"Patient: {content.patient}", body),
        _paragraph(f"Study: {content.study}", body),
        _paragraph(f"Status: {content.status}", body),
        _paragraph("Conclusion", heading),
        _paragraph(content.conclusion, body),
        _paragraph("Findings", heading),
        _table(["Finding", "Result", "Measurements"], _finding_rows(content)),
    ]
    if content.key_images:
        story += [_paragraph("Key images", heading), _key_images(content.key_images)]
    risks = [[r.calculator, r.summary, r.citation] for r in content.risks]
    story += [
        _paragraph("Risk scores", heading),
        _table(["Score", "Result", "Source"], risks or [["none applied", "", ""]]),
    ]
    story += [
        _paragraph(
            f"{s.kind.capitalize()} by {s.practitioner} on {s.time}"
            + (f": {s.reason}" if s.reason else ""),
            body,
        )
        for s in content.signatures
    ]
    story.append(_paragraph("AI models", heading))
    story += [
        _paragraph(" - ".join([f"{m.name} {m.version}", *m.notes]), body) for m in content.models
    ]
    return story


def render_pdf(content: ReportContent) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=content.title,
        author="radcds",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        invariant=1,
    )
    document.build(_story(content))
    return buffer.getvalue()
