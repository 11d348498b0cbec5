"""Every Bundle validates as FHIR R4 and carries what the risk calculators read."""

from __future__ import annotations

import json
from typing import Any

import pydicom
import pytest
from radcds_synth.cohort import plan_patient
from radcds_synth.identity import UidSource
from radcds_synth.record import build_record, validate_bundle
from radcds_synth.record_facts import record_facts

ACSN = ("http://terminology.hl7.org/CodeSystem/v2-0203", "ACSN")


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _codes(resource: dict[str, Any], element: str = "code") -> set[str]:
    return {c["code"] for c in resource[element]["coding"]}


def test_every_bundle_validates_and_ties_to_its_study(cohort: list[dict[str, Any]]) -> None:
    for truth in cohort:
        bundle = json.loads((truth["directory"] / "bundle.json").read_text())
        assert validate_bundle(bundle).type == "transaction"
        (patient,) = _resources(bundle, "Patient")
        (order,) = _resources(bundle, "ServiceRequest")
        image = pydicom.dcmread(next((truth["directory"] / "CT").glob("*.dcm")))
        assert patient["identifier"][0]["value"] == image.PatientID
        (accession,) = order["identifier"]
        coding = accession["type"]["coding"][0]
        assert (coding["system"], coding["code"]) == ACSN
        assert accession["value"] == image.AccessionNumber
        assert order["subject"]["reference"] == bundle["entry"][0]["fullUrl"]


@pytest.mark.parametrize("index", range(12))
def test_records_carry_the_calculator_inputs(index: int) -> None:
    finding = ("ich", "nodule", "normal")[index % 3]
    plan = plan_patient(seed=99, index=index, finding=finding)
    bundle = build_record(
        plan.record, UidSource(99, index), plan.study_datetime, plan.mrn, plan.accession
    ).bundle
    validate_bundle(bundle)
    observed = set().union(*(_codes(o) for o in _resources(bundle, "Observation")))
    assert {"85354-9", "2093-3", "2085-9", "62238-1", "72166-2"} <= observed
    assert ("9269-2" in observed) == (plan.study_kind == "head")
    assert ("2106-3" in observed) == (plan.record.hcg_positive is not None)
    facts = record_facts(bundle)
    assert facts["on_anticoagulant"] == (plan.record.anticoagulant is not None)
    assert facts["atrial_fibrillation"] == plan.record.atrial_fibrillation
    for condition in _resources(bundle, "Condition"):
        systems = {c["system"] for c in condition["code"]["coding"]}
        assert systems >= {"http://snomed.info/sct", "http://hl7.org/fhir/sid/icd-10-cm"}
    for medication in _resources(bundle, "MedicationRequest"):
        (coding,) = medication["medicationCodeableConcept"]["coding"]
        assert coding["system"] == "http://www.nlm.nih.gov/research/umls/rxnorm"
