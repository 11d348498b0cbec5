"""FHIR interactions with access control and audit, shared by the HTTP API and gRPC."""

import base64
from typing import Any

import orjson

from radcds_gateway.fhir.access import AccessControl, AccessToken
from radcds_gateway.fhir.audit_trail import AuditRecord, AuditTrail
from radcds_gateway.fhir.current_reader import CurrentReader
from radcds_gateway.fhir.outcome import FhirError
from radcds_gateway.fhir.repository import FhirRepository
from radcds_gateway.fhir.search import SearchResult
from radcds_gateway.fhir.search_request import SearchRequest
from radcds_gateway.fhir.stored import StoredResource


class FhirService:
    def __init__(
        self, repository: FhirRepository, audit: AuditTrail, reader: CurrentReader
    ) -> None:
        self.repository = repository
        self.reader = reader
        self.access = AccessControl(repository.definitions)
        self.audit = audit

    def _is_patient_data(self, resource_type: str) -> bool:
        return resource_type != "AuditEvent" and self.repository.definitions.is_patient_data(
            resource_type
        )

    def record(
        self,
        token: AccessToken,
        interaction: str,
        stored: StoredResource | None = None,
        **extra: Any,
    ) -> None:
        """Queues the audit record of an interaction with patient data."""
        if stored is not None and not self._is_patient_data(stored.resource_type):
            return
        if stored is not None:
            extra.setdefault("what", f"{stored.reference}/_history/{stored.version_id}")
            if not stored.deleted:
                extra.setdefault("touched", ((stored.resource_type, stored.resource_id),))
        self.audit.record(AuditRecord(interaction, token, **extra))

    def _checked_read(
        self, token: AccessToken, interaction: str, stored: StoredResource
    ) -> StoredResource:
        confined = token.patient_restriction(stored.resource_type, interaction) is not None
        resource = orjson.loads(stored.body) if confined else None
        self.access.enforce(token, interaction, stored.resource_type, resource)
        self.record(token, interaction, stored)
        return stored

    async def read_current(
        self, token: AccessToken, resource_type: str, resource_id: str
    ) -> StoredResource:
        """read, for callers on the event loop."""
        self.access.enforce(token, "read", self.repository.check_type(resource_type))
        stored = await self.reader.read(resource_type, resource_id)
        return self._checked_read(token, "read", stored)

    def read(self, token: AccessToken, resource_type: str, resource_id: str) -> StoredResource:
        self.access.enforce(token, "read", self.repository.check_type(resource_type))
        return self._checked_read(token, "read", self.repository.read(resource_type, resource_id))

    def vread(
        self, token: AccessToken, resource_type: str, resource_id: str, version: str
    ) -> StoredResource:
        self.access.enforce(token, "vread", self.repository.check_type(resource_type))
        stored = self.repository.vread(resource_type, resource_id, version)
        return self._checked_read(token, "vread", stored)

    def history(
        self, token: AccessToken, resource_type: str, resource_id: str
    ) -> list[StoredResource]:
        self.access.enforce(token, "history", self.repository.check_type(resource_type))
        versions = self.repository.history(resource_type, resource_id)
        live = [v for v in versions if not v.deleted]
        if live:
            self._checked_read(token, "history", live[0])
        return versions

    def parse_search(
        self, token: AccessToken, resource_type: str, query: list[tuple[str, str]], lenient: bool
    ) -> SearchRequest:
        self.access.enforce(token, "search", self.repository.check_type(resource_type))
        request = self.repository.parser.parse(resource_type, query, lenient)
        request.compartment_patient = token.patient_restriction(resource_type, "search")
        for include in [*request.includes, *request.revincludes]:
            self.access.enforce(token, "search", include.source_type)
        return request

    def search(self, token: AccessToken, request: SearchRequest, query_text: str) -> SearchResult:
        result = self.repository.search(request)
        if token.patient is not None:
            result.included = [s for s in result.included if self._visible(token, s)]
        if self._is_patient_data(request.resource_type):
            touched = tuple(
                (s.resource_type, s.resource_id) for s in result.matches + result.included
            )
            self.record(token, "search-type", touched=touched, query=_base64(query_text))
        return result

    def _visible(self, token: AccessToken, stored: StoredResource) -> bool:
        try:
            self.access.enforce(token, "search", stored.resource_type, orjson.loads(stored.body))
        except FhirError:
            return False
        return True

    def create(
        self, token: AccessToken, resource: Any, if_none_exist: str | None = None
    ) -> tuple[StoredResource, bool]:
        resource = self.repository.validate(resource)
        self.access.enforce(token, "create", resource["resourceType"], resource)
        stored, created = self.repository.create(resource, if_none_exist)
        self.record(token, "create" if created else "read", stored)
        return stored, created

    def update(
        self,
        token: AccessToken,
        resource_type: str,
        resource_id: str,
        resource: Any,
        if_match: int | None,
    ) -> tuple[StoredResource, bool]:
        resource = self.repository.validate(resource)
        if resource["resourceType"] != self.repository.check_type(resource_type):
            raise FhirError(
                "invalid",
                f"the body is a {resource['resourceType']}, the URL names {resource_type}",
            )
        self.access.enforce(token, "update", resource_type, resource)
        self._confine_existing(token, "update", resource_type, resource_id)
        stored, created = self.repository.update(resource, resource_id, if_match)
        self.record(token, "update", stored)
        return stored, created

    def delete(
        self, token: AccessToken, resource_type: str, resource_id: str
    ) -> StoredResource | None:
        self.access.enforce(token, "delete", self.repository.check_type(resource_type))
        self._confine_existing(token, "delete", resource_type, resource_id)
        stored = self.repository.delete(resource_type, resource_id)
        if stored is not None:
            self.record(token, "delete", stored)
        return stored

    def _confine_existing(
        self, token: AccessToken, interaction: str, resource_type: str, resource_id: str
    ) -> None:
        """A patient-confined token may only change what is already in its compartment."""
        if token.patient_restriction(resource_type, interaction) is None:
            return
        try:
            current = self.repository.read(resource_type, resource_id)
        except FhirError:
            return
        self.access.enforce(token, interaction, resource_type, orjson.loads(current.body))


def _base64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
