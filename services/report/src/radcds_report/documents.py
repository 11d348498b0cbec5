"""The rendered forms of a report, as FHIR Attachments."""

from typing import Any

from radcds_report.content import ReportContent
from radcds_report.render import render_html, render_pdf
from radcds_report.resources import attachment


def presented_form(content: ReportContent) -> list[dict[str, Any]]:
    """The PDF and the HTML of the same content (DiagnosticReport.presentedForm)."""
    return [
        attachment("application/pdf", render_pdf(content), content.title),
        attachment("text/html", render_html(content).encode(), content.title),
    ]
