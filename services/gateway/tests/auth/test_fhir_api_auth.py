"""The gateway's own FHIR API (radcds_gateway.http.create_app) guarded by Keycloak tokens."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from keycloak import KeycloakAdmin
from prometheus_client import CollectorRegistry
from radcds_gateway.auth import BearerAuthPolicy
from radcds_gateway.fhir.app import open_fhir
from radcds_gateway.http import create_app
from radcds_kit.oidc.keycloak import keycloak_verifier

from .support import AUDIENCE, KeycloakServer, UvicornThread, dev_secret

# The first test pays for starting Keycloak, which takes minutes on a busy 2-core machine.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


@dataclass(frozen=True)
class Chart:
    """Two patients, one Observation each, written by a service."""

    patients: tuple[str, str]
    observations: tuple[str, str]


def call(method: str, url: str, token: str | None, body: Any = None) -> httpx.Response:
    headers = {"Accept": "application/fhir+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.request(method, url, headers=headers, json=body)


def created_id(response: httpx.Response) -> str:
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture(scope="module")
def fhir_base(keycloak: KeycloakServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    fhir = open_fhir(f"sqlite:///{tmp_path_factory.mktemp('fhir') / 'fhir.sqlite'}")
    verifier = keycloak_verifier(keycloak.base_url, keycloak.realm, audience=AUDIENCE)
    app = create_app(CollectorRegistry(), fhir, BearerAuthPolicy(verifier))
    with UvicornThread(app) as base_url:
        yield f"{base_url}/fhir"
    fhir.close()


@pytest.fixture(scope="module")
def service_token(keycloak: KeycloakServer) -> str:
    return keycloak.client_credentials("radcds-report", dev_secret("radcds-report"))


@pytest.fixture(scope="module")
def chart(fhir_base: str, service_token: str) -> Chart:
    new_patient = {"resourceType": "Patient"}
    first, second = (
        created_id(call("POST", f"{fhir_base}/Patient", service_token, new_patient))
        for _ in range(2)
    )
    observations = [
        created_id(call("POST", f"{fhir_base}/Observation", service_token, observation(p)))
        for p in (first, second)
    ]
    return Chart((first, second), (observations[0], observations[1]))


def observation(patient: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "preliminary",
        "code": {"text": "test finding"},
        "subject": {"reference": f"Patient/{patient}"},
    }


@pytest.fixture(scope="module")
def patient_token(keycloak: KeycloakServer, keycloak_admin: KeycloakAdmin, chart: Chart) -> str:
    """A user whose patient in context is the chart's first patient."""
    username, password = f"test-{uuid.uuid4().hex[:8]}", f"test-{uuid.uuid4()}"
    keycloak_admin.create_user(
        {
            "username": username,
            "enabled": True,
            "email": f"{username}@example.org",
            "firstName": "Test",
            "lastName": "User",
            "emailVerified": True,
            "attributes": {"patient": [chart.patients[0]]},
            "credentials": [{"type": "password", "value": password, "temporary": False}],
        }
    )
    return keycloak.user_token(username, password, "openid launch/patient patient/*.rs")


def test_no_token_gets_401_and_an_operation_outcome(fhir_base: str, chart: Chart) -> None:
    response = call("GET", f"{fhir_base}/Observation/{chart.observations[0]}", None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["resourceType"] == "OperationOutcome"


def test_a_read_only_token_cannot_create(fhir_base: str, keycloak: KeycloakServer) -> None:
    token = keycloak.client_credentials("radcds-ehr", dev_secret("radcds-ehr"))
    refused = call("POST", f"{fhir_base}/Patient", token, {"resourceType": "Patient"})
    assert refused.status_code == 403
    assert refused.json()["resourceType"] == "OperationOutcome"


def test_a_patient_token_reads_its_patient_only(
    fhir_base: str, chart: Chart, patient_token: str
) -> None:
    own, other = chart.observations
    assert call("GET", f"{fhir_base}/Observation/{own}", patient_token).status_code == 200
    assert call("GET", f"{fhir_base}/Observation/{other}", patient_token).status_code == 403
    other_patient = f"{fhir_base}/Patient/{chart.patients[1]}"
    assert call("GET", other_patient, patient_token).status_code == 403


def test_a_patient_token_searches_its_patient_only(
    fhir_base: str, chart: Chart, patient_token: str
) -> None:
    everything = call("GET", f"{fhir_base}/Observation", patient_token)
    assert everything.status_code == 200
    found = {e["resource"]["id"] for e in everything.json().get("entry", [])}
    assert found == {chart.observations[0]}
    reaching = call("GET", f"{fhir_base}/Observation?patient={chart.patients[1]}", patient_token)
    if reaching.status_code == 200:
        assert not reaching.json().get("entry")
    else:
        assert reaching.status_code == 403


def test_a_patient_token_cannot_write(fhir_base: str, chart: Chart, patient_token: str) -> None:
    body = observation(chart.patients[0])
    assert call("POST", f"{fhir_base}/Observation", patient_token, body).status_code == 403
