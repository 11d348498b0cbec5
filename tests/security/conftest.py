"""The services under attack, each a real process on ephemeral ports, trusting the session's
real Keycloak (the `keycloak` fixture of the radcds pytest plugin)."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from radcds_kit.ports import free_port
from radcds_kit.testing.keycloak import KeycloakServer
from radcds_kit.testing.services import ServiceProcess


@dataclass(frozen=True)
class RunningService:
    process: ServiceProcess
    http_url: str


def _run(name: str, env: dict[str, str]) -> Iterator[ServiceProcess]:
    process = ServiceProcess(name, env).start()
    try:
        process.wait_serving(timeout_s=90)
        yield process
    finally:
        if process.running:
            process.stop()


@pytest.fixture(scope="module")
def gateway(
    keycloak: KeycloakServer, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    """The gateway with its FHIR repository on SQLite; risk and report are not running, so
    CDS Hooks answer without them (degraded cards), as they must when those are down."""
    http_port = free_port()
    env = {
        "RADCDS_DATA_DIR": str(tmp_path_factory.mktemp("gateway") / "var"),
        "RADCDS_GATEWAY_HTTP_PORT": str(http_port),
        "RADCDS_KEYCLOAK_URL": keycloak.base_url,
        "RADCDS_REDIS_URL": redis_url,
        "RADCDS_RISK_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
        "RADCDS_REPORT_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
    }
    for process in _run("gateway", env):
        yield RunningService(process, f"http://127.0.0.1:{http_port}")


@dataclass(frozen=True)
class RunningIngestion:
    process: ServiceProcess
    dimse_port: int
    dicomweb_url: str
    data_dir: Path


@pytest.fixture(scope="module")
def ingestion(
    keycloak: KeycloakServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningIngestion]:
    """Ingestion with no gateway or inference behind it: what it accepts stays spooled and
    indexed, and publication retries in the background."""
    dimse_port, dicomweb_port = free_port(), free_port()
    data_dir = tmp_path_factory.mktemp("ingestion") / "var"
    env = {
        "RADCDS_DATA_DIR": str(data_dir),
        "RADCDS_INGESTION_DIMSE_PORT": str(dimse_port),
        "RADCDS_INGESTION_DICOMWEB_PORT": str(dicomweb_port),
        "RADCDS_INGESTION_MIN_FREE_BYTES": "0",
        "RADCDS_INGESTION_DISK_WATERMARK": "1.0",
        "RADCDS_INGESTION_MAX_INSTANCE_BYTES": str(64 * 1024 * 1024),
        "RADCDS_KEYCLOAK_URL": keycloak.base_url,
        "RADCDS_GATEWAY_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
        "RADCDS_INFERENCE_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
    }
    for process in _run("ingestion", env):
        url = f"http://127.0.0.1:{dicomweb_port}/dicomweb"
        yield RunningIngestion(process, dimse_port, url, data_dir)
