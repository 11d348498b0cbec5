"""`radcds demo` runs the suite's main job end to end: two synthetic patients (haemorrhage and
nodule) from C-STORE to report PDFs and CDS Hooks cards, and stops cleanly."""

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

# demo_run (tests/conftest.py): one `radcds demo` run, shared with tests/security.


def test_demo_runs_to_the_end(demo_run: Any) -> None:
    result, out = demo_run, demo_run.out
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]

    assert "trained on synthetic data" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    pdfs = [Path(p) for p in summary["pdfs"]]
    assert len(pdfs) >= 2
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    # The haemorrhage's key slice with its mask, as the report's Media.
    key_images = [Path(p) for p in summary["key_images"]]
    assert key_images
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in key_images)
    by_finding = {p["finding"]: p for p in summary["patients"]}
    assert "critical" in by_finding["ich"]["indicators"]
    assert "intracranial-hemorrhage" in by_finding["ich"]["ai_findings"]
    assert all(p["study_to_card_s"] is not None for p in summary["patients"])
    printed = result.stdout + result.stderr
    for truth in (out / "cohort").glob("patient-*/truth.json"):
        assert json.loads(truth.read_text())["mrn"] not in printed


def test_demo_keeps_the_services_logs_off_the_terminal(demo_run: Any) -> None:
    """Triton's and each service's output goes to its own file; the demo says where."""
    names = {p.name for p in demo_run.log_files}
    assert {"triton.log", "gateway.log", "ingestion.log", "inference.log"} <= names
    log_dir = demo_run.log_files[0].parent
    assert str(log_dir) in demo_run.stdout.replace("\n", "")
    assert '"service": "ingestion"' not in demo_run.stdout + demo_run.stderr
    assert '"service": "ingestion"' in (log_dir / "ingestion.log").read_text()
