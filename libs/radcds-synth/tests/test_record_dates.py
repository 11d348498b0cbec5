"""Records are dated relative to `as_of`, so that risk's look-back windows find them.

The windows are the defaults of services/risk/src/radcds_risk/settings.py
(RADCDS_RISK_LOOKBACK_*): GCS 24 h, INR and hCG 7 days, eGFR 30 days, vitals 365 days,
lipids and smoking status 5 years."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pydicom
import pytest
import typer
from radcds_synth.cohort import generate_patient, plan_patient
from typer.testing import CliRunner

from radcds_cli.synth import synth

LOOKBACK = {
    "9269-2": dt.timedelta(hours=24),  # GCS total
    "6301-6": dt.timedelta(days=7),  # INR
    "62238-1": dt.timedelta(days=30),  # eGFR (CKD-EPI)
    "8480-6": dt.timedelta(days=365),  # systolic blood pressure
    "2093-3": dt.timedelta(days=5 * 365),  # total cholesterol
    "2085-9": dt.timedelta(days=5 * 365),  # HDL cholesterol
    "72166-2": dt.timedelta(days=5 * 365),  # smoking status
}
# A far-off moment, so that a generator that ignored as_of would show.
AS_OF = dt.datetime(2031, 7, 1, 3, 30, tzinfo=dt.UTC)


def _instant(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:  # a date alone: its start, in UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _codes(observation: dict[str, Any]) -> set[str]:
    codes = {c["code"] for c in observation["code"]["coding"]}
    for component in observation.get("component", []):
        codes |= {c["code"] for c in component["code"]["coding"]}
    return codes


def _dated(resource: dict[str, Any]) -> list[dt.datetime]:
    dates = [resource.get(k) for k in ("effectiveDateTime", "authoredOn", "onsetDateTime")]
    dates += [resource.get("period", {}).get(k) for k in ("start", "end")]
    dates.append(resource.get("occurrenceDateTime"))
    return [_instant(d) for d in dates if d]


def _resources(directory: Path) -> list[dict[str, Any]]:
    bundle = json.loads((directory / "bundle.json").read_text())
    return [entry["resource"] for entry in bundle["entry"]]


@pytest.mark.parametrize(("index", "finding"), [(0, "ich"), (1, "nodule"), (2, "normal")])
def test_every_record_entry_is_dated_inside_its_lookback(
    tmp_path: Path, index: int, finding: str
) -> None:
    plan = plan_patient(seed=11, index=index, finding=finding, as_of=AS_OF)  # type: ignore[arg-type]
    generate_patient(tmp_path, plan)
    resources = _resources(tmp_path / plan.directory_name)
    for resource in resources:
        for moment in _dated(resource):
            assert moment <= AS_OF, (resource["resourceType"], moment)
    found = set()
    for observation in (r for r in resources if r["resourceType"] == "Observation"):
        (moment,) = _dated(observation)
        for code in _codes(observation) & LOOKBACK.keys():
            assert AS_OF - moment <= LOOKBACK[code], (code, moment)
            found.add(code)
    expected = set(LOOKBACK) - {"6301-6"} - ({"9269-2"} if plan.study_kind == "chest" else set())
    assert expected <= found
    if plan.record.inr is not None:
        assert "6301-6" in found
    encounter = next(r for r in resources if r["resourceType"] == "Encounter")
    assert AS_OF - _dated(encounter)[0] <= dt.timedelta(days=2)


def test_the_study_is_performed_in_the_hours_before_as_of(tmp_path: Path) -> None:
    plan = plan_patient(seed=11, index=0, finding="ich", as_of=AS_OF)
    generate_patient(tmp_path, plan)
    image = pydicom.dcmread(next((tmp_path / plan.directory_name / "CT").glob("*.dcm")))
    performed = dt.datetime.strptime(image.StudyDate + image.StudyTime[:6], "%Y%m%d%H%M%S")
    before = AS_OF.replace(tzinfo=None) - performed
    assert dt.timedelta(0) <= before < dt.timedelta(hours=6)


def test_the_cli_dates_the_cohort_before_its_as_of(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(synth)
    args = ["--patients", "1", "--mix", "ich=1", "--seed", "3", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--as-of", "2031-07-01T05:30:00+02:00"])
    assert result.exit_code == 0, result.output
    truth = json.loads((tmp_path / "patient-0001" / "truth.json").read_text())
    before = AS_OF.replace(tzinfo=None) - dt.datetime.fromisoformat(truth["study_datetime"])
    assert dt.timedelta(0) <= before < dt.timedelta(hours=6)
    assert json.loads((tmp_path / "cohort.json").read_text())["as_of"] == "2031-07-01T03:30:00Z"
