"""Which issuer the gateway trusts, from RADCDS_* environment variables."""

from pathlib import Path

from radcds_kit.settings import RadcdsSettings

from radcds_gateway.auth.dependency import TokenVerifier
from radcds_gateway.auth.development import DevelopmentIssuer, load_or_create_key
from radcds_gateway.auth.keycloak import keycloak_verifier


class AuthSettings(RadcdsSettings):
    # Keycloak's base URL as the gateway reaches it; empty runs the development issuer.
    keycloak_url: str = ""
    keycloak_realm: str = "radcds"
    # The `iss` tokens must carry; empty trusts the one the realm's .well-known announces.
    keycloak_issuer: str = ""
    gateway_audience: str = "radcds-gateway"
    # The development issuer's signing key; empty keeps a fresh key in memory.
    dev_issuer_key_file: Path | None = None


def token_verifier(settings: AuthSettings) -> TokenVerifier:
    """Keycloak when configured, else the development issuer (refused in production)."""
    if settings.keycloak_url:
        return keycloak_verifier(
            settings.keycloak_url,
            settings.keycloak_realm,
            audience=settings.gateway_audience,
            issuer=settings.keycloak_issuer or None,
        )
    key_file = settings.dev_issuer_key_file
    return DevelopmentIssuer(
        environment=settings.environment,
        audience=settings.gateway_audience,
        key=load_or_create_key(key_file) if key_file else None,
    )
