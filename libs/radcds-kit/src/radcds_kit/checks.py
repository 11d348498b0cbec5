"""Dependency checks several services share."""

import asyncio
import os
import shutil
import tempfile
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from radcds_kit.health import HealthCheck


def writable_directory(path: Path, *, min_free_bytes: int = 0) -> HealthCheck:
    """Passes while a file can be created and synced in `path` and the disk has room."""

    def probe() -> bool:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".health-") as file:
            file.write(b"ok")
            file.flush()
            os.fsync(file.fileno())
        return shutil.disk_usage(path).free >= min_free_bytes

    async def check() -> bool:
        return await asyncio.to_thread(probe)

    return check


def peer_serving(channel: grpc.aio.Channel, service: str = "") -> HealthCheck:
    """Passes while the peer at the other end of `channel` reports SERVING."""
    stub = health_pb2_grpc.HealthStub(channel)

    async def check() -> bool:
        try:
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=1.0)
        except grpc.aio.AioRpcError:
            return False
        return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

    return check
