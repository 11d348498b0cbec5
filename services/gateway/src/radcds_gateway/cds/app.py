"""Mounts CDS Hooks on the gateway's FastAPI app."""

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from radcds_gateway.cds.client_auth import CdsClientRejected
from radcds_gateway.cds.components import CdsComponents, open_cds
from radcds_gateway.cds.routes import router

__all__ = ["CdsComponents", "mount_cds", "open_cds"]
CDS_PATHS = ("/cds-services", "/cds-feedback")


class CdsCors:
    """CORS for browser-based CDS clients ("Cross-Origin Resource Sharing"), on the CDS
    paths only: the FHIR API keeps its own policy."""

    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        self._app = app
        self._cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        target = self._cors if path.startswith(CDS_PATHS) else self._app
        await target(scope, receive, send)


async def _unauthorized(request: Request, error: Exception) -> Response:
    # "Trusting CDS Clients": refuse without saying why.
    return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})


def mount_cds(app: FastAPI, components: CdsComponents) -> None:
    """Adds /cds-services (discovery, services, feedback) and /cds-feedback/summary."""
    app.state.cds = components
    app.add_exception_handler(CdsClientRejected, _unauthorized)
    app.include_router(router)
    if components.settings.cds_cors_origins:
        app.add_middleware(CdsCors, origins=list(components.settings.cds_cors_origins))
