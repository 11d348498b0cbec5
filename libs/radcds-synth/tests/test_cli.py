"""`radcds synth` as the lead will register it: a typer command over `generate_cohort`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from radcds_cli.synth import synth


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(synth)
    return app


def test_synth_writes_the_requested_cohort(tmp_path: Path) -> None:
    args = ["--patients", "2", "--mix", "ich=0.5,normal=0.5", "--seed", "9", "--out", str(tmp_path)]
    result = CliRunner().invoke(_app(), [*args, "--compression", "rle"])
    assert result.exit_code == 0, result.output
    cohort = json.loads((tmp_path / "cohort.json").read_text())
    assert sorted(p["finding"] for p in cohort["patients"]) == ["ich", "normal"]
    for patient in cohort["patients"]:
        truth = json.loads((tmp_path / patient["directory"] / "truth.json").read_text())
        assert truth["study"]["transfer_syntax_uid"] == "1.2.840.10008.1.2.5"
        assert truth["mrn"] not in result.output


def test_synth_rejects_a_bad_mix(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["--mix", "stroke=1", "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "unknown finding" in result.output
