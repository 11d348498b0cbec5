"""The gateway's HTTP application: FHIR, CDS Hooks, web pages, metrics."""

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from radcds_kit.telemetry import instrument_fastapi

from radcds_gateway.fhir.access import AuthPolicy
from radcds_gateway.fhir.app import FhirComponents, mount_fhir


def create_app(
    registry: CollectorRegistry, fhir: FhirComponents, auth_policy: AuthPolicy
) -> FastAPI:
    app = FastAPI(title="radcds gateway", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    mount_fhir(app, fhir, auth_policy)
    instrument_fastapi(app)
    return app
