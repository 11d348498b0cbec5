"""The patient record as a FHIR R4 transaction Bundle, tied to the study by MRN and accession.

carebundle writes the general record (Patient, encounter, labs, vitals, conditions and
medications of a clinical profile); this adds what the risk calculators also read and
carebundle lacks: SNOMED CT beside its ICD-10-CM conditions, atrial fibrillation,
anticoagulants, smoking status, Glasgow Coma Scale, INR, a pregnancy test and the imaging
order (ServiceRequest) with the accession number as an ACSN identifier.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from radcds_synth import fhir_codes as fc
from radcds_synth.identity import ACCESSION_SYSTEM, MRN_SYSTEM, StudyIdentity, UidSource
from radcds_synth.record_resources import (
    condition,
    medication_request,
    observation,
    service_request,
)

if TYPE_CHECKING:
    from fhir.resources.R4B.bundle import Bundle

Smoking = Literal["current", "former", "never"]
StudyKind = Literal["head", "chest"]
_AF_HISTORY = dt.timedelta(days=200)
_NAMESPACE = uuid.UUID("0b6f9a53-64f4-4b8e-9b7e-5f0f0d4c2a11")


@dataclass(frozen=True)
class RecordPlan:
    """What the record should say beyond carebundle's clinical profile."""

    profile: str
    sex: Literal["M", "F"]
    age_range: tuple[int, int]
    study_kind: StudyKind
    atrial_fibrillation: bool
    anticoagulant: str | None
    smoking: Smoking
    gcs: int | None
    inr: float | None
    hcg_positive: bool | None


@dataclass(frozen=True)
class PatientRecord:
    bundle: dict[str, Any]
    identity: StudyIdentity


def build_record(
    plan: RecordPlan, uids: UidSource, study_datetime: dt.datetime, mrn: str, accession: str
) -> PatientRecord:
    """carebundle's record for the plan, made to match the study and completed."""
    import carebundle

    seed = uids.seed * 100_003 + uids.patient_index
    generated = carebundle.generate_bundle(
        profile=plan.profile,
        seed=seed,
        sex=plan.sex,
        age_range=plan.age_range,
        # carebundle dates its visit, vitals and labs at 09:00Z on the reference date; the day
        # before the study keeps all of them before the study and inside risk's look-backs.
        reference_date=(study_datetime - dt.timedelta(days=1)).date(),
    )
    bundle: dict[str, Any] = json.loads(carebundle.to_json(generated))
    patient_entry = _entry_of(bundle, "Patient")
    patient = patient_entry["resource"]
    patient["identifier"] = [_mrn_identifier(mrn)]
    identity = StudyIdentity(
        family_name=patient["name"][0]["family"],
        given_name=patient["name"][0]["given"][0],
        mrn=mrn,
        birth_date=dt.date.fromisoformat(patient["birthDate"]),
        sex=patient["gender"],
        accession_number=accession,
        study_datetime=study_datetime,
        study_uid=uids.uid("study"),
    )
    _code_conditions(bundle)
    _code_egfr(bundle)
    added = _additions(plan, identity, patient_entry["fullUrl"])
    bundle["entry"].extend(_as_entry(resource, uids, i) for i, resource in enumerate(added))
    return PatientRecord(bundle=bundle, identity=identity)


def validate_bundle(bundle: dict[str, Any]) -> Bundle:
    """Parse the bundle with fhir.resources' R4B models; raises on a structural error."""
    from fhir.resources.R4B.bundle import Bundle

    return Bundle.model_validate(bundle)


def _additions(plan: RecordPlan, identity: StudyIdentity, patient: str) -> list[dict[str, Any]]:
    when = identity.study_datetime - dt.timedelta(minutes=40)
    added = [
        service_request(plan.study_kind, identity, patient, ACCESSION_SYSTEM),
        observation(
            fc.SMOKING_STATUS,
            "social-history",
            patient,
            when,
            value_concept=fc.concept(fc.SMOKING_ANSWERS[plan.smoking]),
        ),
    ]
    if plan.gcs is not None:
        added.append(
            observation(fc.GCS_TOTAL, "survey", patient, when, fc.quantity(plan.gcs, "{score}"))
        )
    if plan.inr is not None:
        added.append(
            observation(fc.INR, "laboratory", patient, when, fc.quantity(plan.inr, "{INR}"))
        )
    if plan.hcg_positive is not None:
        answer = fc.concept(fc.PRESENCE[plan.hcg_positive])
        added.append(observation(fc.HCG_URINE, "laboratory", patient, when, value_concept=answer))
    diagnosed = when.date() - _AF_HISTORY
    if plan.atrial_fibrillation:
        added.append(condition(fc.CONDITIONS["atrial_fibrillation"], patient, diagnosed))
    if plan.anticoagulant is not None:
        drug = fc.ANTICOAGULANTS[plan.anticoagulant]
        started = when.date() if plan.anticoagulant == "heparin" else diagnosed
        added.append(medication_request(drug, patient, started))
    return added


def _code_conditions(bundle: dict[str, Any]) -> None:
    """Add the SNOMED CT concept beside each ICD-10-CM condition code carebundle wrote."""
    for resource in _resources(bundle, "Condition"):
        coding = resource["code"]["coding"]
        icd = next((c["code"] for c in coding if c.get("system") == fc.ICD10), "")
        for snomed, icd_prefix in fc.CONDITIONS.values():
            if icd.startswith(icd_prefix[1]):
                coding.insert(0, fc.concept(snomed)["coding"][0])
        for prefix, snomed in fc.EXTRA_SNOMED.items():
            if icd.startswith(prefix):
                coding.insert(0, fc.concept(snomed)["coding"][0])


def _code_egfr(bundle: dict[str, Any]) -> None:
    """CKD-EPI 2021 (98979-8) is a CKD-EPI eGFR: add the general code 62238-1 beside it."""
    for resource in _resources(bundle, "Observation"):
        coding = resource["code"]["coding"]
        if any(c.get("code") == fc.EGFR_CKD_EPI_2021 for c in coding):
            coding.append(fc.concept(fc.EGFR_CKD_EPI)["coding"][0])


def _mrn_identifier(mrn: str) -> dict[str, Any]:
    return {
        "use": "usual",
        "type": fc.concept((fc.V2_0203, "MR", "Medical record number")),
        "system": MRN_SYSTEM,
        "value": mrn,
    }


def _as_entry(resource: dict[str, Any], uids: UidSource, ordinal: int) -> dict[str, Any]:
    name = f"radcds-synth/{uids.seed}/{uids.patient_index}/{ordinal}"
    return {
        "fullUrl": f"urn:uuid:{uuid.uuid5(_NAMESPACE, name)}",
        "resource": resource,
        "request": {"method": "POST", "url": resource["resourceType"]},
    }


def _entry_of(bundle: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return next(e for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type)


def _resources(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    entries = bundle["entry"]
    return [e["resource"] for e in entries if e["resource"]["resourceType"] == resource_type]
