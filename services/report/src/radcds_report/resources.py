"""The FHIR R4 resources a report is stored as."""

import base64
from datetime import UTC, datetime
from typing import Any

from radcds_report.content import KeyImage, ReportContent
from radcds_report.findings import Finding
from radcds_report.vocabulary import (
    DATA_OPERATION,
    GENERIC_REPORT_CODE,
    KEY_IMAGE_IDENTIFIER_SYSTEM,
    LOINC,
    MEDIA_TYPE,
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


def key_image_media(
    *,
    study_uid: str,
    imaging_study: Resource,
    patient: str,
    image: KeyImage,
    reason: Resource | None,
) -> Resource:
    """A key image as a FHIR R4 Media: the rendered PNG, part of the imaging study."""
    width, height = png_size(image.png)
    media: Resource = {
        "resourceType": "Media",
        "identifier": [
            {"system": KEY_IMAGE_IDENTIFIER_SYSTEM, "value": key_image_id(study_uid, image)}
        ],
        "status": "completed",
        "type": {"coding": [{"system": MEDIA_TYPE, "code": "image", "display": "Image"}]},
        "subject": {"reference": patient},
        "partOf": [{"reference": f"ImagingStudy/{imaging_study['id']}"}],
        "createdDateTime": now(),
        "issued": now(),
        "height": height,
        "width": width,
        "content": attachment("image/png", image.png, image.title),
        "note": [{"text": "AI mask drawn over the source image; preliminary, not reviewed."}],
    }
    if modality := imaging_study.get("modality"):
        media["modality"] = {"coding": [modality[0]]}
    if reason:
        media["reasonCode"] = [reason]
    if based_on := imaging_study.get("basedOn"):
        media["basedOn"] = based_on
    return media


def finding_concept(finding: Finding) -> Resource:
    concept: Resource = {"text": finding.name}
    if finding.snomed:
        code, display = finding.snomed
        concept["coding"] = [{"system": SNOMED, "code": code, "display": display}]
    return concept


def key_image_id(study_uid: str, image: KeyImage) -> str:
    """One Media per study and finding: a new report version updates it."""
    return f"{study_uid}/{image.finding.partition('/')[2]}"


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk (PNG spec 11.2.2)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
