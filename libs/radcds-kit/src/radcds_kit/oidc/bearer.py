"""FastAPI integration: the bearer token dependency and the 401/403 errors (RFC 6750)."""

from collections.abc import Collection
from typing import Annotated, Protocol

from fastapi import Depends, FastAPI, HTTPException, Request

from radcds_kit.oidc.keycloak import IssuerUnavailable
from radcds_kit.oidc.token import AccessToken, InvalidToken

REALM = 'realm="radcds"'


class TokenVerifier(Protocol):
    async def verify(self, raw_token: str) -> AccessToken:
        """The verified token; raises InvalidToken."""
        ...


class NotAuthenticated(HTTPException):
    """401: no token, or one that is invalid, expired, or meant for another issuer or audience.
    `issue_code` is the FHIR IssueType for an OperationOutcome."""

    issue_code = "login"

    def __init__(self, detail: str, *, error: str | None = "invalid_token") -> None:
        challenge = f'Bearer {REALM}, error="{error}"' if error else f"Bearer {REALM}"
        super().__init__(401, detail, headers={"WWW-Authenticate": challenge})


class ScopeDenied(HTTPException):
    """403: a valid token whose scopes do not cover the request."""

    issue_code = "forbidden"

    def __init__(self, detail: str) -> None:
        challenge = f'Bearer {REALM}, error="insufficient_scope"'
        super().__init__(403, detail, headers={"WWW-Authenticate": challenge})


def bearer_token(request: Request) -> str:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise NotAuthenticated("a bearer token is required", error=None)
    return credentials.strip()


async def authenticate(verifier: TokenVerifier, request: Request) -> AccessToken:
    raw_token = bearer_token(request)
    try:
        return await verifier.verify(raw_token)
    except InvalidToken as error:
        raise NotAuthenticated(str(error)) from None
    except IssuerUnavailable:
        raise HTTPException(503, "the token issuer is unavailable") from None


class BearerAuthPolicy:
    """Authenticates requests by their bearer token (the gateway FHIR API's AuthPolicy)."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self.verifier = verifier

    async def authenticate(self, request: Request) -> AccessToken:
        return await authenticate(self.verifier, request)


def install_token_verifier(app: FastAPI, verifier: TokenVerifier) -> None:
    app.state.token_verifier = verifier


async def current_token(request: Request) -> AccessToken:
    verifier: TokenVerifier = request.app.state.token_verifier
    return await authenticate(verifier, request)


CurrentToken = Annotated[AccessToken, Depends(current_token)]


def require_scope(token: AccessToken, resource_type: str, interaction: str) -> str | None:
    """Raises 403 unless a scope grants the interaction. Returns the patient the request
    must stay within (patient/ scopes only), or None when it is not confined."""
    if not token.scopes.allows(resource_type, interaction):
        raise ScopeDenied(f"no scope grants {interaction} on {resource_type}")
    return token.patient_restriction(resource_type, interaction)


def require_patient_access(
    token: AccessToken, resource_type: str, interaction: str, patients: Collection[str]
) -> None:
    """Raises 403 unless the token may do the interaction on a resource in the compartments
    of `patients` (the Patient ids the resource belongs to)."""
    confined_to = require_scope(token, resource_type, interaction)
    if confined_to is not None and confined_to not in patients:
        raise ScopeDenied(f"the {resource_type} is outside the token's patient compartment")
