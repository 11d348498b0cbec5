"""The bench's synthetic patient (invented, no real person): the EHR's record for full
prefetch, radcds's AI findings, and the fixed card of the bare endpoint."""

from datetime import datetime, timedelta
from typing import Any

PATIENT = "p-bench"
FINDING_SYSTEM = "https://radcds.dev/fhir/CodeSystem/ai-finding"
UCUM, LOINC = "http://unitsofmeasure.org", "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SUBJECT = {"reference": f"Patient/{PATIENT}"}
Resource = dict[str, Any]
FIXED_CARD = {
    "uuid": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
    "summary": "Preliminary AI: suspected ICH, 32 mL, ICH score 3/6, on apixaban 5 MG Oral Tablet",
    "indicator": "critical",
    "detail": "**Preliminary AI result.**",
    "source": {"label": "radcds · ICH detector 1.2.0", "url": "https://radcds.test/app/models/m"},
}


def _quantity(value: float, unit: str) -> Resource:
    return {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}


def _observation(rid: str, code: str, value: float, unit: str, when: datetime) -> Resource:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "subject": SUBJECT,
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "effectiveDateTime": when.isoformat(),
        **_quantity(value, unit),
    }


def _searchset(resources: list[Resource]) -> Resource:
    entries = [{"resource": r, "search": {"mode": "match"}} for r in resources]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}


def full_prefetch(now: datetime) -> dict[str, Resource]:
    """Every key of radcds-imaging-findings' prefetch, as an EHR would send it."""
    medication = {
        "resourceType": "MedicationRequest",
        "id": "apixaban",
        "status": "active",
        "intent": "order",
        "subject": SUBJECT,
        "medicationCodeableConcept": {
            "coding": [
                {"system": RXNORM, "code": "1364430", "display": "apixaban 5 MG Oral Tablet"}
            ]
        },
    }
    condition = {
        "resourceType": "Condition",
        "id": "af",
        "subject": SUBJECT,
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "I48.91"}]},
    }
    observations = [_observation("gcs", "9269-2", 11, "{score}", now - timedelta(hours=2))]
    observations += [
        _observation(f"bp-{i}", "8480-6", 130 + i % 20, "mm[Hg]", now - timedelta(days=30 * i))
        for i in range(1, 61)
    ]
    return {
        "patient": {
            "resourceType": "Patient",
            "id": PATIENT,
            "gender": "female",
            "birthDate": "1965-03-14",
        },
        "conditions": _searchset([condition]),
        "medications": _searchset([medication]),
        "observations": _searchset(observations),
    }


def ai_findings(now: datetime) -> list[Resource]:
    def part(code: str, **value: Any) -> Resource:
        return {"code": {"coding": [{"system": FINDING_SYSTEM, "code": code}]}, **value}

    device = {
        "resourceType": "Device",
        "id": "ich-model",
        "version": [{"value": "1.2.0"}],
        "deviceName": [{"name": "ICH detector", "type": "model-name"}],
    }
    finding = {
        "resourceType": "Observation",
        "id": "ai-ich",
        "status": "preliminary",
        "code": {"coding": [{"system": FINDING_SYSTEM, "code": "intracranial-hemorrhage"}]},
        "subject": SUBJECT,
        "effectiveDateTime": now.isoformat(),
        "device": {"reference": "Device/ich-model"},
        "derivedFrom": [{"reference": "ImagingStudy/head-ct"}],
        "component": [
            part("ich-probability", **_quantity(0.97, "1")),
            part("ich-volume", **_quantity(32, "mL")),
            part("ich-intraventricular-extension", valueBoolean=True),
            part("ich-infratentorial", valueBoolean=False),
        ],
    }
    return [device, finding]
