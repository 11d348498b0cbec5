"""Reads and versioned writes of resources on one database connection."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from radcds_gateway.fhir.definitions import SearchDefinitions
from radcds_gateway.fhir.indexing import IndexRows, extract_index
from radcds_gateway.fhir.outcome import FhirError, not_found, precondition_failed
from radcds_gateway.fhir.schema import INDEX_TABLES, resource_versions, resources
from radcds_gateway.fhir.stored import StoredResource
from radcds_gateway.fhir.values import instant_text

Clock = Callable[[], datetime]


def _current(connection: Connection, resource_type: str, resource_id: str) -> Any:
    query = select(
        resources.c.version_id, resources.c.last_updated, resources.c.deleted, resources.c.body
    ).where(resources.c.resource_type == resource_type, resources.c.resource_id == resource_id)
    return connection.execute(query).first()


def read_resource(connection: Connection, resource_type: str, resource_id: str) -> StoredResource:
    row = _current(connection, resource_type, resource_id)
    if row is None:
        raise not_found(resource_type, resource_id)
    if row.deleted:
        raise FhirError("deleted", f"{resource_type}/{resource_id} was deleted", status=410)
    return StoredResource(resource_type, resource_id, *row)


def read_version(
    connection: Connection, resource_type: str, resource_id: str, version_id: int
) -> StoredResource:
    t = resource_versions.c
    query = select(t.version_id, t.last_updated, t.deleted, t.body).where(
        t.resource_type == resource_type, t.resource_id == resource_id, t.version_id == version_id
    )
    row = connection.execute(query).first()
    if row is None:
        raise not_found(resource_type, f"{resource_id}/_history/{version_id}")
    if row.deleted:
        raise FhirError("deleted", f"version {version_id} is a deletion", status=410)
    return StoredResource(resource_type, resource_id, *row)


def history(connection: Connection, resource_type: str, resource_id: str) -> list[StoredResource]:
    t = resource_versions.c
    query = (
        select(t.version_id, t.last_updated, t.deleted, t.body)
        .where(t.resource_type == resource_type, t.resource_id == resource_id)
        .order_by(t.version_id.desc())
    )
    rows = connection.execute(query).all()
    if not rows:
        raise not_found(resource_type, resource_id)
    return [StoredResource(resource_type, resource_id, *row) for row in rows]


class ResourceWriter:
    """Creates, updates and deletes resources inside the caller's transaction."""

    def __init__(
        self, connection: Connection, definitions: SearchDefinitions, clock: Clock | None = None
    ) -> None:
        self.connection = connection
        self.definitions = definitions
        self.clock = clock or (lambda: datetime.now(UTC))

    def create(
        self,
        resource: dict[str, Any],
        resource_id: str | None = None,
        index: IndexRows | None = None,
    ) -> StoredResource:
        resource_id = resource_id or str(uuid.uuid4())
        stored = self._stamp(resource, resource_id, 1)
        try:
            with self.connection.begin_nested():
                self._insert_current(stored)
        except IntegrityError as error:
            raise FhirError("conflict", f"{stored.reference} was written concurrently") from error
        self._write(stored, resource, "POST", fresh=True, index=index)
        return stored

    def create_many(self, items: list[tuple[dict[str, Any], IndexRows]]) -> list[StoredResource]:
        """Creates resources under fresh ids with their index rows in one statement per
        table: for the server's own records, such as AuditEvents, written in batches."""
        stored = [self._stamp(resource, str(uuid.uuid4()), 1) for resource, _ in items]
        self._bulk_insert(resources, [_current_row(s) for s in stored])
        self._bulk_insert(resource_versions, [_version_row(s, "POST") for s in stored])
        by_table: dict[str, list[dict[str, Any]]] = {}
        for item, (_, index) in zip(stored, items, strict=True):
            key = {"resource_type": item.resource_type, "resource_id": item.resource_id}
            for kind, rows in index.tables.items():
                by_table.setdefault(kind, []).extend({**key, **row} for row in rows)
        for kind, rows in by_table.items():
            self._bulk_insert(INDEX_TABLES[kind], rows)
        return stored

    def _bulk_insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """One driver-level executemany: for batches, SQLAlchemy's per-row parameter
        processing costs more than the database's own work."""
        compiled = insert(table).compile(dialect=self.connection.dialect)
        if compiled.positiontup is not None:
            order = compiled.positiontup
            self.connection.exec_driver_sql(
                str(compiled), [tuple(row.get(k) for k in order) for row in rows]
            )
        else:
            columns = [c.name for c in table.columns]
            self.connection.exec_driver_sql(
                str(compiled), [{k: row.get(k) for k in columns} for row in rows]
            )

    def update(
        self, resource: dict[str, Any], resource_id: str, if_match: int | None = None
    ) -> tuple[StoredResource, bool]:
        """Returns the new version and whether the update created the resource."""
        resource_type = resource["resourceType"]
        current = self._lock(resource_type, resource_id)
        if if_match is not None and (current is None or current.version_id != if_match):
            found = "none" if current is None else current.version_id
            raise precondition_failed(f"If-Match version {if_match}; current version is {found}")
        if current is None:
            return self.create(resource, resource_id), True
        stored = self._stamp(resource, resource_id, current.version_id + 1)
        self._replace_current(stored)
        self._write(stored, resource, "PUT", fresh=False)
        return stored, bool(current.deleted)

    def delete(self, resource_type: str, resource_id: str) -> StoredResource | None:
        """Writes a deletion version; None when there was nothing to delete."""
        current = self._lock(resource_type, resource_id)
        if current is None or current.deleted:
            return None
        moment = self.clock()
        stored = StoredResource(
            resource_type, resource_id, current.version_id + 1, instant_text(moment), True, b"{}"
        )
        self._replace_current(stored)
        self._clear_index(resource_type, resource_id)
        self.connection.execute(insert(resource_versions).values(**_version_row(stored, "DELETE")))
        return stored

    def _lock(self, resource_type: str, resource_id: str) -> Any:
        query = (
            select(resources.c.version_id, resources.c.deleted)
            .where(
                resources.c.resource_type == resource_type, resources.c.resource_id == resource_id
            )
            .with_for_update()
        )
        return self.connection.execute(query).first()

    def _stamp(self, resource: dict[str, Any], resource_id: str, version: int) -> StoredResource:
        moment = self.clock()
        last_updated = instant_text(moment)
        meta = {k: v for k, v in resource.get("meta", {}).items() if k not in ("versionId",)}
        meta["versionId"] = str(version)
        meta["lastUpdated"] = last_updated[:23] + "Z"
        resource["id"] = resource_id
        resource["meta"] = meta
        body = orjson.dumps(resource)
        return StoredResource(
            resource["resourceType"], resource_id, version, last_updated, False, body
        )

    def _insert_current(self, stored: StoredResource) -> None:
        self.connection.execute(insert(resources).values(**_current_row(stored)))

    def _replace_current(self, stored: StoredResource) -> None:
        row = _current_row(stored)
        self.connection.execute(
            update(resources)
            .where(
                resources.c.resource_type == stored.resource_type,
                resources.c.resource_id == stored.resource_id,
            )
            .values(**row)
        )

    def _write(
        self,
        stored: StoredResource,
        resource: dict[str, Any],
        method: str,
        fresh: bool,
        index: IndexRows | None = None,
    ) -> None:
        self.connection.execute(insert(resource_versions).values(**_version_row(stored, method)))
        if not fresh:
            self._clear_index(stored.resource_type, stored.resource_id)
        rows = index or extract_index(resource, self.definitions.params(stored.resource_type))
        key = {"resource_type": stored.resource_type, "resource_id": stored.resource_id}
        for kind, table_rows in rows.tables.items():
            self.connection.execute(insert(INDEX_TABLES[kind]), [{**key, **r} for r in table_rows])

    def _clear_index(self, resource_type: str, resource_id: str) -> None:
        for table in INDEX_TABLES.values():
            self.connection.execute(
                delete(table).where(
                    table.c.resource_type == resource_type, table.c.resource_id == resource_id
                )
            )


def _current_row(stored: StoredResource) -> dict[str, Any]:
    return {
        "resource_type": stored.resource_type,
        "resource_id": stored.resource_id,
        "version_id": stored.version_id,
        "last_updated": stored.last_updated,
        "deleted": stored.deleted,
        "body": stored.body,
    }


def _version_row(stored: StoredResource, method: str) -> dict[str, Any]:
    return {**_current_row(stored), "method": method}
