"""Access tokens issued by Keycloak, verified against the realm's JWKS via python-keycloak."""

from typing import Any

from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakError

from radcds_kit.oidc.jwks import JwksCache
from radcds_kit.oidc.jwt_checks import (
    VERIFY_ERRORS,
    jwt_options,
    key_id,
    require_access_token_type,
)
from radcds_kit.oidc.token import AccessToken, InvalidToken


class IssuerUnavailable(Exception):
    """Keycloak's discovery document or keys could not be fetched."""


class KeycloakTokenVerifier:
    """Checks signature, issuer, audience and expiry of a Keycloak access token.

    The issuer defaults to the one the realm's .well-known announces, which is the public
    URL when Keycloak's hostname is configured, whatever URL the service reaches it by.
    """

    def __init__(
        self,
        openid: KeycloakOpenID,
        *,
        audience: str,
        issuer: str | None = None,
        leeway_s: int = 30,
        jwks_max_age_s: float = 300.0,
    ) -> None:
        self._openid = openid
        self._audience = audience
        self._issuer = issuer
        self._leeway_s = leeway_s
        self._jwks = JwksCache(self._fetch_jwks, max_age_s=jwks_max_age_s)

    async def verify(self, raw_token: str) -> AccessToken:
        issuer = await self.issuer()
        try:
            keys = await self._jwks.keys_for(key_id(raw_token))
            options = jwt_options(issuer, self._audience, self._leeway_s)
            claims = self._openid.decode_token(raw_token, key=keys, **options)
            require_access_token_type(claims)
        except VERIFY_ERRORS as error:
            raise InvalidToken(f"token rejected: {type(error).__name__}") from None
        return AccessToken.from_claims(claims)

    async def issuer(self) -> str:
        if self._issuer is None:
            try:
                well_known = await self._openid.a_well_known()
            except KeycloakError as error:
                raise IssuerUnavailable(f"Keycloak discovery failed: {error}") from error
            self._issuer = str(well_known["issuer"])
        return self._issuer

    async def _fetch_jwks(self) -> dict[str, Any]:
        try:
            return dict(await self._openid.a_certs())
        except KeycloakError as error:
            raise IssuerUnavailable(f"Keycloak keys unavailable: {error}") from error


def keycloak_verifier(
    server_url: str, realm: str, *, audience: str, issuer: str | None = None
) -> KeycloakTokenVerifier:
    openid = KeycloakOpenID(server_url=server_url, realm_name=realm, client_id=audience)
    return KeycloakTokenVerifier(openid, audience=audience, issuer=issuer)
