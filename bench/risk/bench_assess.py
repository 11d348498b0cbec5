"""Assess latency for a typical patient Bundle: in process and over gRPC to the real service.

Run: uv run python bench/risk/bench_assess.py [--requests N]
Prints p50/p99 in milliseconds for each path and the gRPC / in-process ratio, plus what
validating the whole Bundle with fhir.resources would cost, for comparison.
"""

import argparse
import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import grpc
from fhir.resources.R4B.bundle import Bundle
from radcds.risk.v1 import risk_pb2, risk_pb2_grpc
from radcds_kit.health import health_status
from radcds_risk import examples as ex
from radcds_risk.assessor import Assessor
from radcds_risk.settings import RiskSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness.result import Aim, BenchResult, Figure, write_result

NOW = ex.REFERENCE_TIME


def typical_bundle() -> bytes:
    """The example record plus five years of history: BP monthly, labs quarterly."""
    record = ex.typical_record(NOW)
    history = []
    for month in range(1, 61):
        when = NOW - timedelta(days=30 * month)
        history.append(ex.blood_pressure(f"bp-{month}", 130 + month % 20, when))
        if month % 3 == 0:
            history += [
                ex.lab(f"tc-{month}", "2093-3", 200 + month, "mg/dL", when),
                ex.lab(f"hdl-{month}", "2085-9", 50, "mg/dL", when),
                ex.lab(f"egfr-{month}", "33914-3", 60, "mL/min/{1.73_m2}", when),
                ex.lab(f"cr-{month}", "2160-0", 1.0, "mg/dL", when),
            ]
    record["entry"] += [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in history]
    return json.dumps(record).encode()


FINDINGS = [
    json.dumps(ex.ich_finding(0.92, 35, True, False)).encode(),
    json.dumps(ex.nodule_finding("n1", 7, "RUL", "solid", False, count=2)).encode(),
]
ORDER = json.dumps({
    "resourceType": "ServiceRequest", "status": "draft", "intent": "order",
    "subject": {"reference": "Patient/p1"},
    "code": {"coding": [{"system": "http://loinc.org", "code": "30799-1",
                         "display": "CT Head WO contrast"}]},
}).encode()  # fmt: skip


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[98]


def timed(call: Callable[[], object], count: int) -> tuple[list[float], list[float]]:
    """Wall-clock and this thread's CPU time of each call, in milliseconds."""
    wall, cpu = [], []
    for _ in range(count):
        wall_start, cpu_start = time.perf_counter(), time.thread_time()
        call()
        cpu.append((time.thread_time() - cpu_start) * 1000)
        wall.append((time.perf_counter() - wall_start) * 1000)
    return wall, cpu


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_cpu_ms(pid: int) -> float:
    """utime + stime of a process (proc(5)), in milliseconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def start_service() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "RADCDS_RISK_GRPC_PORT": str(port), "RADCDS_LOG_LEVEL": "WARNING"}
    service = subprocess.Popen([sys.executable, "-m", "radcds_risk"], env=env)
    address = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while health_status(address) != "SERVING":
        if time.monotonic() > deadline or service.poll() is not None:
            service.kill()
            raise RuntimeError("risk service did not become SERVING")
        time.sleep(0.1)
    return service, address


def row(name: str, samples: list[float]) -> str:
    p50, p99 = percentiles(samples)
    return f"{name:<44}{p50:>9.3f}{p99:>9.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", type=Path, help="write the result here (harness format)")
    args = parser.parse_args()
    bundle = typical_bundle()
    assessor = Assessor(RiskSettings())
    request = risk_pb2.AssessRequest(patient_bundle=bundle, findings=FINDINGS, draft_order=ORDER)
    request.as_of.FromDatetime(NOW)
    service, address = start_service()
    # As the service does at start-up (radcds_risk.server.build_runtime).
    gc.collect()
    gc.freeze()
    local_wall, local_cpu, remote_wall, server_cpu = [], [], [], 0.0
    load_before = os.getloadavg()[0]
    try:
        with grpc.insecure_channel(address) as channel:
            stub = risk_pb2_grpc.RiskServiceStub(channel)
            in_process = lambda: assessor.assess(bundle, FINDINGS, as_of=NOW, draft_order=ORDER)  # noqa: E731
            timed(in_process, 50), timed(lambda: stub.Assess(request), 50)
            per_round = max(args.requests // args.rounds, 1)
            # Interleaved rounds, so a change in the machine's load hits both paths alike.
            for _ in range(args.rounds):
                wall, cpu = timed(in_process, per_round)
                local_wall += wall
                local_cpu += cpu
                before = process_cpu_ms(service.pid)
                remote_wall += timed(lambda: stub.Assess(request), per_round)[0]
                server_cpu += process_cpu_ms(service.pid) - before
    finally:
        service.terminate()
        service.wait(timeout=15)
    validate_cpu = timed(lambda: Bundle.model_validate_json(bundle), 50)[1]
    entries = len(json.loads(bundle)["entry"])
    print(f"Assess, all 10 calculators; Bundle of {entries} resources ({len(bundle)} bytes), "
          f"2 findings, 1 draft order; {len(local_wall)} requests per path, "
          f"{args.rounds} interleaved rounds; load average {load_before:.1f} -> "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'ms':<44}{'p50':>9}{'p99':>9}")
    print(row("in process, wall clock", local_wall))
    print(row("in process, CPU time of the calling thread", local_cpu))
    print(row("gRPC to the service process, wall clock", remote_wall))
    print(row("fhir.resources Bundle validation, CPU time", validate_cpu))
    print(f"gRPC service process CPU per request (mean): {server_cpu / len(remote_wall):.3f} ms")
    (lp50, lp99), (rp50, rp99) = percentiles(local_wall), percentiles(remote_wall)
    print(f"ratio gRPC / in process, wall clock: p50 {rp50 / lp50:.2f}x, p99 {rp99 / lp99:.2f}x")
    figures = [
        Figure("Assess p99, in process, wall clock", lp99, "ms", aim=Aim("value", "<", 5)),
        # The aim (p99 under 5 ms in process) judged on both clocks: wall clock is what a caller
        # waits, CPU time is the calculators' own cost, which other load on the machine spares.
        Figure(
            "Assess p99, in process, CPU time",
            percentiles(local_cpu)[1],
            "ms",
            aim=Aim("value", "<", 5),
        ),
        Figure.against("Assess p50, gRPC to the service", rp50, "ms", lp50, "in process"),
        Figure("service process CPU per gRPC request (mean)", server_cpu / len(remote_wall), "ms"),
    ]
    parameters = {"requests": args.requests, "rounds": args.rounds, "bundle_entries": entries}
    write_result(args.json, BenchResult("risk", figures, parameters))


if __name__ == "__main__":
    main()
