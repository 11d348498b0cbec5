"""The FHIR repository: versioned CRUD and search over SQLite or PostgreSQL."""

from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import Connection, select

from radcds_gateway.fhir.database import Database
from radcds_gateway.fhir.definitions import SearchDefinitions
from radcds_gateway.fhir.outcome import FhirError
from radcds_gateway.fhir.schema import INDEX_TABLES
from radcds_gateway.fhir.search import SearchEngine, SearchResult
from radcds_gateway.fhir.search_request import SearchParser, SearchRequest
from radcds_gateway.fhir.store import ResourceWriter, history, read_resource, read_version
from radcds_gateway.fhir.stored import StoredResource
from radcds_gateway.fhir.validation import check_id, validate_resource


class FhirRepository:
    def __init__(self, database: Database, definitions: SearchDefinitions) -> None:
        self.database = database
        self.definitions = definitions
        self.parser = SearchParser(definitions)
        self.engine = SearchEngine(definitions)

    def check_type(self, resource_type: str) -> str:
        if not self.definitions.supports(resource_type):
            raise FhirError("not-supported", f"resource type {resource_type} is not supported", 404)
        return resource_type

    def validate(self, resource: Any) -> dict[str, Any]:
        return validate_resource(resource, self.definitions.resource_types)

    def read(self, resource_type: str, resource_id: str) -> StoredResource:
        with self.database.reader.connect() as connection:
            return read_resource(connection, resource_type, resource_id)

    def vread(self, resource_type: str, resource_id: str, version_id: str) -> StoredResource:
        if not version_id.isdigit():
            raise FhirError("not-found", f"version '{version_id}' is not known")
        with self.database.reader.connect() as connection:
            return read_version(connection, resource_type, resource_id, int(version_id))

    def history(self, resource_type: str, resource_id: str) -> list[StoredResource]:
        with self.database.reader.connect() as connection:
            return history(connection, resource_type, resource_id)

    def search(self, request: SearchRequest) -> SearchResult:
        with self.database.reader.connect() as connection:
            return self.engine.run(connection, request)

    def patients_by_resource(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
        """For each (type, id), the patients whose compartments hold it, from the index."""
        found: dict[tuple[str, str], set[str]] = {k: {k[1]} for k in keys if k[0] == "Patient"}
        by_type: dict[str, list[str]] = {}
        for resource_type, resource_id in keys:
            by_type.setdefault(resource_type, []).append(resource_id)
        refs = INDEX_TABLES["reference"]
        with self.database.reader.connect() as connection:
            for resource_type, ids in by_type.items():
                params = self.definitions.patient_compartment.get(resource_type, ())
                if not params:
                    continue
                query = select(refs.c.resource_id, refs.c.target_id).where(
                    refs.c.resource_type == resource_type,
                    refs.c.resource_id.in_(ids),
                    refs.c.param.in_(params),
                    refs.c.target_type == "Patient",
                )
                for resource_id, patient_id in connection.execute(query):
                    found.setdefault((resource_type, resource_id), set()).add(patient_id)
        return found

    def create(
        self, resource: dict[str, Any], if_none_exist: str | None = None
    ) -> tuple[StoredResource, bool]:
        with self.database.writer.begin() as connection:
            return self.create_in(connection, resource, if_none_exist)

    def update(
        self, resource: dict[str, Any], resource_id: str, if_match: int | None = None
    ) -> tuple[StoredResource, bool]:
        with self.database.writer.begin() as connection:
            return self.update_in(connection, resource, resource_id, if_match)

    def delete(self, resource_type: str, resource_id: str) -> StoredResource | None:
        with self.database.writer.begin() as connection:
            return self.writer(connection).delete(resource_type, resource_id)

    def writer(self, connection: Connection) -> ResourceWriter:
        return ResourceWriter(connection, self.definitions)

    def create_in(
        self,
        connection: Connection,
        resource: dict[str, Any],
        if_none_exist: str | None,
        resource_id: str | None = None,
    ) -> tuple[StoredResource, bool]:
        """Creates the resource, or with If-None-Exist returns the one match (R4 3.1.0.8.1)."""
        self.validate(resource)
        if if_none_exist:
            existing = self.find_one(connection, resource["resourceType"], if_none_exist)
            if existing is not None:
                return existing, False
        return self.writer(connection).create(resource, resource_id), True

    def update_in(
        self,
        connection: Connection,
        resource: dict[str, Any],
        resource_id: str,
        if_match: int | None,
    ) -> tuple[StoredResource, bool]:
        self.validate(resource)
        check_id(resource_id)
        if resource.get("id", resource_id) != resource_id:
            raise FhirError("invalid", "the resource id differs from the id in the URL")
        return self.writer(connection).update(resource, resource_id, if_match)

    def find_one(
        self, connection: Connection, resource_type: str, query: str
    ) -> StoredResource | None:
        """The single match of a conditional query; 412 when it matches more than one."""
        query = query.split("?", 1)[1] if "?" in query else query
        request = self.parser.parse(resource_type, parse_qsl(query, keep_blank_values=True))
        if not request.filters:
            raise FhirError("invalid", "a conditional query needs at least one search parameter")
        request.count, request.offset = 2, 0
        result = self.engine.run(connection, request)
        if result.total > 1:
            raise FhirError(
                "multiple-matches", f"the condition matches {result.total} resources", 412
            )
        return result.matches[0] if result.matches else None
