"""The CDS Hooks conformance kit: an EHR built from the CDS Hooks 2.0 specification.

It signs its JWTs (ES384, RS384) with keys served from a JWK Set on an ephemeral port,
serves the patient's record from a FHIR endpoint that checks the bearer token, and calls
the radcds gateway, which runs under uvicorn with the real risk service process, Redis and
its own FHIR repository holding the AI findings.
"""

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from jwcrypto import jwk
from prometheus_client import CollectorRegistry
from radcds_gateway.cds import CdsSettings, mount_cds, open_cds
from radcds_gateway.cds.client_auth import CdsClientRejected
from radcds_gateway.cds.findings import RepositoryFindingsReader
from radcds_gateway.fhir.app import FhirComponents, open_fhir
from radcds_kit.testing.servers import free_port
from radcds_kit.testing.services import ServiceProcess

# The kit's modules (cds_data, cds_ehr, cds_spec) are imported by this folder's tests.
sys.path.insert(0, str(Path(__file__).parent))

from cds_data import ISSUER, ai_findings, ehr_record
from cds_ehr import EhrFhir, EhrSigner, Gateway, JwksServer, StartGateway, serve, serve_on

# --- the EHR's signing keys and its JWK Set ------------------------------------------


@pytest.fixture(scope="session")
def client_keys() -> dict[str, jwk.JWK]:
    return {
        "ES384": jwk.JWK.generate(kty="EC", crv="P-384", kid="ehr-es384", use="sig"),
        "RS384": jwk.JWK.generate(kty="RSA", size=2048, kid="ehr-rs384", use="sig"),
        "ES256": jwk.JWK.generate(kty="EC", crv="P-256", kid="ehr-es256", use="sig"),
    }


@pytest.fixture
def jwks_server(client_keys: dict[str, jwk.JWK]) -> Iterator[JwksServer]:
    server = JwksServer([client_keys["ES384"], client_keys["RS384"]])
    yield server
    server.close()


@pytest.fixture
def signer(client_keys: dict[str, jwk.JWK], jwks_server: JwksServer) -> EhrSigner:
    return EhrSigner(client_keys, jwks_server.url)


# --- the EHR's FHIR server -------------------------------------------------------------


@pytest.fixture
def ehr_fhir() -> Iterator[tuple[EhrFhir, str]]:
    ehr = EhrFhir(ehr_record(datetime.now(UTC)))
    for url in serve(ehr.app()):
        yield ehr, f"{url}/fhir"


# --- radcds: risk, its FHIR store with the AI findings, the gateway ---------------------


@pytest.fixture(scope="session")
def risk_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real risk service process (as start_service("risk") runs it), once per session."""
    risk = ServiceProcess("risk", {"RADCDS_DATA_DIR": str(tmp_path_factory.mktemp("risk"))})
    risk.start().wait_serving()
    yield risk.address
    risk.stop()


@pytest.fixture(scope="session")
def radcds_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FhirComponents]:
    """radcds's own FHIR repository with the AI findings; shared, the tests only read it."""
    path = tmp_path_factory.mktemp("radcds") / "radcds.sqlite"
    store = open_fhir(f"sqlite:///{path}")
    for resource in ai_findings(datetime.now(UTC)):
        store.repository.update(resource, resource["id"])
    yield store
    store.close()


@pytest.fixture
def start_gateway(
    redis_url: str,
    risk_address: str,
    radcds_store: FhirComponents,
    signer: EhrSigner,
    jwks_server: JwksServer,
) -> Iterator[StartGateway]:
    """Starts the gateway's CDS Hooks under uvicorn; settings may be overridden."""
    stops: list[Iterator[str]] = []

    def start(risk: str | None = None, **overrides: Any) -> Gateway:
        port = free_port()
        values = {
            "cds_public_base_url": f"http://127.0.0.1:{port}",
            "redis_url": redis_url,
            "cds_trusted_issuers": {ISSUER: jwks_server.url},
            "cds_jwks_min_refresh_s": 0,
            "cds_cors_origins": ["https://ehr.example.test"],
            "cds_budget_s": 2.0,
            "cds_fhir_timeout_s": 1.0,
            "cds_risk_deadline_s": 1.0,
            **overrides,
        }
        settings = CdsSettings(**values)
        registry = CollectorRegistry()
        cds = open_cds(
            settings,
            risk_grpc_address=risk or risk_address,
            registry=registry,
            findings=RepositoryFindingsReader(radcds_store.repository),
            database=radcds_store.database.writer,
        )
        cds.user_auth = _physician_header
        app = FastAPI()
        mount_cds(app, cds)
        server = serve_on(app, port)
        stops.append(server)
        return Gateway(next(server), registry, signer)

    yield start
    for server in stops:
        next(server, None)


async def _physician_header(request: Request) -> None:
    if request.headers.get("authorization") != "Bearer physician":
        raise CdsClientRejected("no physician token")
