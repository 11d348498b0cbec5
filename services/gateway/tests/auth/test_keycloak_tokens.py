"""Bearer tokens from a real Keycloak, presented to a tiny FHIR-like app over HTTP."""

import base64
import json
import time

import httpx
import pytest
from jwcrypto import jwk, jwt  # type: ignore[import-untyped]
from keycloak import KeycloakAdmin

from .support import AUDIENCE, KeycloakServer, claims_of, dev_secret, get, post

# The first test pays for starting Keycloak, which takes minutes on a busy 2-core machine.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


def service_token(keycloak: KeycloakServer, client_id: str, scope: str | None = None) -> str:
    return keycloak.client_credentials(client_id, dev_secret(client_id), scope)


def test_no_token_is_refused_with_a_bearer_challenge(gateway: str) -> None:
    response = get(gateway, "/fhir/Observation/obs-1")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_malformed_token_is_refused(gateway: str) -> None:
    response = get(gateway, "/fhir/Observation/obs-1", "not-a-jwt")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_service_token_reads_and_writes(gateway: str, keycloak: KeycloakServer) -> None:
    token = service_token(keycloak, "radcds-ingestion")
    assert get(gateway, "/fhir/Observation/obs-2", token).json()["id"] == "obs-2"
    assert post(gateway, "/fhir/ImagingStudy", token).status_code == 201
    caller = get(gateway, "/whoami", token).json()
    assert caller["client_id"] == "radcds-ingestion"
    assert caller["is_service"] is True
    assert caller["patient"] is None


def test_a_read_only_ehr_token_may_not_write(gateway: str, keycloak: KeycloakServer) -> None:
    token = service_token(keycloak, "radcds-ehr")
    assert claims_of(token)["scope"] == "system/*.rs"
    assert get(gateway, "/fhir/Patient/demo-patient-2", token).status_code == 200
    refused = post(gateway, "/fhir/Observation", token)
    assert refused.status_code == 403
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    assert get(gateway, "/whoami", token).json()["is_service"] is False


def test_smart_v1_scopes_are_honoured(gateway: str, keycloak: KeycloakServer) -> None:
    token = service_token(keycloak, "radcds-ehr", scope="system/*.read")
    assert "system/*.read" in claims_of(token)["scope"].split()
    assert get(gateway, "/fhir/Patient?patient=demo-patient-1", token).status_code == 200


def test_a_client_without_fhir_scopes_is_forbidden(gateway: str, keycloak: KeycloakServer) -> None:
    token = service_token(keycloak, "radcds-risk")
    assert get(gateway, "/whoami", token).status_code == 200
    assert get(gateway, "/fhir/Observation/obs-1", token).status_code == 403


def create_client(admin: KeycloakAdmin, client_id: str, scopes: list[str], **attrs: str) -> str:
    """A client-credentials client made for one test; returns its secret."""
    secret = f"test-only-{client_id}-secret"
    admin.create_client(
        {
            "clientId": client_id,
            "publicClient": False,
            "serviceAccountsEnabled": True,
            "standardFlowEnabled": False,
            "secret": secret,
            "defaultClientScopes": ["basic", "roles", *scopes],
            "attributes": attrs,
        },
        skip_exists=True,
    )
    return secret


def test_an_expired_token_is_refused(
    gateway: str, keycloak: KeycloakServer, keycloak_admin: KeycloakAdmin
) -> None:
    scopes = [f"{AUDIENCE}-audience", "system/*.rs"]
    secret = create_client(
        keycloak_admin, "test-short-lived", scopes, **{"access.token.lifespan": "1"}
    )
    token = keycloak.client_credentials("test-short-lived", secret)
    expires_at = claims_of(token)["exp"]
    while time.time() < expires_at + 1:
        time.sleep(0.25)
    response = get(gateway, "/fhir/Observation/obs-1", token)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_token_for_another_audience_is_refused(
    gateway: str, keycloak: KeycloakServer, keycloak_admin: KeycloakAdmin
) -> None:
    secret = create_client(keycloak_admin, "test-no-audience", ["system/*.rs"])
    token = keycloak.client_credentials("test-no-audience", secret)
    assert AUDIENCE not in claims_of(token).get("aud", [])
    assert get(gateway, "/fhir/Observation/obs-1", token).status_code == 401


def test_a_token_from_another_issuer_is_refused(gateway: str, keycloak: KeycloakServer) -> None:
    # Keycloak names the issuer after the URL it was asked on: same realm and key, other `iss`.
    elsewhere = KeycloakServer(
        keycloak.base_url.replace("127.0.0.1", "localhost"),
        keycloak.realm,
        keycloak.admin_user,
        keycloak.admin_password,
    )
    token = service_token(elsewhere, "radcds-ingestion")
    assert claims_of(token)["iss"].startswith("http://localhost:")
    assert get(gateway, "/fhir/Observation/obs-1", token).status_code == 401


def test_a_token_from_another_realm_is_refused(gateway: str, keycloak: KeycloakServer) -> None:
    response = httpx.post(
        f"{keycloak.base_url}/realms/master/protocol/openid-connect/token",
        data={"grant_type": "password", "client_id": "admin-cli"}
        | {"username": keycloak.admin_user, "password": keycloak.admin_password},
    )
    token = response.json()["access_token"]
    assert get(gateway, "/whoami", token).status_code == 401


def forged(token: str, key: jwk.JWK, algorithm: str = "RS256") -> str:
    header = {
        "alg": algorithm,
        "typ": "JWT",
        "kid": json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"],
    }
    copy = jwt.JWT(header=header, claims=claims_of(token))
    copy.make_signed_token(key)
    return str(copy.serialize())


def test_a_forged_token_is_refused(gateway: str, keycloak: KeycloakServer) -> None:
    genuine = service_token(keycloak, "radcds-ingestion")
    other_key = jwk.JWK.generate(kty="RSA", size=2048)
    assert get(gateway, "/whoami", forged(genuine, other_key)).status_code == 401
    header, _, signature = genuine.split(".")
    tampered_claims = claims_of(genuine) | {"scope": "system/*.cruds user/*.cruds"}
    tampered = base64.urlsafe_b64encode(json.dumps(tampered_claims).encode()).rstrip(b"=")
    tampered_token = f"{header}.{tampered.decode()}.{signature}"
    assert get(gateway, "/whoami", tampered_token).status_code == 401


def test_an_unsigned_token_is_refused(gateway: str, keycloak: KeycloakServer) -> None:
    genuine = service_token(keycloak, "radcds-ingestion")
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=")
    unsigned = f"{none_header.decode()}.{genuine.split('.')[1]}."
    assert get(gateway, "/whoami", unsigned).status_code == 401
