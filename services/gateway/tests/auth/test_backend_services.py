"""SMART Backend Services: the EHR authenticates with a signed client assertion
(private_key_jwt, RS384) instead of a shared secret."""

import json
import time
import uuid

import httpx
import pytest
from jwcrypto import jwk, jwt  # type: ignore[import-untyped]
from keycloak import KeycloakAdmin

from .support import KeycloakServer, get, token_response

# The first test pays for starting Keycloak, which takes minutes on a busy 2-core machine.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

CLIENT = "radcds-ehr-backend"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def ehr_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048, kid=str(uuid.uuid4()), alg="RS384", use="sig")


@pytest.fixture(scope="module")
def registered_key(keycloak_admin: KeycloakAdmin) -> jwk.JWK:
    """The EHR's key, registered as the client's JWKS (a site would give a JWKS URL)."""
    key = ehr_key()
    client_uuid = keycloak_admin.get_client_id(CLIENT)
    assert client_uuid is not None
    client = keycloak_admin.get_client(client_uuid)
    jwks = json.dumps({"keys": [key.export_public(as_dict=True)]})
    client["attributes"] |= {"use.jwks.url": "false", "use.jwks.string": "true"}
    client["attributes"]["jwks.string"] = jwks
    keycloak_admin.update_client(client_uuid, client)
    return key


def client_assertion(keycloak: KeycloakServer, key: jwk.JWK) -> str:
    now = int(time.time())
    claims: dict[str, str | int] = {"iss": CLIENT, "sub": CLIENT, "aud": keycloak.token_url}
    claims |= {"exp": now + 60, "iat": now, "jti": str(uuid.uuid4())}
    assertion = jwt.JWT(header={"alg": "RS384", "kid": key.get("kid")}, claims=claims)
    assertion.make_signed_token(key)
    return str(assertion.serialize())


def request_token(keycloak: KeycloakServer, assertion: str) -> httpx.Response:
    form = {"grant_type": "client_credentials", "scope": "system/*.rs"}
    form |= {"client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}
    return httpx.post(keycloak.token_url, data=form)


def test_a_signed_client_assertion_gets_a_system_token(
    gateway: str, keycloak: KeycloakServer, registered_key: jwk.JWK
) -> None:
    token = token_response(request_token(keycloak, client_assertion(keycloak, registered_key)))
    assert get(gateway, "/fhir/Observation/obs-1", token).status_code == 200
    assert get(gateway, "/whoami", token).json()["client_id"] == CLIENT


def test_an_assertion_signed_by_another_key_is_refused(
    keycloak: KeycloakServer, registered_key: jwk.JWK
) -> None:
    response = request_token(keycloak, client_assertion(keycloak, ehr_key()))
    assert response.status_code in (400, 401)
    assert "access_token" not in response.json()
