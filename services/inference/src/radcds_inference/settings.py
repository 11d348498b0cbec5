"""Settings of the inference service, from RADCDS_* environment variables."""

from pathlib import Path

from radcds_kit import ports
from radcds_kit.settings import RadcdsSettings, local_grpc_address

DEFAULT_ROUTING = Path(__file__).with_name("routing.yaml")


class InferenceSettings(RadcdsSettings):
    inference_grpc_port: int = ports.INFERENCE_GRPC
    redis_url: str = f"redis://127.0.0.1:{ports.REDIS}/0"
    gateway_grpc_address: str = local_grpc_address("gateway")
    ingestion_grpc_address: str = local_grpc_address("ingestion")
    report_grpc_address: str = local_grpc_address("report")
    triton_grpc_address: str = f"127.0.0.1:{ports.TRITON_GRPC}"
    # Routing rules (YAML): which series go to which model.
    inference_routing: Path = DEFAULT_ROUTING
    # Redis keys start with this; two deployments on one Redis use two prefixes.
    inference_key_prefix: str = "radcds:inference"
    # Concurrent jobs per process; scale out with more processes (one consumer group).
    inference_workers: int = 1
    # A job is dead-lettered after this many failed attempts, the reason kept.
    inference_max_attempts: int = 3
    # An entry pending this long with another consumer is taken over (XAUTOCLAIM).
    inference_claim_idle_ms: int = 30_000
    # Backoff while Triton or a peer is not ready: first wait, and the cap, in seconds.
    inference_backoff_s: float = 0.5
    inference_backoff_max_s: float = 10.0
    # Report hand-over retries: an unaccepted hand-over is tried again after this idle time.
    inference_handover_idle_ms: int = 5_000
    # A series larger than this is refused (bytes over all its instances).
    inference_max_series_bytes: int = 2 * 1024 * 1024 * 1024
    # Seconds one Triton inference may take.
    inference_triton_timeout_s: float = 120.0
