"""Assess over radcds synth patients (libs/radcds-synth: carebundle's record, completed with
what the calculators read), with AI findings built from the synth study's ground truth."""

import datetime as dt
import json
from typing import Any

from radcds_risk import examples as ex
from radcds_risk.alerts import AlertLevel
from radcds_risk.assess.outcome import Status
from radcds_risk.assessor import Assessor, CalculatorResult
from radcds_risk.settings import RiskSettings
from radcds_synth.cohort import plan_patient
from radcds_synth.identity import UidSource
from radcds_synth.record import RecordPlan, build_record

SEED = 7


def _assess(bundle: dict[str, Any], findings: list[dict[str, Any]], when: dt.datetime
            ) -> dict[str, CalculatorResult]:  # fmt: skip
    as_of = when.replace(tzinfo=dt.UTC) + dt.timedelta(minutes=30)
    results = Assessor(RiskSettings()).assess(
        json.dumps(bundle).encode(), [json.dumps(f).encode() for f in findings], as_of=as_of
    )
    return {r.spec.name: r for r in results}


def test_synth_ich_patient_on_an_anticoagulant_gets_a_critical_alert() -> None:
    plan = plan_patient(SEED, 1, "ich")
    record_plan = RecordPlan(**{**plan.record.__dict__, "anticoagulant": "warfarin", "inr": 2.8})
    record = build_record(record_plan, UidSource(SEED, 1), plan.study_datetime, plan.mrn,
                          plan.accession)  # fmt: skip
    truth = plan.haemorrhage
    assert truth is not None
    finding = ex.ich_finding(
        probability=0.97,
        volume_ml=truth.volume_ml,
        ivh=truth.kind == "intraventricular",
        infratentorial=truth.compartment == "infratentorial",
    )
    results = _assess(record.bundle, [finding], plan.study_datetime)
    alert = results["anticoagulation_ich_alert"].outcome
    assert alert.alert is AlertLevel.CRITICAL
    assert "warfarin (vitamin K antagonist); latest INR 2.8" in alert.summary
    assert results["ich_score"].outcome.status is Status.COMPUTED


def test_synth_patient_without_relevant_data_gets_no_alert_and_names_what_is_missing() -> None:
    plan = RecordPlan(profile="healthy", sex="F", age_range=(50, 60), study_kind="head",
                      atrial_fibrillation=False, anticoagulant=None, smoking="never", gcs=None,
                      inr=None, hcg_positive=None)  # fmt: skip
    when = dt.datetime(2026, 5, 4, 10, 30)
    record = build_record(plan, UidSource(SEED, 2), when, "1234000002", "A100000002")
    results = _assess(record.bundle, [], when)
    assert all(r.outcome.alert is AlertLevel.NONE for r in results.values())
    pce = results["pce_ascvd_10y"].outcome
    assert pce.status is Status.MISSING_INPUT
    # carebundle writes no US Core race extension; the equations need one.
    assert "race" in {m.name for m in pce.missing}
