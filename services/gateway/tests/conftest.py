"""Fixtures for the gateway's FHIR tests: the repository on SQLite and on PostgreSQL,
and the real HTTP API under uvicorn on an ephemeral port."""

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
import uvicorn
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from radcds_gateway.fhir.access import AuthPolicy, DevelopmentAuthPolicy
from radcds_gateway.fhir.app import FhirComponents, open_fhir
from radcds_gateway.http import create_app
from radcds_kit.testing.servers import free_port


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fhir.sqlite'}"
    dsn: str = request.getfixturevalue("postgres_dsn")
    name = f"fhir_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return dsn.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def fhir(database_url: str) -> Iterator[FhirComponents]:
    components = open_fhir(database_url)
    yield components
    components.close()


@dataclass
class RunningGateway:
    base_url: str
    fhir: FhirComponents
    app: FastAPI

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers={"Accept": "application/fhir+json"})


def serve(app: FastAPI) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def start_gateway(fhir: FhirComponents, policy: AuthPolicy) -> Iterator[RunningGateway]:
    app = create_app(CollectorRegistry(), fhir, policy)
    for url in serve(app):
        yield RunningGateway(f"{url}/fhir", fhir, app)


@pytest.fixture
def gateway(fhir: FhirComponents) -> Iterator[RunningGateway]:
    """The gateway's HTTP app with the development policy, which grants everything."""
    yield from start_gateway(fhir, DevelopmentAuthPolicy(production=False))


@pytest.fixture
def client(gateway: RunningGateway) -> Iterator[httpx.Client]:
    with gateway.client() as http:
        yield http


@pytest.fixture
def start_fhir_gateway(fhir: FhirComponents) -> Iterator[Callable[[AuthPolicy], RunningGateway]]:
    """Starts more gateways on the same repository, each with its own auth policy."""
    running: list[Iterator[RunningGateway]] = []

    def start(policy: AuthPolicy) -> RunningGateway:
        servers = start_gateway(fhir, policy)
        running.append(servers)
        return next(servers)

    yield start
    for servers in running:
        next(servers, None)
