"""Which issuer the gateway trusts, from RADCDS_* environment variables (radcds_kit.oidc)."""

from radcds_kit.oidc.settings import OidcSettings


class AuthSettings(OidcSettings):
    """RADCDS_KEYCLOAK_URL, _REALM, _ISSUER, RADCDS_GATEWAY_AUDIENCE and
    RADCDS_DEV_ISSUER_KEY_FILE, read the same way by every service."""
