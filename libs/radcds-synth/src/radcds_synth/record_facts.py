"""What a generated record says, read back from the Bundle by code: the ground truth a risk
calculator should find (e.g. `on_anticoagulant`), whoever planted it."""

from __future__ import annotations

from typing import Any

from radcds_synth import fhir_codes as fc


def record_facts(bundle: dict[str, Any]) -> dict[str, Any]:
    resources = [entry["resource"] for entry in bundle["entry"]]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    conditions = [r for r in resources if r["resourceType"] == "Condition"]
    drugs = [
        coding
        for r in resources
        if r["resourceType"] == "MedicationRequest"
        for coding in r["medicationCodeableConcept"]["coding"]
    ]
    anticoagulants = [
        name for name, code in fc.ANTICOAGULANTS.items() if any(d["code"] == code[1] for d in drugs)
    ]
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    facts: dict[str, Any] = {
        "sex": patient["gender"],
        "birth_date": patient["birthDate"],
        **{name: _has_condition(conditions, codes) for name, codes in fc.CONDITIONS.items()},
        "on_anticoagulant": bool(anticoagulants),
        "anticoagulants": anticoagulants,
        "on_antihypertensive": any(
            d.get("display", "").lower().startswith(fc.ANTIHYPERTENSIVE_INGREDIENTS) for d in drugs
        ),
        "on_metformin": any("metformin" in d.get("display", "").lower() for d in drugs),
    }
    facts.update(_observed_values(observations))
    return facts


def _has_condition(conditions: list[dict[str, Any]], codes: tuple[fc.Code, fc.Code]) -> bool:
    snomed = codes[0][1]
    return any(c["code"] == snomed for r in conditions for c in r["code"]["coding"])


def _observed_values(observations: list[dict[str, Any]]) -> dict[str, Any]:
    by_code = {c["code"]: r for r in observations for c in r["code"]["coding"]}

    def number(code: str) -> float | None:
        resource = by_code.get(code)
        return None if resource is None else resource["valueQuantity"]["value"]

    def answer(code: str) -> str | None:
        resource = by_code.get(code)
        return None if resource is None else resource["valueCodeableConcept"]["text"]

    systolic = diastolic = None
    panel = by_code.get(fc.BLOOD_PRESSURE_PANEL)
    if panel is not None:
        parts = {
            c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in panel["component"]
        }
        systolic, diastolic = parts.get(fc.SYSTOLIC), parts.get(fc.DIASTOLIC)
    return {
        "systolic_mm_hg": systolic,
        "diastolic_mm_hg": diastolic,
        "total_cholesterol_mg_dl": number(fc.TOTAL_CHOLESTEROL),
        "hdl_cholesterol_mg_dl": number(fc.HDL_CHOLESTEROL),
        "egfr_ml_min_1_73m2": number(fc.EGFR_CKD_EPI[1]),
        "gcs": number(fc.GCS_TOTAL[1]),
        "inr": number(fc.INR[1]),
        "smoking_status": answer(fc.SMOKING_STATUS[1]),
        "pregnancy_test": answer(fc.HCG_URINE[1]),
    }
