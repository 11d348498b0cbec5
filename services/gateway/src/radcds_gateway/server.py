"""The gateway process: the gRPC FhirStore and the HTTP application."""

import asyncio

from prometheus_client import CollectorRegistry
from radcds.gateway.v1 import fhir_store_pb2, fhir_store_pb2_grpc
from radcds_kit.checks import writable_directory
from radcds_kit.http import HttpServer
from radcds_kit.runtime import ServiceRuntime

from radcds_gateway.auth import BearerAuthPolicy, token_verifier
from radcds_gateway.fhir.app import fhir_database_check, open_fhir
from radcds_gateway.fhir.grpc_store import FhirStoreServicer
from radcds_gateway.http import create_app
from radcds_gateway.settings import GatewaySettings

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
    # Keycloak when RADCDS_KEYCLOAK_URL is set, else the development issuer.
    auth_policy = BearerAuthPolicy(token_verifier(settings))
    app = create_app(CollectorRegistry(), fhir, auth_policy)
    http = HttpServer(app, settings.bind_host, settings.gateway_http_port)
    runtime.add_background(http.serve, stop=http.stop)
    runtime.add_health_check("http", http.health)
    runtime.add_health_check("storage", writable_directory(settings.state_dir))
    runtime.add_health_check("fhir-database", fhir_database_check(fhir))
    return runtime
