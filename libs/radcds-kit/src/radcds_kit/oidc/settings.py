"""Which token issuer a service trusts, from RADCDS_* environment variables.

Every service with an HTTP API reads the same variables, so one Keycloak realm (or, in
development, one development issuer key) serves them all.
"""

from pathlib import Path

from radcds_kit.oidc.bearer import TokenVerifier
from radcds_kit.oidc.development import DevelopmentIssuer, load_or_create_key
from radcds_kit.oidc.keycloak import keycloak_verifier
from radcds_kit.settings import RadcdsSettings


class OidcSettings(RadcdsSettings):
    # Keycloak's base URL as the service reaches it; empty runs the development issuer.
    keycloak_url: str = ""
    keycloak_realm: str = "radcds"
    # The `iss` tokens must carry; empty trusts the one the realm's .well-known announces.
    keycloak_issuer: str = ""
    # The `aud` tokens must carry. The realm gives every radcds API one audience (its
    # radcds-gateway-audience client scope), so the gateway and ingestion share it.
    gateway_audience: str = "radcds-gateway"
    # The development issuer's signing key; empty keeps a fresh key in memory, which no
    # other process can issue tokens for.
    dev_issuer_key_file: Path | None = None


def token_verifier(settings: OidcSettings) -> TokenVerifier:
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
