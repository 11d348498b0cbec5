"""An HTTP application served inside a service's runtime.

uvicorn's `Server.serve()` takes over SIGINT and SIGTERM; inside a service the
runtime owns the signals and stops the HTTP server itself.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from opentelemetry import context as otel_context
from starlette.types import ASGIApp, Receive, Scope, Send


class FreshTraceContext:
    """Runs each request in an empty trace context, so that its server span takes its
    parent from the request's own `traceparent` header or starts a new trace.

    Without it, a request on a keep-alive connection inherits the span of an earlier one:
    when a large body has paused reading, uvicorn resumes reading from inside that
    request's task, the transport's read callback keeps that task's context, and the
    next request's task is made in it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = otel_context.attach(otel_context.Context())
        try:
            await self.app(scope, receive, send)
        finally:
            otel_context.detach(token)


class _SignalFreeServer(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpServer:
    """An ASGI app on host:port, run as one of the runtime's background tasks."""

    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        config = uvicorn.Config(
            FreshTraceContext(app), host=host, port=port, log_config=None, access_log=False
        )
        self._server = _SignalFreeServer(config)
        self._where = f"{host}:{port}"

    async def serve(self) -> None:
        await self._server.serve()
        if not self._server.started:
            raise RuntimeError(f"HTTP server could not start on {self._where}")

    def stop(self) -> None:
        self._server.should_exit = True

    async def health(self) -> bool:
        return self._server.started and not self._server.should_exit
