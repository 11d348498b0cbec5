"""The synthetic ICH patient of the conformance kit (invented; no real person): the EHR's
record, and the AI findings radcds's inference would have written."""

from datetime import datetime, timedelta
from typing import Any

from radcds_gateway.cds.findings import FINDING_SYSTEM

ISSUER = "https://ehr.example.test"
FHIR_TOKEN = "ehr-access-token-for-radcds"
PATIENT = "p-ich"
UCUM, LOINC = "http://unitsofmeasure.org", "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
Resource = dict[str, Any]


def ehr_record(now: datetime) -> list[Resource]:
    """A synthetic ICH patient: on apixaban and metformin, GCS 11, eGFR 25, a head CT
    10 days ago. Invented; no real person."""

    def obs(rid: str, code: str, value: float, unit: str, ago: timedelta) -> Resource:
        return {
            "resourceType": "Observation",
            "id": rid,
            "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code}]},
            "subject": {"reference": f"Patient/{PATIENT}"},
            "effectiveDateTime": (now - ago).isoformat(),
            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
        }

    def med(rid: str, rxcui: str, display: str) -> Resource:
        return {
            "resourceType": "MedicationRequest",
            "id": rid,
            "status": "active",
            "intent": "order",
            "subject": {"reference": f"Patient/{PATIENT}"},
            "medicationCodeableConcept": {
                "coding": [{"system": RXNORM, "code": rxcui, "display": display}]
            },
        }

    return [
        {"resourceType": "Patient", "id": PATIENT, "gender": "female", "birthDate": "1965-03-14"},
        obs("gcs", "9269-2", 11, "{score}", timedelta(hours=2)),
        obs("egfr", "33914-3", 25, "mL/min/{1.73_m2}", timedelta(days=2)),
        {
            **obs("smoking", "72166-2", 0, "1", timedelta(days=30)),
            "valueQuantity": None,
            "valueCodeableConcept": {
                "coding": [{"system": "http://snomed.info/sct", "code": "8517006"}]
            },
        },
        med("apixaban", "1364430", "apixaban 5 MG Oral Tablet"),
        med("metformin", "6809", "metformin hydrochloride 500 MG Oral Tablet"),
        {
            "resourceType": "Condition",
            "id": "af",
            "subject": {"reference": f"Patient/{PATIENT}"},
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": "active",
                    }
                ]
            },
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "I48.91"}]},
        },
        {
            "resourceType": "ImagingStudy",
            "id": "old-head-ct",
            "status": "available",
            "subject": {"reference": f"Patient/{PATIENT}"},
            "started": (now - timedelta(days=10)).isoformat(),
            "procedureCode": [
                {"coding": [{"system": LOINC, "code": "30799-1", "display": "CT Head WO contrast"}]}
            ],
        },
    ]


def _component(code: str, **value: Any) -> Resource:
    return {"code": {"coding": [{"system": FINDING_SYSTEM, "code": code}]}, **value}


def quantity(value: float, unit: str) -> Resource:
    return {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}


def concept(code: str) -> Resource:
    return {"valueCodeableConcept": {"coding": [{"system": FINDING_SYSTEM, "code": code}]}}


def ai_findings(now: datetime) -> list[Resource]:
    """What inference writes: the models as Devices, the findings as Observations."""

    def finding(rid: str, code: str, device: str, study: str, parts: list[Resource]) -> Resource:
        return {
            "resourceType": "Observation",
            "id": rid,
            "status": "preliminary",
            "code": {"coding": [{"system": FINDING_SYSTEM, "code": code}]},
            "subject": {"reference": f"Patient/{PATIENT}"},
            "effectiveDateTime": now.isoformat(),
            "device": {"reference": f"Device/{device}"},
            "derivedFrom": [{"reference": f"ImagingStudy/{study}"}],
            "component": parts,
        }

    def device(rid: str, name: str, version: str) -> Resource:
        return {
            "resourceType": "Device",
            "id": rid,
            "version": [{"value": version}],
            "deviceName": [{"name": name, "type": "model-name"}],
        }

    return [
        device("ich-model", "ICH detector", "1.2.0"),
        device("nodule-model", "Lung nodule detector", "0.9.1"),
        finding(
            "ai-ich",
            "intracranial-hemorrhage",
            "ich-model",
            "head-ct",
            [
                _component("ich-probability", **quantity(0.97, "1")),
                _component("ich-volume", **quantity(32, "mL")),
                _component("ich-intraventricular-extension", valueBoolean=True),
                _component("ich-infratentorial", valueBoolean=False),
            ],
        ),
        finding(
            "ai-nodule",
            "lung-nodule",
            "nodule-model",
            "chest-ct",
            [
                _component("nodule-diameter", **quantity(9, "mm")),
                _component("nodule-lobe", **concept("RUL")),
                _component("nodule-type", **concept("solid")),
                _component("nodule-spiculation", valueBoolean=True),
                _component("nodule-count", valueInteger=1),
            ],
        ),
    ]
