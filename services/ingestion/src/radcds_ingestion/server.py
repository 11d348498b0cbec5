"""The ingestion service's gRPC server."""

from radcds.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc
from radcds_kit.checks import writable_directory
from radcds_kit.runtime import ServiceRuntime

from radcds_ingestion.settings import IngestionSettings

SERVICE_NAME = ingestion_pb2.DESCRIPTOR.services_by_name["IngestionService"].full_name


def build_runtime(settings: IngestionSettings) -> ServiceRuntime:
    runtime = ServiceRuntime("ingestion", settings)
    runtime.add_servicer(
        ingestion_pb2_grpc.add_IngestionServiceServicer_to_server,
        # GetStudy, ListStudies, StreamInstances, StoreInstances: UNIMPLEMENTED until their issue.
        ingestion_pb2_grpc.IngestionServiceServicer(),  # type: ignore[abstract]
        SERVICE_NAME,
    )
    runtime.add_health_check(
        "storage",
        writable_directory(settings.storage_dir, min_free_bytes=settings.ingestion_min_free_bytes),
    )
    return runtime
