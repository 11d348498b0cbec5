"""Batch and transaction Bundles (R4 3.1.0.11). A transaction is one database transaction."""

import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection

from radcds_gateway.fhir.access import AccessToken
from radcds_gateway.fhir.outcome import FhirError
from radcds_gateway.fhir.service import FhirService
from radcds_gateway.fhir.stored import StoredResource, parse_etag

# R4 3.1.0.11.2: deletes, then creates, then updates, then reads.
METHOD_ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "GET": 3}
MAX_ENTRIES = 10_000
# An interaction done inside a transaction, audited once the transaction commits.
Written = tuple[str, StoredResource]


@dataclass
class Entry:
    index: int
    method: str
    url: str
    full_url: str | None
    resource: Any
    request: dict[str, Any]


def _entries(bundle: Any) -> list[Entry]:
    entries = []
    for index, raw in enumerate(bundle.get("entry", [])):
        request = raw.get("request") if isinstance(raw, dict) else None
        if not isinstance(request, dict) or request.get("method") not in METHOD_ORDER:
            raise FhirError(
                "invalid", f"entry {index} has no request with GET, POST, PUT or DELETE"
            )
        if not isinstance(request.get("url"), str):
            raise FhirError("invalid", f"entry {index} has no request.url")
        entries.append(
            Entry(
                index,
                request["method"],
                request["url"],
                raw.get("fullUrl"),
                raw.get("resource"),
                request,
            )
        )
    if len(entries) > MAX_ENTRIES:
        raise FhirError("too-costly", f"a Bundle may carry at most {MAX_ENTRIES} entries")
    return entries


def _rewrite_references(value: Any, mapping: dict[str, str]) -> None:
    if isinstance(value, dict):
        reference = value.get("reference")
        if isinstance(reference, str) and reference in mapping:
            value["reference"] = mapping[reference]
        for item in value.values():
            _rewrite_references(item, mapping)
    elif isinstance(value, list):
        for item in value:
            _rewrite_references(item, mapping)


def _response(stored: StoredResource, status: str, base: str) -> dict[str, Any]:
    return {
        "response": {
            "status": status,
            "location": f"{base}/{stored.reference}/_history/{stored.version_id}",
            "etag": stored.etag,
            "lastModified": stored.instant,
        },
        "resource": orjson.loads(stored.body) if not stored.deleted else None,
    }


def _split_url(url: str) -> tuple[str, str | None]:
    path = url.split("?", 1)[0].strip("/")
    parts = path.split("/")
    return parts[0], parts[1] if len(parts) > 1 else None


