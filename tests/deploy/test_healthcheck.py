"""The healthcheck compose.yaml gives each radcds service, run as compose runs it, against a
real grpc.health.v1 server on an ephemeral port."""

import asyncio
import subprocess
import sys
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio

pytestmark = pytest.mark.integration


async def test_the_grpc_healthcheck_passes_only_when_serving(compose: dict[str, Any]) -> None:
    """The healthcheck's Python, run as compose runs it, against a real grpc.health.v1."""
    code = compose["services"]["risk"]["healthcheck"]["test"][3]

    def healthcheck(port: int) -> int:
        command = [sys.executable, "-c", code, str(port)]
        return subprocess.run(command, capture_output=True, check=False).returncode

    server = grpc.aio.server()
    health = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        await health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
        assert await asyncio.to_thread(healthcheck, port) == 1
        await health.set("", health_pb2.HealthCheckResponse.SERVING)
        assert await asyncio.to_thread(healthcheck, port) == 0
    finally:
        await server.stop(0)
    assert await asyncio.to_thread(healthcheck, port) == 1
