"""A development issuer: a local signing key that issues and verifies access tokens, so the
services run without Keycloak on a developer's machine. It refuses production mode."""

import json
import os
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jwcrypto import jwk, jwt  # type: ignore[import-untyped]

from radcds_kit.oidc.jwt_checks import (
    VERIFY_ERRORS,
    decode_with_keys,
    jwt_options,
    require_access_token_type,
)
from radcds_kit.oidc.token import AccessToken, InvalidToken

DEVELOPMENT_ISSUER = "urn:radcds:development-issuer"


class DevelopmentIssuerRefused(RuntimeError):
    """The development issuer was asked to run in production."""


class DevelopmentIssuer:
    def __init__(
        self,
        *,
        environment: str,
        audience: str,
        key: jwk.JWK | None = None,
        issuer: str = DEVELOPMENT_ISSUER,
        leeway_s: int = 30,
    ) -> None:
        if environment == "production":
            raise DevelopmentIssuerRefused("the development issuer must not run in production")
        self.issuer = issuer
        self.audience = audience
        self._key = key or new_signing_key()
        self._keys = jwk.JWKSet()
        self._keys.add(self._key)
        self._options = jwt_options(issuer, audience, leeway_s)

    def issue(
        self,
        *,
        subject: str,
        client_id: str,
        scopes: Iterable[str],
        patient: str | None = None,
        roles: Iterable[str] = (),
        lifetime_s: int = 300,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "azp": client_id,
            "typ": "Bearer",
            "iat": now,
            "exp": now + lifetime_s,
            "jti": str(uuid.uuid4()),
            "scope": " ".join(scopes),
            "realm_access": {"roles": sorted(roles)},
        }
        if patient is not None:
            claims["patient"] = patient
        header = {"alg": "RS256", "kid": self._key.get("kid"), "typ": "JWT"}
        token = jwt.JWT(header=header, claims=claims)
        token.make_signed_token(self._key)
        return str(token.serialize())

    async def verify(self, raw_token: str) -> AccessToken:
        try:
            claims = decode_with_keys(raw_token, self._keys, self._options)
            require_access_token_type(claims)
        except VERIFY_ERRORS as error:
            raise InvalidToken(f"token rejected: {type(error).__name__}") from None
        return AccessToken.from_claims(claims)

    def public_jwks(self) -> dict[str, Any]:
        return dict(json.loads(self._keys.export(private_keys=False)))


def new_signing_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048, kid=str(uuid.uuid4()), use="sig", alg="RS256")


def load_or_create_key(path: Path) -> jwk.JWK:
    """The issuer's key, kept in a file readable only by its owner so that tokens issued by
    one process verify in another."""
    if path.exists():
        return jwk.JWK.from_json(path.read_text())
    key = new_signing_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key.export_private())
    return key
