"""The inference service's gRPC server."""

from radcds.inference.v1 import inference_pb2, inference_pb2_grpc
from radcds_kit.health import HealthCheck
from radcds_kit.runtime import ServiceRuntime
from redis.asyncio import Redis

from radcds_inference.settings import InferenceSettings

SERVICE_NAME = inference_pb2.DESCRIPTOR.services_by_name["InferenceService"].full_name


def redis_answers(redis: Redis) -> HealthCheck:
    async def check() -> bool:
        return bool(await redis.ping())

    return check


def build_runtime(settings: InferenceSettings) -> ServiceRuntime:
    runtime = ServiceRuntime("inference", settings)
    redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    runtime.add_servicer(
        inference_pb2_grpc.add_InferenceServiceServicer_to_server,
        # SubmitStudy, GetJob and ListModels answer UNIMPLEMENTED until their issue lands.
        inference_pb2_grpc.InferenceServiceServicer(),  # type: ignore[abstract]
        SERVICE_NAME,
    )
    runtime.add_health_check("redis", redis_answers(redis))
    runtime.on_shutdown(redis.aclose)
    return runtime
