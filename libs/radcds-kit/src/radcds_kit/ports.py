"""Default ports of the suite (design.md, "Ports and paths").

compose.yaml, the chart and `radcds up` use the same numbers; each is
overridable by its service's environment variable.
"""

import socket
from typing import Final

GATEWAY_HTTP: Final = 8080
GATEWAY_GRPC: Final = 50050
INGESTION_GRPC: Final = 50051
INFERENCE_GRPC: Final = 50052
RISK_GRPC: Final = 50053
REPORT_GRPC: Final = 50054
INGESTION_DIMSE: Final = 11112
INGESTION_DICOMWEB: Final = 8081
TRITON_HTTP: Final = 8000
TRITON_GRPC: Final = 8001
TRITON_METRICS: Final = 8002
KEYCLOAK_HTTP: Final = 8180
REDIS: Final = 6379
POSTGRES: Final = 5432

SERVICE_GRPC: Final[dict[str, int]] = {
    "gateway": GATEWAY_GRPC,
    "ingestion": INGESTION_GRPC,
    "inference": INFERENCE_GRPC,
    "risk": RISK_GRPC,
    "report": REPORT_GRPC,
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
