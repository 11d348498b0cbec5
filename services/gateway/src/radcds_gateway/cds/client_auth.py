"""Verifies the CDS client's JWT on every call (CDS Hooks 2.0, "Trusting CDS Clients").

Header: `alg` on the configured list (never `none` or HMAC, "JWT Signing Algorithm"), `kid`,
`typ` JWT, `jku` (optional) equal to the issuer's configured JWK Set URL. Payload: `iss` on
the allow-list, `aud` the URL called, `exp` and `iat` within the leeway, `jti` never seen
before while the token lives. Any failure is one answer, 401 with no detail; the reason is
logged without the token.
"""

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from jwcrypto import jwk, jws  # type: ignore[import-untyped]
from jwcrypto.common import JWException, base64url_decode  # type: ignore[import-untyped]

from radcds_gateway.auth.jwks import JwksCache
from radcds_gateway.cds.replay import ReplayGuard
from radcds_gateway.cds.settings import CdsSettings

log = logging.getLogger(__name__)
MAX_TOKEN_BYTES = 8192
MAX_JTI_CHARS = 256
JWKS_TIMEOUT_S = 2.0


class CdsClientRejected(Exception):
    """Why a client JWT was refused: for the log only, never for the response."""


@dataclass(frozen=True)
class CdsClient:
    issuer: str
    tenant: str | None


def _json_part(segment: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(base64url_decode(segment))
    except (ValueError, TypeError):
        raise CdsClientRejected(f"{what} is not base64url JSON") from None
    if not isinstance(value, dict):
        raise CdsClientRejected(f"{what} is not an object")
    return value


def _split(raw: str) -> tuple[dict[str, Any], dict[str, Any]]:
    if len(raw) > MAX_TOKEN_BYTES:
        raise CdsClientRejected("token too long")
    parts = raw.split(".")
    if len(parts) != 3:
        raise CdsClientRejected("not a compact JWS")
    return _json_part(parts[0], "header"), _json_part(parts[1], "payload")


class CdsClientVerifier:
    def __init__(
        self,
        settings: CdsSettings,
        http: httpx.AsyncClient,
        replay: ReplayGuard,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._issuers = dict(settings.cds_trusted_issuers)
        self._algorithms = frozenset(settings.cds_jwt_algorithms)
        self._leeway = settings.cds_jwt_leeway_s
        self._max_lifetime = settings.cds_jwt_max_lifetime_s
        self._replay = replay
        self._clock = clock
        self._jwks = {
            issuer: JwksCache(
                self._jwks_fetcher(http, url),
                max_age_s=settings.cds_jwks_max_age_s,
                min_refresh_interval_s=settings.cds_jwks_min_refresh_s,
            )
            for issuer, url in self._issuers.items()
        }

    @staticmethod
    def _jwks_fetcher(http: httpx.AsyncClient, url: str) -> Callable[[], Any]:
        async def fetch() -> dict[str, Any]:
            response = await http.get(url, timeout=JWKS_TIMEOUT_S)
            response.raise_for_status()
            document = response.json()
            return document if isinstance(document, dict) else {}

        return fetch

    async def verify(self, authorization: str | None, audience: str) -> CdsClient:
        """The client behind a valid `Authorization: Bearer <JWT>`; raises CdsClientRejected."""
        scheme, _, raw = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise CdsClientRejected("no bearer token")
        raw = raw.strip()
        header, unverified = _split(raw)
        alg, kid = self._check_header(header)
        issuer = unverified.get("iss")
        if not isinstance(issuer, str) or issuer not in self._issuers:
            raise CdsClientRejected("issuer not trusted")
        if "jku" in header and header["jku"] != self._issuers[issuer]:
            raise CdsClientRejected("jku not on the allow-list for the issuer")
        key = await self._key(issuer, kid)
        claims = _verified_claims(raw, key, alg)
        if claims.get("iss") != issuer:
            raise CdsClientRejected("issuer changed")
        expires = self._check_claims(claims, audience)
        await self._check_replay(issuer, claims["jti"], expires)
        tenant = claims.get("tenant")
        return CdsClient(issuer, tenant if isinstance(tenant, str) else None)

    def _check_header(self, header: dict[str, Any]) -> tuple[str, str]:
        alg, kid = header.get("alg"), header.get("kid")
        if not isinstance(alg, str) or alg not in self._algorithms:
            raise CdsClientRejected("alg not allowed")
        if not isinstance(kid, str) or not kid:
            raise CdsClientRejected("kid missing")
        # RFC 7515 4.1.9: typ is compared case-insensitively.
        if str(header.get("typ", "")).upper() != "JWT":
            raise CdsClientRejected("typ is not JWT")
        if "crit" in header:
            raise CdsClientRejected("critical header extensions are not supported")
        return alg, kid

    async def _key(self, issuer: str, kid: str) -> jwk.JWK:
        try:
            keys = await self._jwks[issuer].keys_for(kid)
        except (httpx.HTTPError, ValueError, TypeError, KeyError, JWException):
            raise CdsClientRejected("issuer JWK Set unavailable") from None
        key = keys.get_key(kid)
        if key is None:
            raise CdsClientRejected("kid not in the issuer's JWK Set")
        return key

    def _check_claims(self, claims: dict[str, Any], audience: str) -> float:
        """Checks aud, exp, iat, nbf and jti; returns exp."""
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if audience not in audiences:
            raise CdsClientRejected("aud is not the URL called")
        now, exp, iat = self._clock(), _number(claims, "exp"), _number(claims, "iat")
        if now > exp + self._leeway:
            raise CdsClientRejected("expired")
        if iat > now + self._leeway or exp <= iat:
            raise CdsClientRejected("issued in the future")
        if exp - iat > self._max_lifetime:
            raise CdsClientRejected("lifetime longer than allowed")
        if "nbf" in claims and _number(claims, "nbf") > now + self._leeway:
            raise CdsClientRejected("not yet valid")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_CHARS:
            raise CdsClientRejected("jti missing")
        return exp

    async def _check_replay(self, issuer: str, jti: str, expires: float) -> None:
        digest = hashlib.sha256(f"{issuer}\n{jti}".encode()).hexdigest()
        ttl_s = max(1, int(expires + self._leeway - self._clock()) + 1)
        if not await self._replay.first_use(digest, ttl_s):
            raise CdsClientRejected("jti replayed, or the replay store is unavailable")


def _number(claims: dict[str, Any], name: str) -> float:
    value = claims.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise CdsClientRejected(f"{name} must be a number")
    return float(value)


def _verified_claims(raw: str, key: jwk.JWK, alg: str) -> dict[str, Any]:
    token = jws.JWS()
    token.allowed_algs = [alg]
    try:
        token.deserialize(raw, key=key, alg=alg)
        claims = json.loads(token.payload)
    except (JWException, ValueError, TypeError):
        raise CdsClientRejected("signature invalid") from None
    if not isinstance(claims, dict):
        raise CdsClientRejected("payload is not an object")
    return claims
