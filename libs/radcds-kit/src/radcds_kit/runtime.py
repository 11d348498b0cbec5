"""The gRPC server every service runs: health, reflection, graceful stop.

A service builds a ServiceRuntime, adds its servicers, dependency checks and
background tasks (a DIMSE listener, an HTTP server, a queue consumer), and
awaits run(). SIGTERM or SIGINT marks the service NOT_SERVING, lets in-flight
RPCs finish within the grace period, cancels the background tasks and runs
the shutdown hooks.
"""

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection
from opentelemetry.instrumentation.utils import suppress_instrumentation

from radcds_kit.health import NOT_SERVING, DependencyHealth, HealthCheck
from radcds_kit.logs import configure_logging
from radcds_kit.settings import RadcdsSettings
from radcds_kit.telemetry import configure_telemetry

log = logging.getLogger(__name__)

BackgroundTask = Callable[[], Coroutine[Any, Any, None]]
ShutdownHook = Callable[[], Awaitable[None]]
# grpc's generated add_XServicer_to_server(servicer, server) functions.
AddServicer = Callable[[Any, grpc.aio.Server], None]

# Messages carry FHIR Bundles and DICOM chunks; 64 MiB bounds one of them.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


class ServiceCrashed(RuntimeError):
    """A background task the service depends on ended; the process must exit non-zero."""


class ServiceRuntime:
    """One service process: its gRPC server and everything that lives with it."""

    def __init__(self, name: str, settings: RadcdsSettings) -> None:
        self.name = name
        self.settings = settings
        self._servicers: list[tuple[AddServicer, Any, str]] = []
        self._checks: dict[str, HealthCheck] = {}
        self._background: list[BackgroundTask] = []
        self._shutdown_hooks: list[ShutdownHook] = []
        self._stoppers: list[Callable[[], None]] = []
        self._stopping = asyncio.Event()
        self.bound_port: int | None = None
        # Before the service makes its channels: the gRPC instrumentation adds its client
        # interceptors (trace context propagation) only to channels made after it.
        self._telemetry = configure_telemetry(name)

    def add_servicer(self, add: AddServicer, servicer: Any, full_service_name: str) -> None:
        self._servicers.append((add, servicer, full_service_name))

    def add_health_check(self, name: str, check: HealthCheck) -> None:
        self._checks[name] = check

    def add_background(self, task: BackgroundTask, stop: Callable[[], None] | None = None) -> None:
        """Runs `task` while the service runs; `stop` asks it to finish on shutdown,
        after which it has the grace period before it is cancelled."""
        self._background.append(task)
        if stop is not None:
            self._stoppers.append(stop)

    def on_shutdown(self, hook: ShutdownHook) -> None:
        self._shutdown_hooks.append(hook)

    def stop(self) -> None:
        """Asks run() to stop gracefully; safe to call from a signal handler."""
        self._stopping.set()

    def _build_server(self) -> tuple[grpc.aio.Server, health_aio.HealthServicer]:
        server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ]
        )
        names = []
        for add, servicer, full_name in self._servicers:
            add(servicer, server)
            names.append(full_name)
        health = health_aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health, server)
        reflection.enable_server_reflection(
            [
                *names,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                reflection.SERVICE_NAME,
            ],
            server,
        )
        return server, health

    async def run(self, port: int) -> None:
        """Serves until stop() or a termination signal.

        Raises ServiceCrashed when a background task ends on its own, so that
        the process exits non-zero and its supervisor restarts it.
        """
        configure_logging(self.name, self.settings.log_level)
        provider = self._telemetry
        server, health_servicer = self._build_server()
        self.bound_port = server.add_insecure_port(f"{self.settings.bind_host}:{port}")
        health = DependencyHealth(
            health_servicer, [full for _, _, full in self._servicers], self._checks
        )
        await health.publish(NOT_SERVING)
        await health.alive()
        await server.start()
        self._install_signal_handlers()
        log.info("serving", extra={"grpc_port": self.bound_port})
        tasks = [asyncio.create_task(task()) for task in self._background]
        # The dependency checks run every few seconds: traced, each would be a trace of its own.
        with suppress_instrumentation():
            watcher = asyncio.create_task(health.watch(self.settings.health_interval_s))
        stopper = asyncio.create_task(self._stopping.wait())
        await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
        crashed = any(task.done() for task in tasks)
        watcher.cancel()
        await self._shutdown(server, health, tasks)
        if provider is not None:
            provider.shutdown()
        if crashed:
            raise ServiceCrashed(f"{self.name}: a background task ended before the service")

    async def _shutdown(
        self, server: grpc.aio.Server, health: DependencyHealth, tasks: list[asyncio.Task[None]]
    ) -> None:
        log.info("stopping")
        await health.publish(NOT_SERVING)
        await server.stop(self.settings.shutdown_grace_s)
        for stop in self._stoppers:
            stop()
        if tasks:
            await asyncio.wait(tasks, timeout=self.settings.shutdown_grace_s)
        for task in tasks:
            task.cancel()
        for result in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(result, Exception):
                log.error("background task failed", exc_info=result)
        for hook in reversed(self._shutdown_hooks):
            await hook()
        log.info("stopped")

    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop)
