"""Assess in process over example FHIR R4 records (radcds_risk.examples).

radcds_synth (libs/radcds-synth) had no FHIR record generator when this was written, so the
patients are built here from the published codes.
"""

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.riskassessment import RiskAssessment
from radcds_risk import examples as ex
from radcds_risk.alerts import AlertLevel
from radcds_risk.assess.outcome import Status
from radcds_risk.assessor import Assessor, CalculatorResult, InvalidRequest
from radcds_risk.calculators.pce import PceGroup, PceInputs, pooled_cohort_10y_risk
from radcds_risk.fhir.units import CHOLESTEROL_MG_DL_PER_MMOL_L
from radcds_risk.settings import RiskSettings

NOW = ex.REFERENCE_TIME
Assess = Callable[..., dict[str, CalculatorResult]]
ICH = ex.ich_finding(probability=0.94, volume_ml=35, ivh=True, infratentorial=False)


def test_example_record_is_valid_fhir_r4() -> None:
    Bundle.model_validate(ex.typical_record(NOW))


def test_ich_on_apixaban_is_a_critical_alert(assess: Assess) -> None:
    results = assess(ex.typical_record(NOW), [ICH])
    alert = results["anticoagulation_ich_alert"]
    assert alert.outcome.alert is AlertLevel.CRITICAL
    assert "apixaban (factor Xa inhibitor)" in alert.outcome.summary
    assert "AHA/ASA" in alert.outcome.summary
    assert "mg" not in alert.outcome.summary.lower()  # never a dose
    assessment = RiskAssessment.model_validate_json(alert.risk_assessment or b"")
    basis = {b.reference for b in assessment.basis or []}
    assert {"Observation/ai-ich", "MedicationRequest/apixaban"} <= basis
    assert assessment.status == "preliminary"


def test_ich_score_from_finding_and_record(assess: Assess) -> None:
    # GCS 11 (1) + volume 35 mL (1) + IVH (1) + supratentorial (0) + age 61 (0) = 3.
    result = assess(ex.typical_record(NOW), [ICH])["ich_score"]
    assert result.outcome.summary.startswith("ICH score 3/6: observed 30-day mortality 72%")
    assert result.outcome.alert is AlertLevel.CRITICAL
    assessment = json.loads(result.risk_assessment or b"")
    assert assessment["prediction"][0]["probabilityDecimal"] == 0.72
    assert assessment["prediction"][0]["whenRange"]["high"] == {
        "value": 30, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"
    }  # fmt: skip


def test_warfarin_alert_names_the_latest_inr(assess: Assess) -> None:
    record = ex.bundle(
        ex.patient(),
        ex.medication("w", "855332", "warfarin sodium 5 MG Oral Tablet"),
        ex.lab("inr1", "6301-6", 2.1, "{INR}", NOW - timedelta(days=3)),
        ex.lab("inr2", "6301-6", 3.4, "{INR}", NOW - timedelta(hours=6)),
    )
    alert = assess(record, [ICH])["anticoagulation_ich_alert"].outcome
    assert alert.alert is AlertLevel.CRITICAL
    assert "warfarin (vitamin K antagonist); latest INR 3.4" in alert.summary


def test_no_relevant_data_gives_no_alert_and_names_what_is_missing(assess: Assess) -> None:
    results = assess(ex.bundle(ex.patient()))
    assert all(r.outcome.alert is AlertLevel.NONE for r in results.values())
    pce = results["pce_ascvd_10y"].outcome
    assert pce.status is Status.MISSING_INPUT
    missing = {m.name for m in pce.missing}
    assert {"race", "total_cholesterol", "hdl_cholesterol", "systolic_bp",
            "smoking_status"} <= missing  # fmt: skip
    assert "total cholesterol" in pce.summary
    assert results["ich_score"].outcome.status is Status.NOT_APPLICABLE


