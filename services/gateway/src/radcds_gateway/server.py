"""The gateway process: the gRPC FhirStore and the HTTP application."""

import asyncio

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from radcds.gateway.v1 import fhir_store_pb2, fhir_store_pb2_grpc
from radcds_kit.checks import writable_directory
from radcds_kit.http import HttpServer
from radcds_kit.runtime import ServiceRuntime

from radcds_gateway.auth import BearerAuthPolicy, install_token_verifier, token_verifier
from radcds_gateway.cds import mount_cds, open_cds
from radcds_gateway.cds.findings import RepositoryFindingsReader
from radcds_gateway.fhir.app import FhirComponents, fhir_database_check, open_fhir
from radcds_gateway.fhir.grpc_store import FhirStoreServicer
from radcds_gateway.http import create_app
from radcds_gateway.settings import GatewaySettings
from radcds_gateway.web import mount_web

SERVICE_NAME = fhir_store_pb2.DESCRIPTOR.services_by_name["FhirStoreService"].full_name


def build_runtime(settings: GatewaySettings) -> ServiceRuntime:
    runtime = ServiceRuntime("gateway", settings)
    fhir = open_fhir(settings.database_url)
    base_url = f"http://{settings.bind_host}:{settings.gateway_http_port}/fhir"
    runtime.add_servicer(
        fhir_store_pb2_grpc.add_FhirStoreServiceServicer_to_server,
        FhirStoreServicer(fhir.service, base_url),
        SERVICE_NAME,
    )

    async def close_fhir() -> None:
        await asyncio.to_thread(fhir.close)

    runtime.on_shutdown(close_fhir)
    app = gateway_app(settings, fhir, runtime)
    http = HttpServer(app, settings.bind_host, settings.gateway_http_port)
    runtime.add_background(http.serve, stop=http.stop)
    runtime.add_health_check("http", http.health)
    runtime.add_health_check("storage", writable_directory(settings.state_dir))
    runtime.add_health_check("fhir-database", fhir_database_check(fhir))
    return runtime


def gateway_app(
    settings: GatewaySettings, fhir: FhirComponents, runtime: ServiceRuntime
) -> FastAPI:
    """The HTTP application: FHIR, CDS Hooks, the web pages and metrics, one token verifier."""
    # Keycloak when RADCDS_KEYCLOAK_URL is set, else the development issuer.
    verifier = token_verifier(settings)
    registry = CollectorRegistry()
    app = create_app(registry, fhir, BearerAuthPolicy(verifier))
    install_token_verifier(app, verifier)
    cds = open_cds(
        settings,
        risk_grpc_address=settings.risk_grpc_address,
        findings=RepositoryFindingsReader(fhir.repository),
        database=fhir.database.writer,
        registry=registry,
    )
    mount_cds(app, cds)
    mount_web(
        app,
        settings,
        report_grpc_address=settings.report_grpc_address,
        contexts=cds.ledger,
        feedback=cds.feedback,
    )
    # Redis is not a readiness check: without it CDS calls are refused (no jti replay
    # store), but the FHIR API and the pages must keep serving.
    runtime.on_shutdown(cds.aclose)
    return app
