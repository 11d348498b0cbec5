"""The radcds pytest plugin: fixtures for real servers on ephemeral ports."""

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from radcds_kit.testing.servers import free_port, postgres_server, redis_server
from radcds_kit.testing.services import ServiceProcess
from radcds_kit.testing.triton import TritonServer

__all__ = ["free_port"]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: RADCDS_TEST_REDIS_URL, else a redis-server of the test's own."""
    if url := os.environ.get("RADCDS_TEST_REDIS_URL"):
        yield url
        return
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """A real PostgreSQL: RADCDS_TEST_POSTGRES_DSN, else a throwaway cluster."""
    if dsn := os.environ.get("RADCDS_TEST_POSTGRES_DSN"):
        yield dsn
        return
    with postgres_server() as dsn:
        yield dsn


@pytest.fixture
def start_service(tmp_path: Path) -> Iterator[Callable[..., ServiceProcess]]:
    """Starts services as real processes; stops whatever is left at the end."""
    started: list[ServiceProcess] = []

    def start(name: str, **env: str) -> ServiceProcess:
        defaults = {"RADCDS_DATA_DIR": str(tmp_path / "var")}
        service = ServiceProcess(name, {**defaults, **env}).start()
        started.append(service)
        service.wait_serving()
        return service

    yield start
    for service in started:
        if service.running:
            service.stop()


@pytest.fixture(scope="session")
def triton(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TritonServer]:
    """A real tritonserver serving the repository's models/ (scripts/triton.sh)."""
    script = request.config.rootpath / "scripts" / "triton.sh"
    subprocess.run(["bash", str(script), "install"], check=True, capture_output=True)
    server = TritonServer(script, tmp_path_factory.mktemp("triton") / "triton.log")
    server.start()
    yield server
    server.stop()
