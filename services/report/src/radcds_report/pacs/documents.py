"""The DICOM documents of one report version: its SR and its Encapsulated PDF."""

import base64
import dataclasses
from collections.abc import Sequence
from typing import Any

from pydicom.dataset import Dataset
from pydicom.uid import SegmentationStorage

from radcds_report.content import ReportContent, Signature
from radcds_report.pacs.coded_findings import coded_finding
from radcds_report.pacs.pdf import encapsulated_pdf, to_part10
from radcds_report.pacs.sr import build_sr
from radcds_report.pacs.uids import ReportVersion

Resource = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class DicomDocument:
    kind: str  # "sr" or "pdf"
    sop_instance_uid: str
    part10: bytes


def report_version(report: Resource) -> ReportVersion:
    return ReportVersion(str(report["id"]), str(report.get("meta", {}).get("versionId", "1")))


def current_content(report: Resource, composed: ReportContent) -> ReportContent:
    """The content as composed, with the state, conclusion and signer the report has now."""
    signers = [
        Signature(str(who.get("display") or who.get("reference", "")), "", "signed")
        for who in report.get("resultsInterpreter", [])
    ]
    return dataclasses.replace(
        composed,
        status=str(report["status"]),
        conclusion=str(report.get("conclusion", composed.conclusion)),
        signatures=signers,
    )


def report_pdf(report: Resource) -> bytes:
    for form in report.get("presentedForm", []):
        if form.get("contentType") == "application/pdf" and form.get("data"):
            return base64.b64decode(form["data"])
    raise ValueError("the report has no rendered PDF")


def build_documents(
    report: Resource,
    content: ReportContent,
    observations: Sequence[Resource],
    sources: Sequence[Dataset],
) -> list[DicomDocument]:
    """The SR and the PDF of the report's current version; CPU-bound, run off the loop."""
    version = report_version(report)
    findings = [coded_finding(o) for o in observations]
    sr = build_sr(sources, findings, content, version)
    images = [d for d in sources if d.SOPClassUID != SegmentationStorage and "Rows" in d]
    final = content.status != "preliminary"
    pdf = encapsulated_pdf(images, report_pdf(report), content.title, version, final)
    return [
        DicomDocument("sr", sr.SOPInstanceUID, to_part10(sr)),
        DicomDocument("pdf", pdf.SOPInstanceUID, to_part10(pdf)),
    ]
