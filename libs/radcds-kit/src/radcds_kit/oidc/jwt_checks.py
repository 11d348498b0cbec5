"""The checks every access token passes: signature, issuer, audience, lifetime, type."""

import json
from collections.abc import Mapping
from typing import Any

from jwcrypto import jwk, jwt  # type: ignore[import-untyped]
from jwcrypto.common import JWException, base64url_decode  # type: ignore[import-untyped]

# Asymmetric algorithms only: an HMAC "signed" with a public key must never verify.
ALLOWED_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]
# Keycloak marks access tokens "Bearer"; ID and refresh tokens carry "ID" and "Refresh".
ACCESS_TOKEN_TYPES = {"Bearer", "at+jwt"}
VERIFY_ERRORS = (JWException, ValueError, TypeError, KeyError)


def jwt_options(issuer: str, audience: str, leeway_s: int) -> dict[str, Any]:
    """Keyword arguments for jwcrypto's JWT (and python-keycloak's decode_token)."""
    return {
        "check_claims": {"iss": issuer, "aud": audience, "exp": None, "sub": None},
        "algs": ALLOWED_ALGORITHMS,
        "expected_type": "JWS",
        "leeway": leeway_s,
    }


def key_id(raw_token: str) -> str | None:
    """The `kid` of a compact JWS header, read before the signature is checked."""
    header = json.loads(base64url_decode(raw_token.split(".", 1)[0]))
    if not isinstance(header, dict):
        raise ValueError("the token header is not an object")
    kid = header.get("kid")
    return kid if isinstance(kid, str) else None


def decode_with_keys(raw_token: str, keys: jwk.JWKSet, options: dict[str, Any]) -> dict[str, Any]:
    leeway = options["leeway"]
    token = jwt.JWT(**{k: v for k, v in options.items() if k != "leeway"})
    token.leeway = leeway
    token.deserialize(raw_token, keys)
    claims = json.loads(token.claims)
    if not isinstance(claims, dict):
        raise ValueError("the token claims are not an object")
    return claims


def require_access_token_type(claims: Mapping[str, Any]) -> None:
    if claims.get("typ", "Bearer") not in ACCESS_TOKEN_TYPES:
        raise ValueError("not an access token")
