"""Assembles the FHIR repository and mounts its API on the gateway's FastAPI app."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from radcds_gateway.fhir.access import AuthPolicy
from radcds_gateway.fhir.api.capability import capability_statement
from radcds_gateway.fhir.api.responses import install_error_handlers
from radcds_gateway.fhir.api.routes import router
from radcds_gateway.fhir.audit import audit_index
from radcds_gateway.fhir.audit_trail import AuditTrail
from radcds_gateway.fhir.current_reader import current_reader
from radcds_gateway.fhir.database import Database, open_database
from radcds_gateway.fhir.definitions import load_definitions
from radcds_gateway.fhir.repository import FhirRepository
from radcds_gateway.fhir.service import FhirService


@dataclass
class FhirComponents:
    database: Database
    repository: FhirRepository
    audit: AuditTrail
    service: FhirService

    def close(self) -> None:
        self.audit.stop()
        self.service.reader.close()
        self.database.dispose()


def open_fhir(database_url: str) -> FhirComponents:
    """Opens (and migrates) the repository and starts its audit writer."""
    database = open_database(database_url)
    repository = FhirRepository(database, load_definitions())

    def write_audit_batch(events: list[dict[str, Any]]) -> None:
        with database.writer.begin() as connection:
            repository.writer(connection).create_many([(e, audit_index(e)) for e in events])

    audit = AuditTrail(repository.patients_by_resource, write_audit_batch)
    audit.start()
    reader = current_reader(repository)
    return FhirComponents(database, repository, audit, FhirService(repository, audit, reader))


def fhir_database_check(components: FhirComponents) -> Callable[[], Awaitable[bool]]:
    """Readiness: the database answers a query."""

    def ping() -> bool:
        try:
            with components.database.reader.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    async def check() -> bool:
        return await asyncio.to_thread(ping)

    return check


def mount_fhir(app: FastAPI, components: FhirComponents, auth_policy: AuthPolicy) -> None:
    today = datetime.now(UTC).date().isoformat()
    definitions = components.repository.definitions
    app.state.fhir_service = components.service
    app.state.fhir_auth_policy = auth_policy
    app.state.fhir_capability = capability_statement(definitions, version("radcds-gateway"), today)
    install_error_handlers(app)
    app.include_router(router)
