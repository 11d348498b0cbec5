"""OAuth 2.0 bearer tokens and SMART on FHIR scopes for the gateway.

Tokens come from Keycloak (verified against the realm's JWKS) or, outside production, from
the development issuer. Routes take `CurrentToken` and call `require_scope`.
"""

from radcds_gateway.auth.dependency import (
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
from radcds_gateway.auth.development import DevelopmentIssuer, DevelopmentIssuerRefused
from radcds_gateway.auth.keycloak import IssuerUnavailable, KeycloakTokenVerifier
from radcds_gateway.auth.scopes import ResourceScope, SmartScopes
from radcds_gateway.auth.settings import AuthSettings, token_verifier
from radcds_gateway.auth.token import AccessToken, InvalidToken

__all__ = [
    "AccessToken",
    "AuthSettings",
    "BearerAuthPolicy",
    "CurrentToken",
    "DevelopmentIssuer",
    "DevelopmentIssuerRefused",
    "InvalidToken",
    "IssuerUnavailable",
    "KeycloakTokenVerifier",
    "NotAuthenticated",
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
