"""An HTTP application served inside a service's runtime.

uvicorn's `Server.serve()` takes over SIGINT and SIGTERM; inside a service the
runtime owns the signals and stops the HTTP server itself.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp


class _SignalFreeServer(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpServer:
    """An ASGI app on host:port, run as one of the runtime's background tasks."""

    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False)
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
