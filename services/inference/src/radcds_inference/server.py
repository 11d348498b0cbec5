"""The inference service's process: gRPC API, job workers, hand-over worker, health."""

import logging

from radcds.inference.v1 import inference_pb2, inference_pb2_grpc
from radcds_kit.fhir_store import FhirStoreClient
from radcds_kit.health import HealthCheck
from radcds_kit.runtime import MAX_MESSAGE_BYTES, ServiceRuntime
from redis.asyncio import Redis

from radcds_inference.jobs import JobStore
from radcds_inference.peers import Ingestion, LazyChannel, Report
from radcds_inference.pipeline import JobPipeline
from radcds_inference.routing import load_routing
from radcds_inference.servicer import InferenceServicer
from radcds_inference.settings import InferenceSettings
from radcds_inference.triton import TritonModels
from radcds_inference.worker import HandoverWorker, JobWorker

SERVICE_NAME = inference_pb2.DESCRIPTOR.services_by_name["InferenceService"].full_name
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
]
# One transaction of a study's findings; as long as report's Compose deadline.
FHIR_TIMEOUT_S = 30.0


def redis_answers(redis: Redis) -> HealthCheck:
    async def check() -> bool:
        return bool(await redis.ping())

    return check


def triton_ready(triton: TritonModels) -> HealthCheck:
    async def check() -> bool:
        return await triton.server_ready()

    return check


def build_runtime(settings: InferenceSettings) -> ServiceRuntime:
    # highdicom logs each module it copies, with UIDs, at INFO.
    logging.getLogger("highdicom").setLevel(logging.WARNING)
    runtime = ServiceRuntime("inference", settings)
    redis = Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=2)
    store = JobStore(redis, settings.inference_key_prefix)
    routing = load_routing(settings.inference_routing)
    triton = TritonModels(settings.triton_grpc_address, settings.inference_triton_timeout_s)
    channels = {
        name: LazyChannel(address, CHANNEL_OPTIONS)
        for name, address in (
            ("ingestion", settings.ingestion_grpc_address),
            ("gateway", settings.gateway_grpc_address),
            ("report", settings.report_grpc_address),
        )
    }
    ingestion = Ingestion(channels["ingestion"], settings.inference_max_series_bytes)
    fhir_store = FhirStoreClient(
        channels["gateway"].get(), client_id="radcds-inference", timeout_s=FHIR_TIMEOUT_S
    )
    pipeline = JobPipeline(routing, triton, ingestion, fhir_store)
    runtime.add_servicer(
        inference_pb2_grpc.add_InferenceServiceServicer_to_server,
        InferenceServicer(store, routing, triton),
        SERVICE_NAME,
    )
    for index in range(settings.inference_workers):
        worker = JobWorker(store, pipeline, triton, settings, index)
        runtime.add_background(worker.run, worker.stop.set)
    handover = HandoverWorker(store, Report(channels["report"]), settings)
    runtime.add_background(handover.run, handover.stop.set)
    runtime.add_health_check("redis", redis_answers(redis))
    runtime.add_health_check("triton", triton_ready(triton))

    async def close() -> None:
        for channel in channels.values():
            await channel.close()
        await triton.close()
        await redis.aclose()

    runtime.on_shutdown(close)
    return runtime
