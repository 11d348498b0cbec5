"""Wires the ingestion service: spool, index, DIMSE SCP, publication, gRPC, DICOMweb."""

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import grpc
from radcds.inference.v1 import inference_pb2_grpc
from radcds.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc
from radcds_kit.checks import writable_directory
from radcds_kit.fhir_store import FhirStoreClient
from radcds_kit.oidc import token_verifier
from radcds_kit.runtime import ServiceRuntime

from radcds_ingestion.dicomweb.app import create_app
from radcds_ingestion.dicomweb.http_server import http_server
from radcds_ingestion.dimse import ScpConfig, StorageScp
from radcds_ingestion.grpc_api import IngestionServicer
from radcds_ingestion.index import InstanceIndex
from radcds_ingestion.publication import PublicationConfig, StableStudyDetector, StudyPublisher
from radcds_ingestion.receiver import InstanceReceiver
from radcds_ingestion.recovery import reindex_spool
from radcds_ingestion.settings import IngestionSettings
from radcds_ingestion.spool import InstanceSpool

log = logging.getLogger(__name__)

SERVICE_NAME = ingestion_pb2.DESCRIPTOR.services_by_name["IngestionService"].full_name


@dataclass(frozen=True)
class Storage:
    spool: InstanceSpool
    index: InstanceIndex
    receiver: InstanceReceiver


def open_storage(settings: IngestionSettings) -> Storage:
    """Open the spool and index, and index whatever a crash left unindexed."""
    spool = InstanceSpool(
        settings.storage_dir, settings.ingestion_disk_watermark, settings.ingestion_min_free_bytes
    )
    spool.open()
    index = InstanceIndex(settings.index_database_url)
    index.open()
    reindex_spool(spool, index)
    return Storage(
        spool, index, InstanceReceiver(spool, index, settings.ingestion_max_instance_bytes)
    )


def storage_scp(settings: IngestionSettings, receiver: InstanceReceiver) -> StorageScp:
    config = ScpConfig(
        ae_title=settings.ingestion_ae_title,
        host=settings.bind_host,
        port=settings.ingestion_dimse_port,
        allowed_calling_aes=list(settings.ingestion_allowed_calling_aes),
        max_associations=settings.ingestion_max_associations,
        max_pdu=settings.ingestion_max_pdu,
    )
    return StorageScp(config, receiver)


def study_detector(
    settings: IngestionSettings, index: InstanceIndex, channels: list[grpc.aio.Channel]
) -> StableStudyDetector:
    gateway, inference = channels
    config = PublicationConfig(
        stable_age_s=settings.ingestion_stable_age_s,
        poll_s=settings.ingestion_stability_poll_s,
        wado_rs_url=settings.ingestion_dicomweb_public_url,
        mrn_system=settings.mrn_system,
    )
    publisher = StudyPublisher(
        index,
        FhirStoreClient(gateway, client_id="radcds-ingestion"),
        inference_pb2_grpc.InferenceServiceStub(inference),
        config,
    )
    return StableStudyDetector(index, publisher)


def run_until_stopped(start: Any, stop: Any) -> tuple[Any, Any]:
    """A background task that starts a threaded server and waits for stop()."""
    stopped = asyncio.Event()

    async def task() -> None:
        start()
        await stopped.wait()

    def request_stop() -> None:
        stop()
        stopped.set()

    return task, request_stop


async def serve(settings: IngestionSettings, storage: Storage) -> None:
    runtime = ServiceRuntime("ingestion", settings)
    channels = [
        grpc.aio.insecure_channel(settings.gateway_grpc_address),
        grpc.aio.insecure_channel(settings.inference_grpc_address),
    ]
    servicer = IngestionServicer(storage.index, storage.receiver)
    runtime.add_servicer(
        ingestion_pb2_grpc.add_IngestionServiceServicer_to_server, servicer, SERVICE_NAME
    )
    scp = storage_scp(settings, storage.receiver)
    runtime.add_background(*run_until_stopped(scp.start, scp.stop))
    detector = study_detector(settings, storage.index, channels)
    runtime.add_background(detector.run, detector.stop)
    # Keycloak when configured, else the development issuer, which refuses production.
    app = create_app(storage.index, storage.receiver, token_verifier(settings))
    web = http_server(app, settings.bind_host, settings.ingestion_dicomweb_port)
    runtime.add_background(web.serve, web.request_stop)
    runtime.add_health_check("index", lambda: asyncio.to_thread(storage.index.is_reachable))
    runtime.add_health_check(
        "storage",
        writable_directory(settings.storage_dir, min_free_bytes=settings.ingestion_min_free_bytes),
    )

    async def close() -> None:
        for channel in channels:
            await channel.close()
        storage.index.close()

    runtime.on_shutdown(close)
    await runtime.run(settings.ingestion_grpc_port)