def test_cholesterol_in_mmol_per_litre_is_converted(assess: Assess) -> None:
    result = assess(ex.typical_record(NOW))["pce_ascvd_10y"]
    expected = pooled_cohort_10y_risk(
        PceInputs(PceGroup.WHITE_FEMALE, 61, 5.5 * CHOLESTEROL_MG_DL_PER_MMOL_L, 50, 148,
                  bp_treated=True, current_smoker=False, diabetes=True)
    )  # fmt: skip
    probability = json.loads(result.risk_assessment or b"")["prediction"][0]["probabilityDecimal"]
    assert probability == round(expected, 4)


def test_unconvertible_unit_is_reported_not_assumed(assess: Assess) -> None:
    record = ex.typical_record(NOW)
    record["entry"][1]["resource"]["valueQuantity"]["code"] = "mg/mL"
    pce = assess(record)["pce_ascvd_10y"].outcome
    assert pce.status is Status.MISSING_INPUT
    assert "unit 'mg/mL' is not convertible to mg/dL" in pce.missing[0].reason


def test_cha2ds2_vasc_and_has_bled(assess: Assess) -> None:
    results = assess(ex.typical_record(NOW))
    # Female (1) + hypertension (1) + diabetes (1), age 61 (0) = 3.
    assert results["cha2ds2_vasc"].outcome.summary.startswith("CHA2DS2-VASc 3/9")
    # No item: SBP 148, creatinine 1.1, no VKA, age 61, no antiplatelet: 0.
    assert results["has_bled"].outcome.summary.startswith("HAS-BLED 0/9")


def test_duplicate_head_ct_within_window(assess: Assess) -> None:
    order = {"resourceType": "ServiceRequest", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/p1"},
             "code": {"coding": [{"system": "http://loinc.org", "code": "30799-1",
                                  "display": "CT Head WO contrast"}]}}  # fmt: skip
    finding = ex.ich_finding(0.94, 35, True, False, study="ImagingStudy/old-head-ct")
    result = assess(ex.typical_record(NOW), [finding], order=order)["duplicate_imaging"]
    assert result.outcome.alert is AlertLevel.WARNING
    assert "10 day(s) ago" in result.outcome.summary
    assert "AI result: haemorrhage probability 0.94" in result.outcome.summary


def _order(display: str) -> dict[str, object]:
    return {"resourceType": "ServiceRequest", "status": "draft", "intent": "order",
            "subject": {"reference": "Patient/p1"}, "code": {"text": display}}  # fmt: skip


def test_iodinated_contrast_with_low_egfr_and_metformin(assess: Assess) -> None:
    record = ex.typical_record(NOW)
    record["entry"][3]["resource"]["valueQuantity"]["value"] = 25
    check = assess(record, order=_order("CT Abdomen and Pelvis W contrast IV"))["contrast_renal"]
    assert check.outcome.alert is AlertLevel.WARNING
    assert "eGFR 25 < 30" in check.outcome.summary
    assert "withhold metformin" in check.outcome.summary


def test_gadolinium_with_normal_egfr_is_no_alert(assess: Assess) -> None:
    check = assess(ex.typical_record(NOW), order=_order("MR Brain WO and W contrast IV"))
    assert check["contrast_renal"].outcome.alert is AlertLevel.NONE


def test_contrast_without_egfr_is_missing(assess: Assess) -> None:
    check = assess(ex.bundle(ex.patient()), order=_order("CT Chest W contrast IV"))
    assert [m.name for m in check["contrast_renal"].outcome.missing] == ["egfr"]


def test_positive_hcg_before_ct_warns(assess: Assess) -> None:
    hcg = ex.lab("hcg", "2106-3", 1, "1", NOW - timedelta(days=1))
    del hcg["valueQuantity"]
    hcg["valueCodeableConcept"] = {"coding": [{"system": "http://snomed.info/sct",
                                              "code": "10828004"}]}  # fmt: skip
    results = assess(ex.bundle(ex.patient(), hcg), order=_order("CT Abdomen WO contrast"))
    assert results["pregnancy_ionising"].outcome.alert is AlertLevel.WARNING
    mr = assess(ex.bundle(ex.patient(), hcg), order=_order("MR Pelvis WO contrast"))
    assert mr["pregnancy_ionising"].outcome.status is Status.NOT_APPLICABLE


