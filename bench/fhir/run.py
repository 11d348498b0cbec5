"""FHIR read and search throughput and latency with 10,000 stored resources, beside a bare
FastAPI endpoint serving the same JSON from memory (the ceiling).

    uv run python bench/fhir/run.py [--resources 10000] [--seconds 10] [--concurrency 16]
    uv run python bench/fhir/run.py --postgres      # on a throwaway PostgreSQL cluster

Each server runs in its own process (one uvicorn worker); the load generator is wrk
(Debian package `wrk`), run with the random-path script paths.lua.
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from radcds_kit.testing.servers import free_port, postgres_server, wait_for_port

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.resolve().parent))
from harness.result import Aim, BenchResult, Figure, write_result  # noqa: E402

PATIENTS = 500
# Devices are not patient data: reading one writes no AuditEvent.
DEVICES = 500


def observation(n: int) -> dict[str, object]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": f"Patient/bench-{n % PATIENTS}"},
        "effectiveDateTime": f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}T10:00:00Z",
        "valueQuantity": {
            "value": 60 + n % 40,
            "unit": "/min",
            "system": "http://unitsofmeasure.org",
            "code": "/min",
        },
    }


def seed(base: str, count: int) -> list[str]:
    """Stores PATIENTS patients, DEVICES devices and the rest as observations, through
    transactions; returns the observations' ids."""
    patients = [
        {
            "resource": {"resourceType": "Patient", "id": f"bench-{n}", "gender": "unknown"},
            "request": {"method": "PUT", "url": f"Patient/bench-{n}"},
        }
        for n in range(PATIENTS)
    ]
    patients += [
        {
            "resource": {"resourceType": "Device", "id": f"bench-{n}", "status": "active"},
            "request": {"method": "PUT", "url": f"Device/bench-{n}"},
        }
        for n in range(DEVICES)
    ]
    ids: list[str] = []
    with httpx.Client(base_url=base, timeout=300) as client:
        client.post(
            "", json={"resourceType": "Bundle", "type": "transaction", "entry": patients}
        ).raise_for_status()
        for start in range(0, count - PATIENTS - DEVICES, 500):
            entries = [
                {"resource": observation(n), "request": {"method": "POST", "url": "Observation"}}
                for n in range(start, min(start + 500, count - PATIENTS - DEVICES))
            ]
            response = client.post(
                "", json={"resourceType": "Bundle", "type": "transaction", "entry": entries}
            )
            response.raise_for_status()
            ids += [e["resource"]["id"] for e in response.json()["entry"]]
    return ids


def snapshot(base: str, ids: list[str], path: Path) -> None:
    """What the gateway serves, saved for the ceiling server to serve from memory."""
    responses = {}
    with httpx.Client(base_url=base) as client:
        for oid in ids:
            responses[f"Observation/{oid}"] = client.get(f"/Observation/{oid}").text
        for n in range(DEVICES):
            responses[f"Device/bench-{n}"] = client.get(f"/Device/bench-{n}").text
        for n in range(PATIENTS):
            query = f"subject=Patient/bench-{n}&_count=10"
            responses[f"Observation?subject=Patient/bench-{n}"] = client.get(
                f"/Observation?{query}"
            ).text
    path.write_text(json.dumps(responses))


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    base: str


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, all its threads (proc(5): fields 14, 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(
    server: Server, paths: list[str], args: argparse.Namespace, work: Path
) -> dict[str, float]:
    """Runs wrk against the server; returns req/s, latency percentiles in ms and the
    server's CPU milliseconds per request (work left queued, such as audit events,
    gets a second to finish first)."""
    base = server.base
    listing = work / "paths.txt"
    listing.write_text("\n".join(f"/fhir{p}" for p in paths) + "\n")
    command = [
        "wrk", f"-t{args.threads}", f"-c{args.concurrency}", f"-d{args.seconds}s", "--latency",
        "-s", str(HERE / "paths.lua"), base.removesuffix("/fhir"), "--", str(listing),
    ]  # fmt: skip
    cpu_before = cpu_seconds(server.process.pid)
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    time.sleep(1)
    cpu_used = cpu_seconds(server.process.pid) - cpu_before
    if "Non-2xx" in output:
        raise RuntimeError(f"wrk saw errors:\n{output}")
    figures = {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])}  # type: ignore[index]
    for percent in ("50", "99"):
        value, unit = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
        figures[f"p{percent}"] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    requests = int(re.search(r"(\d+) requests in", output)[1])  # type: ignore[index]
    figures["cpu_ms"] = cpu_used * 1000 / requests
    return figures


