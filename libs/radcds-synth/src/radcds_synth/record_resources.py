"""FHIR R4 resources radcds-synth adds to a carebundle record, as plain JSON dicts."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from radcds_synth import fhir_codes as fc
from radcds_synth.identity import StudyIdentity

# Marks every resource as test data, as carebundle does (v3 ActReason HTEST).
_META = {"security": [{"system": fc.ACT_REASON, "code": "HTEST", "display": "test health data"}]}
_STUDY_CODES = {"head": fc.CT_HEAD_WO_CONTRAST, "chest": fc.CT_CHEST_WO_CONTRAST}
_CATEGORIES = {"laboratory": "Laboratory", "social-history": "Social History", "survey": "Survey"}
_REASONS = {"head": "Headache with acute neurological symptoms", "chest": "Cough; abnormal chest"}


def service_request(
    kind: Literal["head", "chest"], identity: StudyIdentity, patient: str, accession_system: str
) -> dict[str, Any]:
    """The imaging order; its ACSN identifier is the study's Accession Number."""
    ordered = identity.study_datetime - dt.timedelta(hours=1)
    return {
        "resourceType": "ServiceRequest",
        "meta": _META,
        "identifier": [
            {
                "type": fc.concept((fc.V2_0203, "ACSN", "Accession ID")),
                "system": accession_system,
                "value": identity.accession_number,
            }
        ],
        "status": "active",
        "intent": "order",
        "category": [fc.concept(fc.IMAGING)],
        "code": fc.concept(_STUDY_CODES[kind]),
        "subject": {"reference": patient},
        "occurrenceDateTime": _instant(identity.study_datetime),
        "authoredOn": _instant(ordered),
        "reasonCode": [{"text": _REASONS[kind]}],
    }


def observation(
    code: fc.Code,
    category: str,
    patient: str,
    when: dt.datetime,
    value_quantity: dict[str, Any] | None = None,
    value_concept: dict[str, Any] | None = None,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "meta": _META,
        "status": "final",
        "category": [fc.concept((fc.OBSERVATION_CATEGORY, category, _CATEGORIES[category]))],
        "code": fc.concept(code),
        "subject": {"reference": patient},
        "effectiveDateTime": _instant(when),
    }
    if value_quantity is not None:
        resource["valueQuantity"] = value_quantity
    if value_concept is not None:
        resource["valueCodeableConcept"] = value_concept
    return resource


def condition(codes: tuple[fc.Code, fc.Code], patient: str, recorded: dt.date) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "meta": _META,
        "clinicalStatus": fc.concept((fc.CONDITION_CLINICAL, "active", "Active")),
        "verificationStatus": fc.concept((fc.CONDITION_VERIFICATION, "confirmed", "Confirmed")),
        "category": [fc.concept((fc.CONDITION_CATEGORY, "problem-list-item", "Problem List Item"))],
        "code": fc.concept(*codes),
        "subject": {"reference": patient},
        "recordedDate": recorded.isoformat(),
    }


def medication_request(drug: fc.Code, patient: str, authored: dt.date) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "meta": _META,
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": fc.concept(drug),
        "subject": {"reference": patient},
        "authoredOn": authored.isoformat(),
        "dosageInstruction": [{"text": "as directed"}],
    }


def _instant(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
