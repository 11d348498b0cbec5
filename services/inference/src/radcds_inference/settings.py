"""Settings of the inference service, from RADCDS_* environment variables."""

from radcds_kit import ports
from radcds_kit.settings import RadcdsSettings, local_grpc_address


class InferenceSettings(RadcdsSettings):
    inference_grpc_port: int = ports.INFERENCE_GRPC
    redis_url: str = f"redis://127.0.0.1:{ports.REDIS}/0"
    gateway_grpc_address: str = local_grpc_address("gateway")
    ingestion_grpc_address: str = local_grpc_address("ingestion")
    report_grpc_address: str = local_grpc_address("report")
