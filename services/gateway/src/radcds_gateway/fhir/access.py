"""Who is calling, and whether they may: the seam where SMART authorization plugs in.

Routes receive the caller through one dependency (api.principal.Principal), which asks
the application's AuthPolicy. Every interaction then goes through AccessControl.enforce.
"""

from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import Request

from radcds_gateway.fhir.definitions import SearchDefinitions
from radcds_gateway.fhir.indexing import parse_reference
from radcds_gateway.fhir.outcome import FhirError

INTERACTIONS = ("read", "vread", "search", "history", "create", "update", "delete")


class Scopes(Protocol):
    def allows(self, resource_type: str, interaction: str) -> bool: ...


class AccessToken(Protocol):
    @property
    def scopes(self) -> Scopes: ...
    @property
    def patient(self) -> str | None: ...
    @property
    def subject(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def is_service(self) -> bool: ...
    def patient_restriction(self, resource_type: str, interaction: str) -> str | None:
        """The patient the interaction must stay within; None when unconfined."""
        ...


class AuthPolicy(Protocol):
    async def authenticate(self, request: Request) -> AccessToken:
        """The caller's token; raises FhirError with code login (401) when there is none."""
        ...


class AllScopes:
    def allows(self, resource_type: str, interaction: str) -> bool:
        return True


@dataclass(frozen=True)
class InternalToken:
    """A trusted caller with every scope: a development client or a service over gRPC."""

    subject: str
    client_id: str
    is_service: bool = True
    patient: str | None = None
    scopes: Scopes = field(default_factory=AllScopes)

    def patient_restriction(self, resource_type: str, interaction: str) -> str | None:
        return self.patient


class DevelopmentAuthPolicy:
    """Grants everything to everyone. Refuses to exist in production."""

    def __init__(self, production: bool) -> None:
        if production:
            raise RuntimeError("the development auth policy must not run in production")

    async def authenticate(self, request: Request) -> AccessToken:
        return InternalToken(subject="development", client_id="development", is_service=False)


# Resources that belong to no patient yet explain a patient's data: the AI model that
# made a finding (a Device assigned to no patient), the practitioner who signed a report.
# A patient-scoped token may read them; one assigned to another patient stays refused
# (a Device's patient makes it that patient's: definitions.COMPARTMENT_ADDITIONS).
SHARED_TYPES = frozenset({"Device", "Practitioner", "Endpoint"})


class AccessControl:
    """Scope checks and patient-compartment confinement (SMART App Launch v2)."""

    def __init__(self, definitions: SearchDefinitions) -> None:
        self.definitions = definitions

    def enforce(
        self,
        token: AccessToken,
        interaction: str,
        resource_type: str,
        resource: dict[str, Any] | None = None,
    ) -> None:
        if not token.scopes.allows(resource_type, interaction):
            raise FhirError("forbidden", f"no scope grants {interaction} on {resource_type}")
        patient = token.patient_restriction(resource_type, interaction)
        if patient is None or resource is None:
            return
        owners = self.patients_of(resource)
        if patient not in owners and not (resource_type in SHARED_TYPES and not owners):
            raise FhirError("forbidden", "the resource is outside the token's patient")

    def patients_of(self, resource: dict[str, Any]) -> set[str]:
        """Ids of the patients whose compartment holds the resource."""
        resource_type = resource.get("resourceType", "")
        patients = {resource["id"]} if resource_type == "Patient" and "id" in resource else set()
        params = self.definitions.params(resource_type)
        for code in self.definitions.patient_compartment.get(resource_type, ()):
            if code not in params:
                continue
            for value in params[code].evaluate(resource):
                reference = value.get("reference") if isinstance(value, dict) else None
                target_type, target_id = parse_reference(reference or "")
                if target_type == "Patient" and target_id:
                    patients.add(target_id)
        return patients
