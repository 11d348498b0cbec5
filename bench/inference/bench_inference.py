"""Inference through the service beside a bare tritonclient loop, on the same Triton.

Run: uv run python bench/inference/bench_inference.py [--studies N] [--workers W]

Starts a tritonserver (scripts/triton.sh) with models/, a Redis, the in-test peers of the
inference tests (services/inference/tests/inference_fakes.py: ingestion serving the DICOM
files, a FHIR store and report that keep what they get) and the inference service as its own
process. Prints studies per second and per-study latency (job created to stored) through the
service; the same preprocessed tensors sent one at a time by tritonclient; the overhead ratio
(service per-study latency / bare per-study latency); and the gain of Triton's dynamic
batching (the bare tensors sent 8 at a time concurrently vs one at a time). Synthetic demo
studies (radcds_synth); the models are not for clinical use.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pydicom
import tritonclient.grpc as triton_grpc
from radcds_inference.model_config import ModelSpec, spec_from_config
from radcds_inference.volume import hu_volume, to_model_grid
from radcds_kit.ports import free_port
from radcds_kit.testing.servers import redis_server
from radcds_kit.testing.services import ServiceProcess

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "services" / "inference" / "tests"))
from inference_fakes import PeerServers  # noqa: E402
from inference_support import load_into, make_study, submit, wait_job  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from harness.result import Aim, BenchResult, Figure, write_result  # noqa: E402

MODEL = "ich_detector"


def start_triton(work: Path) -> tuple[str, list[str]]:
    http, grpc_port, metrics = free_port(), free_port(), free_port()
    ports = [
        "--http-port",
        str(http),
        "--grpc-port",
        str(grpc_port),
        "--metrics-port",
        str(metrics),
    ]
    pid = ["--pid-file", str(work / "triton.pid")]
    script = str(REPO / "scripts" / "triton.sh")
    subprocess.run(["bash", script, "install"], check=True, capture_output=True)
    began = time.monotonic()
    subprocess.run(
        ["bash", script, "start", *ports, *pid, "--log", str(work / "t.log")], check=True
    )
    print(f"tritonserver ready in {time.monotonic() - began:.2f} s (scripts/triton.sh start)")
    return f"127.0.0.1:{grpc_port}", ["bash", script, "stop", *pid]


def tensors(spec: ModelSpec, directories: list[Path]) -> list[np.ndarray]:
    out = []
    for directory in directories:
        datasets = [pydicom.dcmread(p) for p in sorted((directory / "CT").glob("*.dcm"))]
        hu, _ = to_model_grid(hu_volume(datasets), spec.spacing_mm, spec.input_shape, spec.fill_hu)
        out.append(hu[np.newaxis, np.newaxis])
    return out


_clients = threading.local()


def infer_one(address: str, spec: ModelSpec, batch: np.ndarray) -> float:
    if not hasattr(_clients, "client"):
        _clients.client = triton_grpc.InferenceServerClient(address)
    client = _clients.client
    item = triton_grpc.InferInput(spec.input_name, list(batch.shape), "FP32")
    item.set_data_from_numpy(batch)
    outputs = [triton_grpc.InferRequestedOutput(name) for name in spec.outputs]
    began = time.monotonic()
    client.infer(spec.name, [item], outputs=outputs)
    return time.monotonic() - began


def bare_loop(
    address: str, spec: ModelSpec, items: list[np.ndarray], concurrency: int
) -> tuple[float, list[float]]:
    began = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(lambda b: infer_one(address, spec, b), items))
    return len(items) / (time.monotonic() - began), latencies


def through_service(service: ServiceProcess, studies: list) -> tuple[float, list[float]]:
    """Throughput with every study submitted at once; latency (created to stored, from GetJob)
    with one study at a time, so no job waits behind another."""
    latencies = []
    for study in studies[:3]:
        job = wait_job(service, submit(service, study).job_id, timeout_s=600)
        latencies.append(
            (job.updated_time.ToNanoseconds() - job.created_time.ToNanoseconds()) / 1e9
        )
    began = time.monotonic()
    job_ids = [submit(service, study).job_id for study in studies[3:]]
    for job_id in job_ids:
        wait_job(service, job_id, timeout_s=600)
    return len(job_ids) / (time.monotonic() - began), latencies


def batch_sizes(address: str) -> str:
    """Triton's own count: inferences per model execution (the mean batch size)."""
    stats = triton_grpc.InferenceServerClient(address).get_inference_statistics(MODEL)
    model = stats.model_stats[0]
    return f"{model.inference_count / max(model.execution_count, 1):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--studies", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the result here (harness format)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-inference-"))
    studies = [
        make_study(work / "studies", 99, i, "ich" if i % 2 else "normal")
        for i in range(args.studies)
    ]
    studies = [s for s in studies if s.truth["study"]["body_part"] == "HEAD"]
    address, stop_triton = start_triton(work)
    peers = PeerServers().start()
    try:
        (work / "redis").mkdir()
        with redis_server(work / "redis") as redis_url:
            spec = spec_from_config(
                triton_grpc.InferenceServerClient(address).get_model_config(MODEL).config
            )
            items = tensors(spec, [s.directory for s in studies])
            infer_one(address, spec, items[0])
            bare_rate, bare_lat = bare_loop(address, spec, items * 5, 1)
            before = batch_sizes(address)
            batched_rate, _ = bare_loop(address, spec, items * 5, 8)
            print(f"mean batch size: {before} sequential, {batch_sizes(address)} over both runs")
            for study in studies:
                load_into(peers, study)
            env = {
                "RADCDS_REDIS_URL": redis_url,
                "RADCDS_TRITON_GRPC_ADDRESS": address,
                "RADCDS_INGESTION_GRPC_ADDRESS": peers.address("ingestion"),
                "RADCDS_GATEWAY_GRPC_ADDRESS": peers.address("gateway"),
                "RADCDS_REPORT_GRPC_ADDRESS": peers.address("report"),
                "RADCDS_INFERENCE_WORKERS": str(args.workers),
                "RADCDS_LOG_LEVEL": "WARNING",
            }
            service = ServiceProcess("inference", env).start()
            service.wait_serving(60)
            try:
                rate, latencies = through_service(service, studies)
            finally:
                service.stop()
    finally:
        peers.stop()
        subprocess.run(stop_triton, check=False)
    report(len(studies), args.workers, rate, latencies, bare_rate, bare_lat, batched_rate)
    parameters = {"studies": len(studies), "workers": args.workers, "model": MODEL}
    raw = {
        "service_latencies_s": latencies,
        "bare_latencies_s": bare_lat,
        "service_rate": rate,
        "bare_rate": bare_rate,
        "batched_rate": batched_rate,
    }
    figures = result_figures(rate, latencies, bare_rate, bare_lat, batched_rate)
    write_result(args.json, BenchResult("inference", figures, parameters, raw))