class BundleProcessor:
    def __init__(self, service: FhirService) -> None:
        self.service = service
        self.repository = service.repository

    def process(self, token: AccessToken, bundle: Any, base: str) -> dict[str, Any]:
        if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
            raise FhirError("invalid", "POST to the base needs a Bundle")
        kind = bundle.get("type")
        if kind not in ("batch", "transaction"):
            raise FhirError("invalid", "the Bundle type must be batch or transaction")
        entries = _entries(bundle)
        if kind == "batch":
            results = [self._batch_entry(token, e, base) for e in entries]
        else:
            results = self._transaction(token, entries, base)
        return {"resourceType": "Bundle", "type": f"{kind}-response", "entry": results}

    def _batch_entry(self, token: AccessToken, entry: Entry, base: str) -> dict[str, Any]:
        try:
            return self._single(token, entry, base)
        except FhirError as error:
            return {"response": {"status": str(error.status), "outcome": error.outcome()}}

    def _single(self, token: AccessToken, entry: Entry, base: str) -> dict[str, Any]:
        resource_type, resource_id = _split_url(entry.url)
        if entry.method == "GET" and resource_id:
            return _response(self.service.read(token, resource_type, resource_id), "200", base)
        if entry.method == "POST":
            stored, created = self.service.create(
                token, entry.resource, entry.request.get("ifNoneExist")
            )
            return _response(stored, "201" if created else "200", base)
        if entry.method == "PUT" and resource_id:
            if_match = (
                parse_etag(entry.request.get("ifMatch", ""))
                if entry.request.get("ifMatch")
                else None
            )
            stored, created = self.service.update(
                token, resource_type, resource_id, entry.resource, if_match
            )
            return _response(stored, "201" if created else "200", base)
        if entry.method == "DELETE" and resource_id:
            self.service.delete(token, resource_type, resource_id)
            return {"response": {"status": "204"}}
        raise FhirError("not-supported", f"{entry.method} {entry.url} is not supported in a Bundle")

    def _transaction(
        self, token: AccessToken, entries: list[Entry], base: str
    ) -> list[dict[str, Any]]:
        mapping = self._assign_ids(entries)
        for entry in entries:
            if entry.resource is not None:
                _rewrite_references(entry.resource, mapping)
        results: dict[int, dict[str, Any]] = {}
        written: list[Written] = []
        with self.repository.database.writer.begin() as connection:
            for entry in sorted(entries, key=lambda e: METHOD_ORDER[e.method]):
                if entry.method == "GET":
                    continue
                results[entry.index], item = self._write(connection, token, entry, base)
                if item is not None:
                    written.append(item)
        for entry in (e for e in entries if e.method == "GET"):
            results[entry.index] = self._batch_entry(token, entry, base)
        for interaction, stored in written:
            self.service.record(token, interaction, stored)
        return [results[i] for i in range(len(entries))]

    def _assign_ids(self, entries: list[Entry]) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for entry in entries:
            resource_type, resource_id = _split_url(entry.url)
            if entry.method == "POST":
                existing = self._existing(resource_type, entry.request.get("ifNoneExist"))
                resource_id = existing or str(uuid.uuid4())
                entry.request["assignedId"] = resource_id
            if entry.full_url and entry.full_url.startswith("urn:uuid:") and resource_id:
                mapping[entry.full_url] = f"{resource_type}/{resource_id}"
        return mapping

    def _existing(self, resource_type: str, if_none_exist: str | None) -> str | None:
        """The id a conditional create will resolve to, so references can point at it."""
        if not if_none_exist or not self.repository.definitions.supports(resource_type):
            return None
        with self.repository.database.reader.connect() as connection:
            found = self.repository.find_one(connection, resource_type, if_none_exist)
        return found.resource_id if found else None

    def _write(
        self, connection: Connection, token: AccessToken, entry: Entry, base: str
    ) -> tuple[dict[str, Any], Written | None]:
        resource_type, resource_id = _split_url(entry.url)
        access = self.service.access
        try:
            if entry.method == "DELETE" and resource_id:
                access.enforce(token, "delete", self.repository.check_type(resource_type))
                stored = self.repository.writer(connection).delete(resource_type, resource_id)
                return {"response": {"status": "204"}}, ("delete", stored) if stored else None
            resource = self.repository.validate(entry.resource)
            if resource["resourceType"] != resource_type:
                raise FhirError(
                    "invalid",
                    f"the resource is a {resource['resourceType']}, the url names {resource_type}",
                )
            if entry.method == "POST":
                access.enforce(token, "create", resource_type, resource)
                stored, created = self.repository.create_in(
                    connection,
                    resource,
                    entry.request.get("ifNoneExist"),
                    entry.request["assignedId"],
                )
                return _response(stored, "201" if created else "200", base), ("create", stored)
            if entry.method == "PUT" and resource_id:
                access.enforce(token, "update", resource_type, resource)
                if_match = (
                    parse_etag(entry.request["ifMatch"]) if entry.request.get("ifMatch") else None
                )
                stored, created = self.repository.update_in(
                    connection, resource, resource_id, if_match
                )
                return _response(stored, "201" if created else "200", base), ("update", stored)
            raise FhirError(
                "not-supported", f"{entry.method} {entry.url} is not supported in a transaction"
            )
        except FhirError as error:
            error.diagnostics = f"entry {entry.index}: {error.diagnostics}"
            if error.issues:
                for issue in error.issues:
                    issue["diagnostics"] = f"entry {entry.index}: {issue.get('diagnostics', '')}"
            raise
