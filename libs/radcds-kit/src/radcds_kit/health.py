"""grpc.health.v1 driven by real dependency checks.

A service is SERVING only while every one of its checks passes: a check is
an async callable that answers whether a dependency (Redis, Triton, the
database, the spool disk) can be used right now.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio

HealthCheck = Callable[[], Awaitable[bool]]

log = logging.getLogger(__name__)

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING

# The health service name for liveness: SERVING while the process answers at all, whatever
# its dependencies say. Readiness is "" and the service names, which follow the checks; a
# pod restarted for Redis being away would not bring Redis back.
LIVENESS = "liveness"


class DependencyHealth:
    """Runs a service's dependency checks and publishes the verdict."""

    def __init__(
        self,
        servicer: health_aio.HealthServicer,
        service_names: Iterable[str],
        checks: dict[str, HealthCheck],
        *,
        check_timeout_s: float = 2.0,
    ) -> None:
        self._servicer = servicer
        self._service_names = ["", *service_names]
        self._checks = checks
        self._timeout = check_timeout_s
        self.failing: list[str] = []

    async def _passes(self, name: str, check: HealthCheck) -> bool:
        try:
            return await asyncio.wait_for(check(), self._timeout)
        except Exception as error:  # a failing dependency must not stop the monitor
            log.warning("health check failed", extra={"check": name, "error": type(error).__name__})
            return False

    async def refresh(self) -> bool:
        """Runs every check once and sets the status of all service names."""
        names = list(self._checks)
        results = await asyncio.gather(*(self._passes(n, self._checks[n]) for n in names))
        failing = [name for name, ok in zip(names, results, strict=True) if not ok]
        if failing != self.failing:
            log.info("health changed", extra={"failing": failing})
        self.failing = failing
        await self.publish(SERVING if not failing else NOT_SERVING)
        return not failing

    async def publish(
        self, status: "health_pb2.HealthCheckResponse.ServingStatus.ValueType"
    ) -> None:
        for name in self._service_names:
            await self._servicer.set(name, status)

    async def alive(self) -> None:
        await self._servicer.set(LIVENESS, SERVING)

    async def watch(self, interval_s: float) -> None:
        """Refreshes forever; cancelled when the service stops."""
        while True:
            await self.refresh()
            await asyncio.sleep(interval_s)


def health_status(address: str, service: str = "", timeout_s: float = 1.0) -> str:
    """Asks a server's grpc.health.v1 for `service`: SERVING, NOT_SERVING, ...,
    or UNREACHABLE when nothing answers."""
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout_s)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return "SERVICE_UNKNOWN"
            return "UNREACHABLE"
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))
