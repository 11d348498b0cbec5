"""The development issuer: tokens for running without Keycloak, never in production; and
what the gateway answers when Keycloak cannot be reached."""

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from radcds_gateway.auth import (
    AuthSettings,
    DevelopmentIssuer,
    DevelopmentIssuerRefused,
    InvalidToken,
    KeycloakTokenVerifier,
    install_token_verifier,
    token_verifier,
)
from radcds_kit.oidc.development import load_or_create_key
from radcds_kit.oidc.keycloak import keycloak_verifier
from radcds_kit.ports import free_port

from .support import AUDIENCE, UvicornThread, get, guarded_app

pytestmark = pytest.mark.integration

SERVICE: dict[str, Any] = {"subject": "svc-1", "client_id": "radcds-report", "roles": ["service"]}


@pytest.fixture(scope="module")
def issuer() -> DevelopmentIssuer:
    return DevelopmentIssuer(environment="development", audience=AUDIENCE)


@pytest.fixture(scope="module")
def gateway(issuer: DevelopmentIssuer) -> Iterator[str]:
    app = guarded_app()
    install_token_verifier(app, issuer)
    with UvicornThread(app) as base_url:
        yield base_url


def test_the_development_issuer_refuses_production() -> None:
    with pytest.raises(DevelopmentIssuerRefused):
        DevelopmentIssuer(environment="production", audience=AUDIENCE)


def test_production_settings_without_keycloak_refuse_to_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RADCDS_ENVIRONMENT", "production")
    monkeypatch.delenv("RADCDS_KEYCLOAK_URL", raising=False)
    with pytest.raises(DevelopmentIssuerRefused):
        token_verifier(AuthSettings())
    monkeypatch.setenv("RADCDS_KEYCLOAK_URL", "http://127.0.0.1:1")
    assert isinstance(token_verifier(AuthSettings()), KeycloakTokenVerifier)


def test_issued_tokens_work(gateway: str, issuer: DevelopmentIssuer) -> None:
    token = issuer.issue(scopes=["system/*.cruds"], **SERVICE)
    assert get(gateway, "/fhir/Observation/obs-2", token).status_code == 200
    caller = get(gateway, "/whoami", token).json()
    assert caller == {
        "client_id": "radcds-report",
        "subject": "svc-1",
        "patient": None,
        "is_service": True,
        "fhir_user": None,
    }


def test_patient_tokens_stay_with_their_patient(gateway: str, issuer: DevelopmentIssuer) -> None:
    token = issuer.issue(
        subject="u-1", client_id="radcds-web", scopes=["patient/*.rs"], patient="demo-patient-1"
    )
    assert get(gateway, "/fhir/Observation/obs-1", token).status_code == 200
    assert get(gateway, "/fhir/Observation/obs-2", token).status_code == 403


def test_expired_tokens_are_refused(gateway: str, issuer: DevelopmentIssuer) -> None:
    token = issuer.issue(scopes=["system/*.rs"], lifetime_s=-120, **SERVICE)
    assert get(gateway, "/fhir/Observation/obs-1", token).status_code == 401


@pytest.mark.parametrize(
    "other",
    [
        DevelopmentIssuer(environment="development", audience=AUDIENCE),
        DevelopmentIssuer(environment="development", audience="another-api"),
        DevelopmentIssuer(environment="development", audience=AUDIENCE, issuer="urn:other"),
    ],
    ids=["another key", "another audience", "another issuer"],
)
def test_foreign_tokens_are_refused(gateway: str, other: DevelopmentIssuer) -> None:
    token = other.issue(scopes=["system/*.rs"], **SERVICE)
    assert get(gateway, "/fhir/Observation/obs-1", token).status_code == 401


async def test_the_same_key_does_not_stand_in_for_audience_or_issuer(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "key.jwk")
    trusted = DevelopmentIssuer(environment="development", audience=AUDIENCE, key=key)
    for other in (
        DevelopmentIssuer(environment="development", audience="another-api", key=key),
        DevelopmentIssuer(environment="development", audience=AUDIENCE, key=key, issuer="urn:x"),
    ):
        with pytest.raises(InvalidToken):
            await trusted.verify(other.issue(scopes=["system/*.rs"], **SERVICE))


def test_the_key_file_is_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "dev" / "issuer.jwk"
    first = DevelopmentIssuer(
        environment="development", audience=AUDIENCE, key=load_or_create_key(path)
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = DevelopmentIssuer(
        environment="development", audience=AUDIENCE, key=load_or_create_key(path)
    )
    assert first.public_jwks() == second.public_jwks()
    assert "d" not in second.public_jwks()["keys"][0]


def test_an_unreachable_keycloak_is_503_not_401() -> None:
    app = guarded_app()
    verifier = keycloak_verifier(f"http://127.0.0.1:{free_port()}", "radcds", audience=AUDIENCE)
    install_token_verifier(app, verifier)
    with UvicornThread(app) as base_url:
        response = get(base_url, "/whoami", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
    assert response.status_code == 503
