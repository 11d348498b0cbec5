"""`radcds demo` runs the suite's main job end to end: two synthetic patients (haemorrhage and
nodule) from C-STORE to report PDFs and CDS Hooks cards, and stops cleanly."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from radcds_kit.ports import free_port

pytestmark = pytest.mark.e2e

PORTS = (
    *(f"RADCDS_{s}_GRPC_PORT" for s in ("GATEWAY", "INGESTION", "INFERENCE", "RISK", "REPORT")),
    "RADCDS_GATEWAY_HTTP_PORT",
    "RADCDS_INGESTION_DIMSE_PORT",
    "RADCDS_INGESTION_DICOMWEB_PORT",
    "RADCDS_TRITON_HTTP_PORT",
    "RADCDS_TRITON_GRPC_PORT",
    "RADCDS_TRITON_METRICS_PORT",
)


def test_demo_runs_to_the_end(tmp_path: Path, redis_url: str) -> None:
    env = {**os.environ, "RADCDS_REDIS_URL": redis_url, "RADCDS_INGESTION_MIN_FREE_BYTES": "0"}
    env.update({variable: str(free_port()) for variable in PORTS})
    out = tmp_path / "demo"
    command = [sys.executable, "-m", "radcds_cli", "demo", "--patients", "2", "--seed", "1",
               "--out", str(out), "--timeout", "180"]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=290)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]

    assert "trained on synthetic data" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    pdfs = [Path(p) for p in summary["pdfs"]]
    assert len(pdfs) >= 2
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    by_finding = {p["finding"]: p for p in summary["patients"]}
    assert "critical" in by_finding["ich"]["indicators"]
    assert "intracranial-hemorrhage" in by_finding["ich"]["ai_findings"]
    assert all(p["study_to_card_s"] is not None for p in summary["patients"])
    printed = result.stdout + result.stderr
    for truth in (out / "cohort").glob("patient-*/truth.json"):
        assert json.loads(truth.read_text())["mrn"] not in printed
