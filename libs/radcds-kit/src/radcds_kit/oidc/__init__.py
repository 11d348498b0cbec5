"""OAuth 2.0 bearer tokens and SMART on FHIR scopes, shared by the services' HTTP APIs.

Tokens come from Keycloak (verified against the realm's JWKS) or, outside production, from
the development issuer. Routes take `CurrentToken` and call `require_scope`.
"""

from radcds_kit.oidc.bearer import (
    BearerAuthPolicy,
    CurrentToken,
    NotAuthenticated,
    ScopeDenied,
    TokenVerifier,
    current_token,
    install_token_verifier,
    require_patient_access,
    require_scope,
)
from radcds_kit.oidc.development import DevelopmentIssuer, DevelopmentIssuerRefused
from radcds_kit.oidc.keycloak import IssuerUnavailable, KeycloakTokenVerifier
from radcds_kit.oidc.scopes import ResourceScope, SmartScopes
from radcds_kit.oidc.settings import OidcSettings, token_verifier
from radcds_kit.oidc.token import AccessToken, InvalidToken

__all__ = [
    "AccessToken",
    "BearerAuthPolicy",
    "CurrentToken",
    "DevelopmentIssuer",
    "DevelopmentIssuerRefused",
    "InvalidToken",
    "IssuerUnavailable",
    "KeycloakTokenVerifier",
    "NotAuthenticated",
    "OidcSettings",
    "ResourceScope",
    "ScopeDenied",
    "SmartScopes",
    "TokenVerifier",
    "current_token",
    "install_token_verifier",
    "require_patient_access",
    "require_scope",
    "token_verifier",
]
