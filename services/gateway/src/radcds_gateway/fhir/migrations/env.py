"""Alembic environment: migrates the connection handed in by radcds_gateway.fhir.database."""

from alembic import context

from radcds_gateway.fhir.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
