"""The report for people: HTML and PDF of the same ReportContent."""

import base64
import io
from xml.sax.saxutils import escape

from jinja2 import Environment, PackageLoader, select_autoescape
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, PropertySet, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from radcds_report.content import ReportContent

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
    for image in content.key_images:
        story += [Spacer(1, 4 * mm), Image(io.BytesIO(image.png), 70 * mm, 70 * mm)]
        story.append(_paragraph(image.title, body))
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
