"""Reads of a resource's current version for the HTTP read path, the hottest one.

On SQLite the lookup runs on the event loop: a primary-key read from a WAL database takes
tens of microseconds, less than the hop to a worker thread, and WAL readers never wait on
writers. On PostgreSQL it runs in a worker thread, since it waits on the network.
"""

import sqlite3
from typing import Protocol

from starlette.concurrency import run_in_threadpool

from radcds_gateway.fhir.outcome import FhirError, not_found
from radcds_gateway.fhir.repository import FhirRepository
from radcds_gateway.fhir.stored import StoredResource

CURRENT_SQL = (
    "SELECT version_id, last_updated, deleted, body FROM resources"
    " WHERE resource_type = ? AND resource_id = ?"
)


class CurrentReader(Protocol):
    async def read(self, resource_type: str, resource_id: str) -> StoredResource: ...
    def close(self) -> None: ...


class SqliteCurrentReader:
    def __init__(self, path: str) -> None:
        # Used from the event loop's thread only.
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._connection.execute("PRAGMA query_only = ON")
        self._connection.execute("PRAGMA busy_timeout = 5000")

    async def read(self, resource_type: str, resource_id: str) -> StoredResource:
        row = self._connection.execute(CURRENT_SQL, (resource_type, resource_id)).fetchone()
        if row is None:
            raise not_found(resource_type, resource_id)
        version_id, last_updated, deleted, body = row
        if deleted:
            raise FhirError("deleted", f"{resource_type}/{resource_id} was deleted", status=410)
        return StoredResource(resource_type, resource_id, version_id, last_updated, False, body)

    def close(self) -> None:
        self._connection.close()


class ThreadedCurrentReader:
    def __init__(self, repository: FhirRepository) -> None:
        self._repository = repository

    async def read(self, resource_type: str, resource_id: str) -> StoredResource:
        return await run_in_threadpool(self._repository.read, resource_type, resource_id)

    def close(self) -> None:
        return None


def current_reader(repository: FhirRepository) -> SqliteCurrentReader | ThreadedCurrentReader:
    path = repository.database.sqlite_path
    if path is not None:
        return SqliteCurrentReader(path)
    return ThreadedCurrentReader(repository)
