"""CDS Hooks 2.0, "Trusting CDS Clients": every call, discovery included, carries a JWT the
service verifies; each attack below is refused with 401 and no detail."""

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from cds_data import ISSUER
from cds_ehr import EhrSigner, Gateway, JwksServer, StartGateway
from jwcrypto import jwk

DISCOVERY = "/cds-services"
Attack = Callable[[EhrSigner, str, dict[str, jwk.JWK]], str]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(signer: EhrSigner, aud: str, keys: dict[str, jwk.JWK]) -> str:
    header = {**signer.header("ES384"), "alg": "none"}
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(signer.claims(aud)).encode())}."


def hmac_with_public_key(signer: EhrSigner, aud: str, keys: dict[str, jwk.JWK]) -> str:
    """The classic confusion: HS256 keyed with the RSA public key the service trusts."""
    public_pem = keys["RS384"].export_to_pem(private_key=False, password=None)
    secret = jwk.JWK(kty="oct", k=b64(public_pem))
    header = {**signer.header("RS384"), "alg": "HS256"}
    return signer.sign(header, signer.claims(aud), secret)


def claims_attack(**changes: Any) -> Attack:
    def attack(signer: EhrSigner, aud: str, keys: dict[str, jwk.JWK]) -> str:
        return signer.token(aud, **changes)

    return attack


def header_attack(**changes: Any) -> Attack:
    def attack(signer: EhrSigner, aud: str, keys: dict[str, jwk.JWK]) -> str:
        return signer.sign(signer.header("ES384", **changes), signer.claims(aud), keys["ES384"])

    return attack


def kid_swapped(signer: EhrSigner, aud: str, keys: dict[str, jwk.JWK]) -> str:
    """Signed with the ES384 key, but naming the RS384 key's kid."""
    header = signer.header("ES384", kid=keys["RS384"].get("kid"))
    return signer.sign(header, signer.claims(aud), keys["ES384"])


def es256_not_configured(signer: EhrSigner, aud: str, keys: dict[str, jwk.JWK]) -> str:
    return signer.token(aud, alg="ES256")


NOW = int(time.time())
ATTACKS: dict[str, Attack] = {
    "alg none": unsigned,
    "HS256 signed with the public key": hmac_with_public_key,
    "expired": claims_attack(iat=NOW - 600, exp=NOW - 300),
    "not yet valid (issued in the future)": claims_attack(iat=NOW + 600, exp=NOW + 660),
    "not yet valid (nbf)": claims_attack(nbf=NOW + 600),
    "wrong aud": claims_attack(aud="https://other.example.test/cds-services"),
    "unknown iss": claims_attack(iss="https://rogue.example.test"),
    "no jti": claims_attack(jti=None),
    "lifetime too long": claims_attack(exp=NOW + 86400),
    "jku off the allow-list": header_attack(jku="https://rogue.example.test/jwks.json"),
    "no kid": header_attack(kid=None),
    "typ not JWT": header_attack(typ="at+jwt"),
    "kid swapped": kid_swapped,
    "ES256 when only ES384 and RS384 are configured": es256_not_configured,
}


@pytest.fixture
def gateway(start_gateway: StartGateway) -> Gateway:
    return start_gateway()


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_attack_is_refused_with_401_and_no_detail(
    gateway: Gateway, signer: EhrSigner, client_keys: dict[str, jwk.JWK], attack: Attack
) -> None:
    url = f"{gateway.url}{DISCOVERY}"
    token = attack(signer, url, client_keys)
    response = gateway.call(DISCOVERY, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["www-authenticate"] == "Bearer"


def test_no_token_is_401(gateway: Gateway) -> None:
    import httpx

    assert httpx.get(f"{gateway.url}{DISCOVERY}").status_code == 401


def test_a_replayed_jti_is_refused(gateway: Gateway, signer: EhrSigner) -> None:
    token = signer.token(f"{gateway.url}{DISCOVERY}")
    first = gateway.call(DISCOVERY, headers={"Authorization": f"Bearer {token}"})
    again = gateway.call(DISCOVERY, headers={"Authorization": f"Bearer {token}"})
    assert (first.status_code, again.status_code) == (200, 401)


@pytest.mark.parametrize("alg", ["ES384", "RS384"])
def test_recommended_algorithms_are_accepted(gateway: Gateway, alg: str) -> None:
    assert gateway.call(DISCOVERY, alg=alg).status_code == 200


def test_aud_may_be_an_array_holding_the_url(gateway: Gateway, signer: EhrSigner) -> None:
    url = f"{gateway.url}{DISCOVERY}"
    token = signer.token(url, aud=[url])
    assert gateway.call(DISCOVERY, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_es256_is_accepted_when_configured(
    start_gateway: StartGateway, jwks_server: JwksServer, client_keys: dict[str, jwk.JWK]
) -> None:
    jwks_server.keys.append(client_keys["ES256"])
    gateway = start_gateway(cds_jwt_algorithms=["ES384", "RS384", "ES256"])
    assert gateway.call(DISCOVERY, alg="ES256").status_code == 200


def test_a_rotated_key_is_fetched_when_its_kid_is_first_seen(
    gateway: Gateway, jwks_server: JwksServer, signer: EhrSigner
) -> None:
    assert gateway.call(DISCOVERY).status_code == 200
    fetched = jwks_server.hits
    rotated = jwk.JWK.generate(kty="EC", crv="P-384", kid="ehr-es384-next", use="sig")
    jwks_server.keys = [rotated, signer.keys["RS384"]]
    signer.keys = {**signer.keys, "ES384": rotated}
    assert gateway.call(DISCOVERY).status_code == 200
    assert jwks_server.hits == fetched + 1


def test_unknown_kids_do_not_refetch_the_jwks_more_than_the_limit(
    start_gateway: StartGateway, jwks_server: JwksServer, signer: EhrSigner
) -> None:
    gateway = start_gateway(cds_jwks_min_refresh_s=3600)
    assert gateway.call(DISCOVERY).status_code == 200
    fetched = jwks_server.hits
    for _ in range(5):
        url = f"{gateway.url}{DISCOVERY}"
        token = signer.sign(
            signer.header("ES384", kid="made-up"), signer.claims(url), signer.keys["ES384"]
        )
        gateway.call(DISCOVERY, headers={"Authorization": f"Bearer {token}"})
    assert jwks_server.hits == fetched


def test_the_issuer_must_be_configured(start_gateway: StartGateway) -> None:
    gateway = start_gateway(cds_trusted_issuers={"https://someone-else.test": "http://x/jwks"})
    assert gateway.call(DISCOVERY).status_code == 401
    assert ISSUER
