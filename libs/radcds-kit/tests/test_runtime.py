"""ServiceRuntime in process: health from real checks, reflection, graceful stop."""

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)
from radcds.risk.v1 import risk_pb2, risk_pb2_grpc
from radcds_kit.health import LIVENESS
from radcds_kit.ports import free_port
from radcds_kit.runtime import ServiceCrashed, ServiceRuntime
from radcds_kit.settings import RadcdsSettings

pytestmark = pytest.mark.integration

RISK = risk_pb2.DESCRIPTOR.services_by_name["RiskService"].full_name


class Switch:
    def __init__(self) -> None:
        self.on = False

    async def check(self) -> bool:
        return self.on


def make_runtime(switch: Switch) -> ServiceRuntime:
    settings = RadcdsSettings(health_interval_s=0.05, shutdown_grace_s=1)
    runtime = ServiceRuntime("test", settings)
    runtime.add_servicer(
        risk_pb2_grpc.add_RiskServiceServicer_to_server,
        risk_pb2_grpc.RiskServiceServicer(),  # type: ignore[abstract]
        RISK,
    )
    runtime.add_health_check("dependency", switch.check)
    return runtime


async def status(address: str, service: str = "") -> str:
    async with grpc.aio.insecure_channel(address) as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=2
        )
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


async def eventually(predicate: Callable[[], object], timeout_s: float = 5) -> None:
    for _ in range(int(timeout_s / 0.05)):
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met")


@pytest.fixture
async def running() -> AsyncIterator[tuple[ServiceRuntime, Switch, str]]:
    switch = Switch()
    runtime = make_runtime(switch)
    port = free_port()
    task = asyncio.create_task(runtime.run(port))
    address = f"127.0.0.1:{port}"
    await eventually(lambda: runtime.bound_port)
    yield runtime, switch, address
    runtime.stop()
    await task


async def test_health_follows_the_dependency_check(
    running: tuple[ServiceRuntime, Switch, str],
) -> None:
    _, switch, address = running
    assert await status(address) == "NOT_SERVING"
    switch.on = True
    await eventually(lambda: _is(address, "SERVING", RISK))
    switch.on = False
    await eventually(lambda: _is(address, "NOT_SERVING"))


async def test_liveness_stays_serving_while_a_dependency_fails(
    running: tuple[ServiceRuntime, Switch, str],
) -> None:
    _, switch, address = running
    switch.on = False
    await eventually(lambda: _is(address, "NOT_SERVING", RISK))
    assert await status(address, LIVENESS) == "SERVING"


async def _is(address: str, expected: str, service: str = "") -> bool:
    return await status(address, service) == expected


async def test_reflection_lists_the_service(running: tuple[ServiceRuntime, Switch, str]) -> None:
    _, _, address = running

    def list_services() -> list[str]:
        with grpc.insecure_channel(address) as channel:
            return list(ProtoReflectionDescriptorDatabase(channel).get_services())

    # The blocking reflection client must not run on the server's event loop.
    services = await asyncio.to_thread(list_services)
    assert RISK in services
    assert "grpc.health.v1.Health" in services


async def test_an_rpc_not_yet_built_answers_unimplemented(
    running: tuple[ServiceRuntime, Switch, str],
) -> None:
    _, _, address = running
    async with grpc.aio.insecure_channel(address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await risk_pb2_grpc.RiskServiceStub(channel).Assess(risk_pb2.AssessRequest())
    assert error.value.code() == grpc.StatusCode.UNIMPLEMENTED


async def test_stop_lets_an_in_flight_call_finish_and_runs_shutdown_hooks() -> None:
    switch, finished = Switch(), asyncio.Event()
    runtime = make_runtime(switch)

    async def hook() -> None:
        finished.set()

    runtime.on_shutdown(hook)
    task = asyncio.create_task(runtime.run(free_port()))
    await eventually(lambda: runtime.bound_port)
    runtime.stop()
    await asyncio.wait_for(task, 10)
    assert finished.is_set()


async def test_a_background_task_that_dies_stops_the_service_with_an_error() -> None:
    runtime = make_runtime(Switch())

    async def listener() -> None:
        raise OSError("address in use")

    runtime.add_background(listener)
    with pytest.raises(ServiceCrashed):
        await asyncio.wait_for(runtime.run(free_port()), 10)
