"""Example FHIR R4 inputs built from the published codes: for tests, bench/risk and docs.

Nothing here is real patient data; every name and identifier is invented.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from radcds_risk import findings as f
from radcds_risk.fhir.valuesets import LOINC, RXNORM, SNOMED, UCUM

Resource = dict[str, Any]
# The assessment time the examples are written against.
REFERENCE_TIME = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
US_CORE_RACE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race"
OMB = "urn:oid:2.16.840.1.113883.6.238"


def patient(
    gender: str = "female", birth_date: str = "1965-03-14", omb: str | None = None
) -> Resource:
    resource: Resource = {"resourceType": "Patient", "id": "p1", "gender": gender,
                          "birthDate": birth_date, "name": [{"family": "Example"}]}  # fmt: skip
    if omb:
        resource["extension"] = [{"url": US_CORE_RACE, "extension": [
            {"url": "ombCategory", "valueCoding": {"system": OMB, "code": omb}},
            {"url": "text", "valueString": "race"}]}]  # fmt: skip
    return resource


def lab(rid: str, code: str, value: float, unit: str, when: datetime) -> Resource:
    return {
        "resourceType": "Observation", "id": rid, "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": "Patient/p1"}, "effectiveDateTime": when.isoformat(),
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }  # fmt: skip


def blood_pressure(rid: str, systolic: float, when: datetime) -> Resource:
    component = lab(rid, "8480-6", systolic, "mm[Hg]", when)
    return {
        "resourceType": "Observation", "id": rid, "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "85354-9"}]},
        "subject": {"reference": "Patient/p1"}, "effectiveDateTime": when.isoformat(),
        "component": [{"code": component["code"], "valueQuantity": component["valueQuantity"]}],
    }  # fmt: skip


def smoking(rid: str, snomed_code: str, when: datetime) -> Resource:
    return {
        "resourceType": "Observation", "id": rid, "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "72166-2"}]},
        "subject": {"reference": "Patient/p1"}, "effectiveDateTime": when.isoformat(),
        "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": snomed_code}]},
    }  # fmt: skip


def condition(rid: str, icd10: str, status: str = "active") -> Resource:
    return {
        "resourceType": "Condition", "id": rid,
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status}]},
        "code": {"coding": [{"system": ICD10CM, "code": icd10}]},
        "subject": {"reference": "Patient/p1"},
    }  # fmt: skip


def medication(rid: str, rxcui: str, display: str) -> Resource:
    return {
        "resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
        "medicationCodeableConcept": {
            "coding": [{"system": RXNORM, "code": rxcui, "display": display}]},
        "subject": {"reference": "Patient/p1"},
    }  # fmt: skip


def imaging_study(rid: str, loinc_code: str, display: str, started: datetime) -> Resource:
    return {
        "resourceType": "ImagingStudy", "id": rid, "status": "available",
        "subject": {"reference": "Patient/p1"}, "started": started.isoformat(),
        "procedureCode": [{"coding": [{"system": LOINC, "code": loinc_code, "display": display}]}],
    }  # fmt: skip


def bundle(*resources: Resource) -> Resource:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:{r['resourceType']}-{r['id']}", "resource": r}
                      for r in resources]}  # fmt: skip


def _component(code: str, **value: Any) -> Resource:
    return {"code": {"coding": [{"system": f.FINDING_SYSTEM, "code": code}]}, **value}


def _quantity(value: float, unit: str) -> Resource:
    return {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}


def ich_finding(probability: float, volume_ml: float, ivh: bool, infratentorial: bool,
                study: str = "ImagingStudy/head-ct") -> Resource:  # fmt: skip
    return {
        "resourceType": "Observation", "id": "ai-ich", "status": "preliminary",
        "code": {"coding": [{"system": f.FINDING_SYSTEM, "code": f.ICH}]},
        "subject": {"reference": "Patient/p1"}, "derivedFrom": [{"reference": study}],
        "component": [
            _component(f.ICH_PROBABILITY, **_quantity(probability, "1")),
            _component(f.ICH_VOLUME, **_quantity(volume_ml, "mL")),
            _component(f.ICH_INTRAVENTRICULAR, valueBoolean=ivh),
            _component(f.ICH_INFRATENTORIAL, valueBoolean=infratentorial),
        ],
    }  # fmt: skip


def nodule_finding(rid: str, diameter_mm: float, lobe: str, kind: str, spiculation: bool,
                   count: int = 1) -> Resource:  # fmt: skip
    def concept(code: str) -> Resource:
        return {"valueCodeableConcept": {"coding": [{"system": f.FINDING_SYSTEM, "code": code}]}}

    return {
        "resourceType": "Observation", "id": rid, "status": "preliminary",
        "code": {"coding": [{"system": f.FINDING_SYSTEM, "code": f.LUNG_NODULE}]},
        "subject": {"reference": "Patient/p1"},
        "derivedFrom": [{"reference": "ImagingStudy/chest-ct"}],
        "component": [
            _component(f.NODULE_DIAMETER, **_quantity(diameter_mm, "mm")),
            _component(f.NODULE_LOBE, **concept(lobe)),
            _component(f.NODULE_TYPE, **concept(kind)),
            _component(f.NODULE_SPICULATION, valueBoolean=spiculation),
            _component(f.NODULE_COUNT, valueInteger=count),
        ],
    }  # fmt: skip


def typical_record(now: datetime) -> Resource:
    """A 61-year-old with AF on apixaban, hypertension, diabetes, lipids, BP, eGFR, smoking."""
    week, month = timedelta(days=7), timedelta(days=30)
    return bundle(
        patient("female", "1965-03-14", omb="2106-3"),
        lab("tc", "2093-3", 5.5, "mmol/L", now - month),
        lab("hdl", "2085-9", 50, "mg/dL", now - month),
        lab("egfr", "33914-3", 52, "mL/min/{1.73_m2}", now - week),
        lab("creat", "2160-0", 1.1, "mg/dL", now - week),
        lab("gcs", "9269-2", 11, "{score}", now - timedelta(hours=2)),
        blood_pressure("bp", 148, now - week),
        smoking("smoke", "8517006", now - month),
        condition("af", "I48.91"), condition("htn", "I10"), condition("dm", "E11.9"),
        medication("apixaban", "1364430", "apixaban 5 MG Oral Tablet"),
        medication("lisinopril", "29046", "lisinopril 10 MG Oral Tablet"),
        medication("metformin", "6809", "metformin hydrochloride 500 MG Oral Tablet"),
        imaging_study("old-head-ct", "30799-1", "CT Head WO contrast", now - timedelta(days=10)),
    )  # fmt: skip
