"""The radcds pytest plugin: fixtures for real servers on ephemeral ports."""

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from radcds_kit.testing.keycloak import REALM, KeycloakServer, keycloak_server
from radcds_kit.testing.servers import free_port, postgres_server, redis_server
from radcds_kit.testing.services import ServiceProcess
from radcds_kit.testing.triton import TritonServer

if TYPE_CHECKING:
    from keycloak import KeycloakAdmin

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


@pytest.fixture(scope="session")
def keycloak(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KeycloakServer]:
    """A real Keycloak with the radcds realm and its dev users (scripts/keycloak.sh);
    RADCDS_TEST_KEYCLOAK_URL, else one of the session's own."""
    if url := os.environ.get("RADCDS_TEST_KEYCLOAK_URL"):
        yield KeycloakServer(url.rstrip("/"), REALM, "admin", "admin")
        return
    script = request.config.rootpath / "scripts" / "keycloak.sh"
    with keycloak_server(script, tmp_path_factory.mktemp("keycloak")) as server:
        yield server


@pytest.fixture(scope="session")
def keycloak_admin(keycloak: KeycloakServer) -> "KeycloakAdmin":
    from keycloak import KeycloakAdmin

    return KeycloakAdmin(
        server_url=keycloak.base_url,
        username=keycloak.admin_user,
        password=keycloak.admin_password,
        realm_name=keycloak.realm,
        user_realm_name="master",
    )
