"""The verified caller: who they are and what their token's scopes allow."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from radcds_kit.oidc.scopes import SmartScopes

SERVICE_ROLE = "service"


class InvalidToken(Exception):
    """A bearer token that must not be accepted. The message never contains the token."""


@dataclass(frozen=True)
class AccessToken:
    """A verified access token. It keeps the claims it needs, never the token itself."""

    subject: str
    client_id: str
    scopes: SmartScopes
    patient: str | None
    roles: frozenset[str]
    fhir_user: str | None = None

    @property
    def is_service(self) -> bool:
        return SERVICE_ROLE in self.roles

    def patient_restriction(self, resource_type: str, interaction: str) -> str | None:
        """The patient the interaction must stay within; None when a user/ or system/
        scope grants it without confinement."""
        if self.scopes.allows_beyond_patient(resource_type, interaction):
            return None
        return self.patient

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> "AccessToken":
        subject, client_id = claims.get("sub"), claims.get("azp") or claims.get("client_id")
        if not isinstance(subject, str) or not isinstance(client_id, str):
            raise InvalidToken("the token names no subject or client")
        patient = _optional_str(claims, "patient")
        scopes = SmartScopes.parse(_optional_str(claims, "scope") or "")
        # SMART App Launch 2.x: patient/ scopes need a patient in context.
        if patient is None:
            scopes = scopes.without_context("patient")
        return cls(subject, client_id, scopes, patient, _realm_roles(claims), _fhir_user(claims))


def _optional_str(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None or isinstance(value, str):
        return value
    raise InvalidToken(f"the token's {name} claim is not a string")


def _fhir_user(claims: Mapping[str, Any]) -> str | None:
    return _optional_str(claims, "fhirUser")


def _realm_roles(claims: Mapping[str, Any]) -> frozenset[str]:
    realm_access = claims.get("realm_access")
    roles = realm_access.get("roles", []) if isinstance(realm_access, dict) else []
    return frozenset(role for role in roles if isinstance(role, str))
