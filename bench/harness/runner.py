"""Runs each benchmark as its own process with `--json`, and keeps the run in bench/results/.

Each benchmark script stays runnable alone and prints its own detailed output; given
`--json PATH` it also writes its figures in the common format (harness.result), which this
runner gathers into one table. A benchmark that fails or runs past its time limit becomes a
FAILED row; the others still run.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.machine import REPOSITORY, describe_machine
from harness.result import BenchResult, load_average, read_result
from harness.table import report

RESULTS = REPOSITORY / "bench" / "results"
KEEP_RUNS = 20


@dataclass(frozen=True)
class Benchmark:
    name: str
    script: str
    # The arguments of a full run (the issues' sizes: each script's defaults) and of --quick.
    full: str
    quick: str
    timeout_s: float


QUICK_INGEST = "--slices 100 --repeats 1 --rss-bytes 100000000 --study var/bench-ingest/study-100"
BENCHMARKS = (
    Benchmark("ingest", "bench/ingest/run.py", "", QUICK_INGEST, 1800),
    Benchmark(
        "fhir", "bench/fhir/run.py", "", "--resources 2000 --seconds 3 --read-sample 500", 1200
    ),
    Benchmark("inference", "bench/inference/bench_inference.py", "", "--studies 8", 1800),
    Benchmark("cds", "bench/cds/run.py", "", "--seconds 5 --tokens 5000", 900),
    Benchmark("risk", "bench/risk/bench_assess.py", "", "--requests 200 --rounds 4", 600),
    Benchmark("study-to-card", "bench/study_to_card/run.py", "", "--studies 2 --matrix 64", 1800),
    Benchmark(
        "report-key-image",
        "bench/report/bench_key_image.py",
        "--size clinical --calls 100",
        "--size small --calls 30",
        900,
    ),
)


def run_one(benchmark: Benchmark, quick: bool, log_dir: Path) -> BenchResult:
    """The benchmark's process, its output echoed and kept in a log; its result read back."""
    args = shlex.split(benchmark.quick if quick else benchmark.full)
    started, load_before = time.monotonic(), load_average()
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with tempfile.TemporaryDirectory(prefix="radcds-bench-") as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, benchmark.script, *args, "--json", str(out)]
        print(f"\n=== {benchmark.name}: {' '.join(command[1:-2])}", flush=True)
        error = _run_logged(command, log_dir / f"{benchmark.name}.log", benchmark.timeout_s)
        result = read_result(out) if out.exists() else BenchResult(benchmark.name, [])
    result.benchmark = benchmark.name
    result.error = result.error or error
    if not result.figures and not result.error:
        result.error = "no figures written"
    result.load_before, result.load_after = load_before, load_average()
    result.started, result.seconds = stamp, time.monotonic() - started
    return result


def _run_logged(command: list[str], log: Path, timeout_s: float) -> str:
    """Runs `command` in the repository, echoing and logging its output; '' or why it failed."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as sink:
        process = subprocess.Popen(
            command,
            cwd=REPOSITORY,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        deadline = time.monotonic() + timeout_s
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            sink.write(line)
            if time.monotonic() > deadline:
                process.kill()
                return f"ran past {timeout_s:.0f} s"
        code = process.wait()
    return f"exit status {code} (log: {log.relative_to(REPOSITORY)})" if code else ""


def save(run: dict[str, Any], results: list[BenchResult], partial: bool) -> Path:
    """The run as bench/results/<time>.json, and latest(-quick).json updated with it: a
    partial run (--only) replaces just its benchmarks' entries there."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = {"run": run, "results": [r.to_json() for r in results]}
    suffix = "-quick" if run["quick"] else ""
    path = RESULTS / f"{run['started'].replace(':', '')}{suffix}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    latest = RESULTS / f"latest{suffix}.json"
    if partial and latest.exists():
        record = merge(json.loads(latest.read_text()), record)
    latest.write_text(json.dumps(record, indent=2) + "\n")
    for old in sorted(RESULTS.glob("20*.json"))[:-KEEP_RUNS]:
        old.unlink()
    return path


def merge(previous: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """`previous` with `new`'s benchmarks replaced or added, in the harness's order."""
    by_name = {r["benchmark"]: r for r in previous["results"]}
    by_name.update({r["benchmark"]: r for r in new["results"]})
    order = [b.name for b in BENCHMARKS]
    results = sorted(
        by_name.values(),
        key=lambda r: order.index(r["benchmark"]) if r["benchmark"] in order else len(order),
    )
    return {"run": {**new["run"], "merged_from": previous["run"]["started"]}, "results": results}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Runs every benchmark; prints one table.")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    names = [b.name for b in BENCHMARKS]
    parser.add_argument("--only", action="append", choices=names, help="this benchmark only")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--show", type=Path, help="print the table of a saved run and exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.show:
        record = json.loads(args.show.read_text())
        results = [BenchResult.from_json(r) for r in record["results"]]
        print(report(record["run"], results, markdown=args.markdown), end="")
        return 0
    chosen = [b for b in BENCHMARKS if not args.only or b.name in args.only]
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    run: dict[str, Any] = {"started": started, "quick": args.quick, "machine": describe_machine()}
    began = time.monotonic()
    log_dir = REPOSITORY / "var" / "bench-logs" / started.replace(":", "")
    results = [run_one(b, args.quick, log_dir) for b in chosen]
    run["seconds"] = time.monotonic() - began
    run["benchmarks"] = [b.name for b in chosen]
    path = save(run, results, partial=bool(args.only))
    print("\n" + report(run, results, markdown=args.markdown), end="")
    print(f"saved: {path.relative_to(REPOSITORY)}")
    return 1 if any(r.error for r in results) else 0