def result_figures(
    rate: float,
    latencies: list[float],
    bare_rate: float,
    bare_lat: list[float],
    batched_rate: float,
) -> list[Figure]:
    """The issue's aim is on latency: service p50 over bare p50 at most 1.15."""
    service_ms = statistics.median(latencies) * 1000
    bare_ms = statistics.median(bare_lat) * 1000
    return [
        Figure.against(
            "per-study latency p50 (service: job created to stored)",
            service_ms,
            "ms",
            bare_ms,
            "bare tritonclient infer",
            Aim("ratio", "<=", 1.15),
        ),
        Figure.against(
            "throughput, all studies submitted at once",
            rate,
            "studies/s",
            bare_rate,
            "bare tritonclient, sequential",
        ),
        Figure.against(
            "dynamic batching: 8 concurrent bare clients",
            batched_rate,
            "studies/s",
            bare_rate,
            "bare tritonclient, sequential",
        ),
    ]


def report(n, workers, rate, latencies, bare_rate, bare_lat, batched_rate) -> None:
    service_ms = statistics.median(latencies) * 1000
    bare_ms = statistics.median(bare_lat) * 1000
    print(f"\n{n} synthetic head CT studies, model {MODEL}, CPU Triton")
    print("(Python backend running ONNX Runtime; demo model, not for clinical use)")
    print(f"{'path':<42}{'studies/s':>10}{'p50 latency ms':>16}")
    print(f"{f'service (workers={workers})':<42}{rate:>10.2f}{service_ms:>16.0f}")
    print("  (service: studies/s with all submitted at once; latency one at a time)")
    print(f"{'bare tritonclient, sequential':<42}{bare_rate:>10.2f}{bare_ms:>16.0f}")
    print(f"{'bare tritonclient, 8 concurrent (batched)':<42}{batched_rate:>10.2f}{'':>16}")
    print(f"\noverhead ratio (service p50 / bare p50): {service_ms / bare_ms:.2f}")
    gain = batched_rate / bare_rate
    print(f"dynamic batching gain (8 concurrent / sequential throughput): {gain:.2f}")


if __name__ == "__main__":
    main()
