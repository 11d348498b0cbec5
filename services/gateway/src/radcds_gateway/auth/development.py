"""The development issuer, from radcds_kit.oidc; kept here for callers that import it by
this path (the radcds CLI)."""

from radcds_kit.oidc.development import (
    DEVELOPMENT_ISSUER,
    DevelopmentIssuer,
    DevelopmentIssuerRefused,
    load_or_create_key,
    new_signing_key,
)

__all__ = [
    "DEVELOPMENT_ISSUER",
    "DevelopmentIssuer",
    "DevelopmentIssuerRefused",
    "load_or_create_key",
    "new_signing_key",
]
