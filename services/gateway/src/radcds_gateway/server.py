"""The gateway process: the gRPC FhirStore and the HTTP application."""

from prometheus_client import CollectorRegistry
from radcds.gateway.v1 import fhir_store_pb2, fhir_store_pb2_grpc
from radcds_kit.checks import writable_directory
from radcds_kit.http import HttpServer
from radcds_kit.runtime import ServiceRuntime

from radcds_gateway.http import create_app
from radcds_gateway.settings import GatewaySettings

SERVICE_NAME = fhir_store_pb2.DESCRIPTOR.services_by_name["FhirStoreService"].full_name


def build_runtime(settings: GatewaySettings) -> ServiceRuntime:
    runtime = ServiceRuntime("gateway", settings)
    runtime.add_servicer(
        fhir_store_pb2_grpc.add_FhirStoreServiceServicer_to_server,
        # Put, Get, Search and Transaction answer UNIMPLEMENTED until the FHIR repository lands.
        fhir_store_pb2_grpc.FhirStoreServiceServicer(),  # type: ignore[abstract]
        SERVICE_NAME,
    )
    http = HttpServer(
        create_app(CollectorRegistry()), settings.bind_host, settings.gateway_http_port
    )
    runtime.add_background(http.serve, stop=http.stop)
    runtime.add_health_check("http", http.health)
    runtime.add_health_check("storage", writable_directory(settings.state_dir))
    return runtime
