"""OAuth 2.0 bearer tokens and SMART on FHIR scopes for the gateway.

The verification itself (Keycloak JWKS, JWT checks, SMART scopes, the development issuer)
lives in radcds_kit.oidc, shared with ingestion's DICOMweb. Routes take `CurrentToken` and
call `require_scope`.
"""

from radcds_kit.oidc import (
    AccessToken,
    BearerAuthPolicy,
    CurrentToken,
    DevelopmentIssuer,
    DevelopmentIssuerRefused,
    InvalidToken,
    IssuerUnavailable,
    KeycloakTokenVerifier,
    NotAuthenticated,
    ResourceScope,
    ScopeDenied,
    SmartScopes,
    TokenVerifier,
    current_token,
    install_token_verifier,
    require_patient_access,
    require_scope,
    token_verifier,
)

from radcds_gateway.auth.settings import AuthSettings

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