def start(kind: str, argument: str) -> Server:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(HERE / "servers.py"), kind, str(port), argument]
    )
    wait_for_port(port, timeout_s=120)
    return Server(process, f"http://127.0.0.1:{port}/fhir")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--read-sample", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--postgres", action="store_true", help="a throwaway PostgreSQL cluster of its own"
    )
    parser.add_argument("--json", type=Path, help="write the result here (harness format)")
    args = parser.parse_args()
    if args.postgres:
        with postgres_server() as dsn:
            args.database_url = dsn
            figures = bench(args)
    else:
        figures = bench(args)
    parameters = {k: v for k, v in vars(args).items() if k not in ("json", "database_url")}
    parameters["database"] = "postgresql" if args.database_url else "sqlite"
    write_result(args.json, BenchResult("fhir", result_figures(figures), parameters, figures))


def result_figures(figures: dict[str, dict[str, dict[str, float]]]) -> list[Figure]:
    """Throughput of each workload against the ceiling; the issue's aim is on audited reads."""
    names = {
        "read": "read Observation (audited)",
        "read-dev": "read Device (not audited)",
        "search": "search Observation by subject",
    }
    result = [
        Figure.against(
            names[workload],
            f["gateway"]["rate"],
            "req/s",
            f["ceiling"]["rate"],
            "bare FastAPI, same JSON",
            Aim("ratio", ">=", 0.5) if workload == "read" else None,
        )
        for workload, f in figures.items()
    ]
    # Server CPU time per request: less at the mercy of other load on the machine.
    read = figures["read"]
    result.append(
        Figure.against(
            "read Observation (audited), server CPU per request",
            read["gateway"]["cpu_ms"],
            "ms",
            read["ceiling"]["cpu_ms"],
            "bare FastAPI, same JSON",
        )
    )
    return result


def bench(args: argparse.Namespace) -> dict[str, dict[str, dict[str, float]]]:
    work = Path(tempfile.mkdtemp(prefix="radcds-bench-fhir-"))
    gateway = start("gateway", args.database_url or f"sqlite:///{work / 'fhir.sqlite'}")
    try:
        seeded = time.perf_counter()
        ids = seed(gateway.base, args.resources)
        print(f"stored {args.resources} resources in {time.perf_counter() - seeded:.1f} s")
        ids = random.sample(ids, min(args.read_sample, len(ids)))
        snapshot(gateway.base, ids, work / "snapshot.json")
        ceiling = start("ceiling", str(work / "snapshot.json"))
        try:
            return report(gateway, ceiling, ids, args, work)
        finally:
            ceiling.process.terminate()
    finally:
        gateway.process.terminate()


def report(
    gateway: Server, ceiling: Server, ids: list[str], args: argparse.Namespace, work: Path
) -> dict[str, dict[str, dict[str, float]]]:
    workloads = {
        "read": [f"/Observation/{oid}" for oid in ids],
        "read-dev": [f"/Device/bench-{n}" for n in range(DEVICES)],
        "search": [f"/Observation?subject=Patient/bench-{n}&_count=10" for n in range(PATIENTS)],
    }
    print(
        f"{'workload':<8} {'server':<8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms/req':>10}"
    )
    measured = {}
    for name, paths in workloads.items():
        measured[name] = figures = {}
        for server_name, server in (("gateway", gateway), ("ceiling", ceiling)):
            figures[server_name] = f = load(server, paths, args, work)
            print(
                f"{name:<8} {server_name:<8} {f['rate']:>10.0f} {f['p50']:>10.2f}"
                f" {f['p99']:>10.2f} {f['cpu_ms']:>10.3f}"
            )
        gw, top = figures["gateway"], figures["ceiling"]
        print(
            f"{name:<8} ratio gateway/ceiling: throughput {gw['rate'] / top['rate']:.2f},"
            f" by CPU per request {top['cpu_ms'] / gw['cpu_ms']:.2f}"
        )
    return measured


if __name__ == "__main__":
    main()
