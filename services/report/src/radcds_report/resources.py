"""The FHIR R4 resources a report is stored as."""

import base64
from datetime import UTC, datetime
from typing import Any

from radcds_report.content import ReportContent
from radcds_report.vocabulary import (
    DATA_OPERATION,
    GENERIC_REPORT_CODE,
    LOINC,
    NO_ABNORMALITY,
    PROVENANCE_PARTICIPANT,
    REPORT_IDENTIFIER_SYSTEM,
    RESULT_SET_EXTENSION,
    SNOMED,
    STUDY_REPORT_CODES,
    V2_0074,
)

Resource = dict[str, Any]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def report_code(imaging_study: Resource) -> tuple[str, str]:
    modalities = [m.get("code", "") for m in imaging_study.get("modality", [])]
    for series in imaging_study.get("series", []):
        body_part = (series.get("bodySite", {}).get("display") or "").upper()
        modality = series.get("modality", {}).get("code", "")
        for key in ((modality, body_part), *((m, body_part) for m in modalities)):
            if key in STUDY_REPORT_CODES:
                return STUDY_REPORT_CODES[key]
    return GENERIC_REPORT_CODE


def attachment(content_type: str, data: bytes, title: str) -> Resource:
    return {
        "contentType": content_type,
        "data": base64.b64encode(data).decode(),
        "title": title,
        "creation": now(),
    }


def conclusion_codes(content: ReportContent) -> list[Resource]:
    present = [f.snomed for f in content.findings if f.present and f.snomed]
    if present:
        return [{"coding": [{"system": SNOMED, "code": c, "display": d}]} for c, d in present]
    if content.findings and all(f.present is False for f in content.findings):
        system, code, display = NO_ABNORMALITY
        return [{"coding": [{"system": system, "code": code, "display": display}]}]
    return []


def diagnostic_report(
    *,
    study_uid: str,
    imaging_study: Resource,
    patient: str,
    content: ReportContent,
    documents: list[Resource],
    digest: str,
    results: list[str],
) -> Resource:
    code, display = report_code(imaging_study)
    report: Resource = {
        "resourceType": "DiagnosticReport",
        "extension": [{"url": RESULT_SET_EXTENSION, "valueString": digest}],
        "identifier": [{"system": REPORT_IDENTIFIER_SYSTEM, "value": study_uid}],
        "status": content.status,
        "category": [
            {
                "coding": [
                    {"system": V2_0074, "code": "RAD", "display": "Radiology"},
                    {"system": LOINC, "code": "LP29684-5", "display": "Radiology"},
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
        "subject": {"reference": patient},
        "issued": now(),
        "imagingStudy": [{"reference": f"ImagingStudy/{imaging_study['id']}"}],
        "result": [{"reference": r} for r in results],
        "conclusion": content.conclusion,
        "conclusionCode": conclusion_codes(content),
        "presentedForm": documents,
    }
    if based_on := imaging_study.get("basedOn"):
        report["basedOn"] = based_on
    return report


def provenance(
    target: str,
    agents: list[tuple[str, str, str]],
    activity: str,
    sources: list[str],
    reason: str = "",
) -> Resource:
    """A Provenance: each agent is (participant type code, reference, display)."""
    resource: Resource = {
        "resourceType": "Provenance",
        "target": [{"reference": target}],
        "recorded": now(),
        "activity": {"coding": [{"system": DATA_OPERATION, "code": activity}]},
        "agent": [
            {
                "type": {"coding": [{"system": PROVENANCE_PARTICIPANT, "code": kind}]},
                "who": {"reference": who, **({"display": name} if name else {})},
            }
            for kind, who, name in agents
        ],
        "entity": [{"role": "source", "what": {"reference": s}} for s in sources],
    }
    if reason:
        resource["reason"] = [{"text": reason}]
    if not resource["entity"]:
        del resource["entity"]
    return resource
