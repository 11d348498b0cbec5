"""The bench harness's own code: the result format, the table, the saved runs. No timings are
asserted: the figures here are made up, and the smoke test checks only that figures came."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import runner
from harness.result import Aim, BenchResult, Figure, read_result, write_result
from harness.table import markdown_table, report, text_table

MACHINE = {
    "cpu": "Test CPU",
    "cores": 2,
    "memory_gib": 23.4,
    "load_average": [1.0, 2.0, 3.0],
    "os": "Linux",
    "python": "3.11.2",
    "git_commit": "abc123",
    "git_dirty": True,
}


def fabricated() -> list[BenchResult]:
    ingest = BenchResult(
        "ingest",
        [
            Figure.against(
                "C-STORE, 1 association", 50.0, "inst/s", 100.0, "Orthanc", Aim("ratio", ">=", 1.0)
            ),
            Figure("ingestion peak RSS", 210.0, "MB", aim=Aim("value", "<", 300)),
        ],
        load_before=1.5,
        load_after=2.5,
    )
    cds = BenchResult("cds", [Figure("info cards", 3, "calls")])
    failed = BenchResult("fhir", [], error="exit status 1")
    return [ingest, cds, failed]


@pytest.mark.unit
def test_aims_judge_the_value_or_the_ratio() -> None:
    slow = Figure.against("rate", 50.0, "inst/s", 100.0, "Orthanc", Aim("ratio", ">=", 1.0))
    assert slow.ratio == 0.5
    assert slow.met is False
    assert Figure("rss", 210.0, "MB", aim=Aim("value", "<", 300)).met is True
    assert Figure("no aim", 1.0, "s").met is None
    assert Figure("no reference", 1.0, "s", aim=Aim("ratio", "<", 2)).met is None


@pytest.mark.unit
def test_result_survives_json(tmp_path: Path) -> None:
    original = fabricated()[0]
    write_result(tmp_path / "r.json", original)
    again = read_result(tmp_path / "r.json")
    assert again.figures == original.figures
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["figures"][0]["met"] is False
    assert saved["figures"][0]["aim_text"] == "ratio >= 1"


@pytest.mark.unit
def test_table_shows_every_figure_its_aim_and_failures() -> None:
    table = text_table(fabricated())
    lines = table.splitlines()
    assert lines[0].split() == [
        "benchmark",
        "figure",
        "value",
        "reference",
        "ratio",
        "aim",
        "met?",
        "load",
    ]
    ingest = next(line for line in lines if "1 association" in line)
    for shown in ("50.0 inst/s", "100 inst/s (Orthanc)", "0.5", "ratio >= 1", "NO"):
        assert shown in ingest
    assert "1.5->2.5" in ingest
    assert "yes" in next(line for line in lines if "peak RSS" in line)
    assert "FAILED: exit status 1" in table


@pytest.mark.unit
def test_markdown_and_report_name_the_machine() -> None:
    run = {"started": "2026-11-28T12:00:00Z", "quick": True, "seconds": 61.0, "machine": MACHINE}
    text = report(run, fabricated(), markdown=True)
    assert "Test CPU, 2 cores, 23.4 GiB" in text
    assert "load average 1.00 2.00 3.00" in text
    assert "commit abc123 (with uncommitted changes)" in text
    assert "quick" in text
    assert "timings: ingest 0 s from" in text
    assert markdown_table(fabricated()).splitlines()[1].startswith("|---|")


@pytest.mark.unit
def test_partial_run_replaces_only_its_benchmarks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "RESULTS", tmp_path)
    run = {"started": "2026-11-28T12:00:00Z", "quick": False, "seconds": 1.0, "machine": MACHINE}
    runner.save(run, fabricated(), partial=False)
    rerun = {**run, "started": "2026-11-28T13:00:00Z"}
    runner.save(rerun, [BenchResult("cds", [Figure("info cards", 0, "calls")])], partial=True)
    latest = json.loads((tmp_path / "latest.json").read_text())
    names = [r["benchmark"] for r in latest["results"]]
    assert names == ["ingest", "fhir", "cds"]
    assert latest["results"][2]["figures"][0]["value"] == 0
    assert latest["run"]["merged_from"] == "2026-11-28T12:00:00Z"
    assert len(list(tmp_path.glob("2026-*.json"))) == 2


@pytest.mark.integration
def test_risk_benchmark_writes_figures_through_the_harness(tmp_path: Path) -> None:
    """The smallest real run: the risk bench with 40 requests, via the runner."""
    smoke = runner.Benchmark(
        "risk", "bench/risk/bench_assess.py", "", "--requests 40 --rounds 2", 300
    )
    result = runner.run_one(smoke, quick=True, log_dir=tmp_path)
    assert not result.error
    names = [f.name for f in result.figures]
    assert "Assess p99, in process, wall clock" in names
    assert all(f.value > 0 for f in result.figures)
    assert (tmp_path / "risk.log").read_text()
