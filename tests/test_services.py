"""Each service as its own process: health with real readiness, and reflection."""

import time
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)
from radcds_kit.health import health_status
from radcds_kit.ports import free_port
from radcds_kit.testing.services import ServiceProcess

pytestmark = pytest.mark.integration

SERVICES = {
    "gateway": "radcds.gateway.v1.FhirStoreService",
    "ingestion": "radcds.ingestion.v1.IngestionService",
    "inference": "radcds.inference.v1.InferenceService",
    "risk": "radcds.risk.v1.RiskService",
    "report": "radcds.report.v1.ReportService",
}


def service_env(name: str, redis_url: str) -> dict[str, str]:
    return {
        "gateway": {"RADCDS_GATEWAY_HTTP_PORT": str(free_port())},
        "ingestion": {
            "RADCDS_INGESTION_DIMSE_PORT": str(free_port()),
            "RADCDS_INGESTION_DICOMWEB_PORT": str(free_port()),
            "RADCDS_INGESTION_MIN_FREE_BYTES": "0",
        },
        "inference": {"RADCDS_REDIS_URL": redis_url},
    }.get(name, {})


def peers_of(
    name: str, start_service: Callable[..., ServiceProcess], request: pytest.FixtureRequest
) -> dict[str, str]:
    """Inference is ready only while Triton is, report while the FHIR store and risk are."""
    if name == "inference":
        return {"RADCDS_TRITON_GRPC_ADDRESS": request.getfixturevalue("triton").grpc_address}
    if name != "report":
        return {}
    gateway = start_service("gateway", **service_env("gateway", ""))
    risk = start_service("risk")
    return {
        "RADCDS_GATEWAY_GRPC_ADDRESS": gateway.address,
        "RADCDS_RISK_GRPC_ADDRESS": risk.address,
    }


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_serves_health_and_reflection(
    name: str,
    redis_url: str,
    start_service: Callable[..., ServiceProcess],
    request: pytest.FixtureRequest,
) -> None:
    env = service_env(name, redis_url) | peers_of(name, start_service, request)
    service = start_service(name, **env)
    assert health_status(service.address) == "SERVING"
    assert health_status(service.address, SERVICES[name]) == "SERVING"
    with grpc.insecure_channel(service.address) as channel:
        listed = set(ProtoReflectionDescriptorDatabase(channel).get_services())
    assert {SERVICES[name], "grpc.health.v1.Health"} <= listed
    assert service.stop() == 0


def test_inference_is_not_serving_while_redis_is_unreachable(tmp_path: Path) -> None:
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    env = {"RADCDS_REDIS_URL": dead_redis, "RADCDS_DATA_DIR": str(tmp_path)}
    service = ServiceProcess("inference", env).start()
    try:
        time.sleep(1)  # several health intervals: it must never have turned SERVING
        service.wait_status("NOT_SERVING")
    finally:
        assert service.stop() == 0
