"""A study as the radiologist opens it from the worklist: the draft, and each finding of
the report with its key image viewer; and the report's documents."""

from dataclasses import dataclass, field
from typing import Any

from radcds_gateway.web import fhir_text as t
from radcds_gateway.web.components import WebComponents
from radcds_gateway.web.errors import PageError
from radcds_gateway.web.fhir_reader import FhirReader, Resource
from radcds_gateway.web.patient_view import Finding, Model, describe_finding
from radcds_gateway.web.sessions import WebSession
from radcds_gateway.web.worklist import report_results


@dataclass
class StudyPage:
    report_id: str
    version: str
    status: str
    title: str
    conclusion: str
    patient_name: str
    issued: str
    can_sign: bool
    findings: list[Finding] = field(default_factory=list)


async def _findings(reader: FhirReader, report: Resource) -> list[Finding]:
    """The report's findings in its own order, each shown from this report's key images."""
    models: dict[str, Model] = {}
    findings = []
    for observation in await report_results(reader, report):
        finding = await describe_finding(reader, observation, (), models)
        finding.report_id = str(report["id"])
        findings.append(finding)
    return findings


async def study_page(web: WebComponents, reader: FhirReader, report_id: str) -> StudyPage:
    report = await reader.read(f"DiagnosticReport/{report_id}")
    patient = await reader.read(str(report.get("subject", {}).get("reference", "")))
    status = str(report.get("status", ""))
    return StudyPage(
        report_id=report_id,
        version=str(report.get("meta", {}).get("versionId", "")),
        status=status,
        title=t.concept_text(report.get("code")),
        conclusion=str(report.get("conclusion", "")),
        patient_name=t.human_name(patient),
        issued=t.when_text(report.get("issued")),
        can_sign=status == "preliminary",
        findings=await _findings(reader, report),
    )


def _subject_patient(report: dict[str, Any]) -> str:
    return str(report.get("subject", {}).get("reference", "")).removeprefix("Patient/")


async def report_document(
    web: WebComponents, reader: FhirReader, session: WebSession, report_id: str, content_type: str
) -> bytes:
    """A rendered document of a report the user may read: the FHIR read checks the token's
    scopes, and a patient-confined launch reaches only its own patient's reports."""
    report = await reader.read(f"DiagnosticReport/{report_id}")
    confined_to = session.token.patient_restriction("DiagnosticReport", "read")
    if confined_to is not None and _subject_patient(report) != confined_to:
        raise PageError(403, "This report is for a patient outside your sign-in.")
    documents = (await web.reports.get(report_id)).documents
    if content_type not in documents:
        raise PageError(404, "The report service has no such document for this report.")
    return documents[content_type]
