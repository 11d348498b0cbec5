"""The report service process: its gRPC API and the clients it calls."""

import grpc
from radcds.report.v1 import report_pb2, report_pb2_grpc
from radcds.risk.v1 import risk_pb2_grpc
from radcds_kit.checks import peer_serving
from radcds_kit.fhir_store import FhirStoreClient
from radcds_kit.runtime import MAX_MESSAGE_BYTES, ServiceRuntime

from radcds_report.composer import Composer
from radcds_report.ingestion import InstanceStream
from radcds_report.key_images.service import KeyImages
from radcds_report.key_images.source import KeyImageSource, SeriesCache
from radcds_report.lifecycle import ReportLifecycle
from radcds_report.messages import ReportMessages
from radcds_report.servicer import ReportServicer
from radcds_report.settings import ReportSettings
from radcds_report.state import ReportState

SERVICE_NAME = report_pb2.DESCRIPTOR.services_by_name["ReportService"].full_name


def build_runtime(settings: ReportSettings) -> ServiceRuntime:
    runtime = ServiceRuntime("report", settings)
    gateway = grpc.aio.insecure_channel(settings.gateway_grpc_address)
    risk = grpc.aio.insecure_channel(settings.risk_grpc_address)
    ingestion = grpc.aio.insecure_channel(
        settings.ingestion_grpc_address,
        options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)],
    )
    instances = InstanceStream(ingestion)
    store = FhirStoreClient(gateway, client_id="report")
    state = ReportState(settings.database_url)
    publications = None
    if settings.report_pacs_destinations:
        from radcds_report.pacs.service import add_pacs_delivery

        publications = add_pacs_delivery(runtime, settings, store, state, instances).queue
    cache = SeriesCache(settings.report_key_image_cache_bytes)
    key_images = KeyImages(KeyImageSource(instances, cache))
    composer = Composer(
        store, risk_pb2_grpc.RiskServiceStub(risk), state, settings.report_risk_timeout_s,
        publications, key_images,
    )  # fmt: skip
    lifecycle = ReportLifecycle(store, state, publications)
    messages = ReportMessages(store, state)
    servicer = ReportServicer(composer, lifecycle, store, messages, key_images)
    runtime.add_servicer(
        report_pb2_grpc.add_ReportServiceServicer_to_server, servicer, SERVICE_NAME
    )
    runtime.add_health_check("database", state.reachable)
    runtime.add_health_check("fhir-store", peer_serving(gateway))
    runtime.add_health_check("risk", peer_serving(risk))
    runtime.on_shutdown(gateway.close)
    runtime.on_shutdown(risk.close)
    runtime.on_shutdown(ingestion.close)
    return runtime