def test_nodules_brock_and_fleischner(assess: Assess) -> None:
    nodules = [ex.nodule_finding("n1", 7.0, "RUL", "solid", False, count=2),
               ex.nodule_finding("n2", 4.0, "LLL", "solid", False, count=2)]  # fmt: skip
    results = assess(ex.typical_record(NOW), nodules)
    assert results["brock_pancan"].outcome.status is Status.COMPUTED
    fleischner = results["fleischner_2017"].outcome
    # Former smoker: high risk; multiple solid 6-8 mm.
    assert fleischner.mitigation == "CT at 3-6 months, then CT at 18-24 months."


def test_nodule_without_spiculation_reports_it(assess: Assess) -> None:
    nodule = ex.nodule_finding("n1", 7.0, "RUL", "solid", False)
    nodule["component"] = nodule["component"][:3]
    brock = assess(ex.typical_record(NOW), [nodule])["brock_pancan"].outcome
    assert [m.name for m in brock.missing] == ["nodule_spiculation"]


@pytest.mark.parametrize(
    "bundle",
    [b"not json", b"[]", b'{"resourceType": "Patient"}',
     json.dumps(ex.bundle(ex.lab("x", "2093-3", 1, "mg/dL", NOW))).encode()],
)  # fmt: skip
def test_unparseable_bundle_is_an_invalid_request(bundle: bytes) -> None:
    with pytest.raises(InvalidRequest):
        Assessor(RiskSettings()).assess(bundle, [])


def test_wrongly_typed_value_is_reported_by_the_calculator_that_reads_it(assess: Assess) -> None:
    record = ex.typical_record(NOW)
    record["entry"][1]["resource"]["valueQuantity"]["value"] = "high"
    results = assess(record)
    pce = results["pce_ascvd_10y"].outcome
    assert pce.status is Status.MISSING_INPUT
    assert pce.missing[0].reason == "Observation/tc.valueQuantity.value must be a number"
    assert results["cha2ds2_vasc"].outcome.status is Status.COMPUTED


def test_wrongly_typed_code_is_an_invalid_request() -> None:
    record = ex.typical_record(NOW)
    record["entry"][1]["resource"]["code"]["coding"][0]["code"] = 2093
    with pytest.raises(InvalidRequest, match="system and code must be strings"):
        Assessor(RiskSettings()).assess(json.dumps(record).encode(), [])


def test_unknown_calculator_is_an_invalid_request() -> None:
    with pytest.raises(InvalidRequest, match="unknown calculators: nope"):
        Assessor(RiskSettings()).assess(b"{}", [], calculators=["nope"])


def test_only_the_calculators_asked_for_run(assess: Assess) -> None:
    assert list(assess(ex.typical_record(NOW), calculators=["has_bled"])) == ["has_bled"]


def test_pce_outside_its_ages_is_not_applicable_even_with_inputs_missing(assess: Assess) -> None:
    young = assess(ex.bundle(ex.patient(birth_date="1996-01-01")))["pce_ascvd_10y"].outcome
    assert young.status is Status.NOT_APPLICABLE
    assert "40-79" in young.summary


def test_warfarin_without_recent_inr_is_still_critical_and_says_so(assess: Assess) -> None:
    record = ex.bundle(ex.patient(), ex.medication("w", "11289", "warfarin"))
    alert = assess(record, [ICH])["anticoagulation_ich_alert"].outcome
    assert alert.alert is AlertLevel.CRITICAL
    assert "no recent INR" in alert.summary
    assert [(m.name, m.reason) for m in alert.missing] == [("inr", "no INR in the 7 days before")]


def test_ich_score_without_gcs_names_the_window(assess: Assess) -> None:
    outcome = assess(ex.bundle(ex.patient()), [ICH])["ich_score"].outcome
    assert outcome.status is Status.MISSING_INPUT
    assert outcome.alert is AlertLevel.NONE
    assert ("gcs", "no Glasgow coma score total in the 24 hours before") in {
        (m.name, m.reason) for m in outcome.missing
    }
