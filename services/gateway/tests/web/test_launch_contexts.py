"""POST /app/launch-contexts, the API an EHR calls before an EHR launch: every error comes
back as JSON with the OAuth 2.0 error code and, on 401 and 403, the bearer challenge
(RFC 6750 3), never as the pages' HTML. Real Keycloak tokens, real FHIR store, real Redis."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from keycloak import KeycloakAdmin, KeycloakOpenID
from radcds_kit.testing.servers import free_port
from web_suite import REALM, WebSuite, serve_web

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

CONTEXT = {"patient": "demo-patient-1", "fhirContext": []}


def client_token(keycloak_url: str, client_id: str, secret: str) -> str:
    client = KeycloakOpenID(server_url=keycloak_url, realm_name=REALM, client_id=client_id,
                            client_secret_key=secret)  # fmt: skip
    return str(client.token(grant_type="client_credentials")["access_token"])


@pytest.fixture(scope="module")
def ehr_token(keycloak_url: str) -> str:
    return client_token(keycloak_url, "radcds-ehr", "dev-only-radcds-ehr-secret")


def register(
    base_url: str, token: str | None, headers: dict[str, str] | None = None, **request: Any
) -> httpx.Response:
    bearer = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"{base_url}/app/launch-contexts"
    return httpx.post(url, headers={**bearer, **(headers or {})}, **request)


def assert_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]
    return dict(body)


def test_an_ehr_token_registers_a_launch(suite: WebSuite, ehr_token: str) -> None:
    answer = register(
        suite.web_url, ehr_token, json={**CONTEXT, "patient": "Patient/demo-patient-1"}
    )
    assert answer.status_code == 201
    assert answer.json()["launch"]
    assert "www-authenticate" not in answer.headers


def test_a_request_without_a_token_is_challenged(suite: WebSuite) -> None:
    answer = register(suite.web_url, None, json=CONTEXT)
    assert_error(answer, 401, "invalid_request")
    # RFC 6750 3.1: no error code in the challenge when no token was sent.
    assert answer.headers["www-authenticate"] == 'Bearer realm="radcds"'
    basic = register(suite.web_url, None, {"Authorization": "Basic ZWhyOmVocg=="}, json=CONTEXT)
    assert_error(basic, 401, "invalid_request")


def test_a_token_the_realm_did_not_issue_is_refused(suite: WebSuite, ehr_token: str) -> None:
    header, payload, signature = ehr_token.split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"
    for token in ("not-a-jwt", forged, "x" * 9000):
        answer = register(suite.web_url, token, json=CONTEXT)
        assert_error(answer, 401, "invalid_token")
        assert answer.headers["www-authenticate"] == 'Bearer realm="radcds", error="invalid_token"'


def test_a_token_confined_to_no_patient_data_is_not_an_ehrs(
    suite: WebSuite, keycloak_url: str
) -> None:
    """radcds-risk's client credentials: a valid token of the realm without Patient read."""
    risk = client_token(keycloak_url, "radcds-risk", "dev-only-radcds-risk-secret")
    answer = register(suite.web_url, risk, json=CONTEXT)
    assert_error(answer, 403, "insufficient_scope")
    assert answer.headers["www-authenticate"] == (
        'Bearer realm="radcds", error="insufficient_scope"'
    )


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (json.dumps({"patient": "../Patient/x"}), "patient"),
        (json.dumps({"patient": "demo-patient-1", "fhirContext": ["not a reference"]}),
         "fhirContext.0"),
        (json.dumps({"patient": "demo-patient-1", "fhirContext": ["ImagingStudy/a"] * 21}),
         "fhirContext"),
        (json.dumps({"fhirContext": []}), "patient"),
        ('{"patient": ', "JSON"),
    ],
)  # fmt: skip
def test_a_body_that_is_not_a_launch_context_is_a_bad_request(
    suite: WebSuite, ehr_token: str, content: str, named: str
) -> None:
    headers = {"Content-Type": "application/json"}
    answer = register(suite.web_url, ehr_token, content=content, headers=headers)
    body = assert_error(answer, 400, "invalid_request")
    assert named in body["error_description"]
    assert "www-authenticate" not in answer.headers


def test_a_patient_the_fhir_server_does_not_have_is_not_found(
    suite: WebSuite, ehr_token: str
) -> None:
    answer = register(suite.web_url, ehr_token, json={**CONTEXT, "patient": "no-such-patient"})
    assert_error(answer, 404, "not_found")


@pytest.fixture
def web_without_backends(
    suite: WebSuite, keycloak_admin: KeycloakAdmin, keycloak_url: str, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    """Two more web apps on the suite's Keycloak: one whose FHIR server does not answer, one
    whose Redis does not."""
    nowhere = f"127.0.0.1:{free_port()}"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        serve_web(keycloak_admin, keycloak_url, f"http://{nowhere}/fhir", suite.report_grpc,
                  suite.redis_url, tmp_path / "a") as (no_fhir, _),
        serve_web(keycloak_admin, keycloak_url, suite.fhir_url, suite.report_grpc,
                  f"redis://{nowhere}", tmp_path / "b") as (no_redis, _),
    ):  # fmt: skip
        yield no_fhir, no_redis


def test_unreachable_fhir_and_redis_are_gateway_errors(
    web_without_backends: tuple[str, str], ehr_token: str
) -> None:
    no_fhir, no_redis = web_without_backends
    assert_error(register(no_fhir, ehr_token, json=CONTEXT), 502, "bad_gateway")
    assert_error(register(no_redis, ehr_token, json=CONTEXT), 503, "temporarily_unavailable")
