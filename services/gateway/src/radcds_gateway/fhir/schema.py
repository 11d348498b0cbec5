"""Tables of the FHIR repository. Migrations in migrations/ create and change them."""

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)

metadata = MetaData()

KEY = 64
TEXT = 512
INSTANT = 26


def _resource_key() -> list[Column[str]]:
    return [
        Column("resource_type", String(KEY), nullable=False),
        Column("resource_id", String(KEY), nullable=False),
    ]


# The current version of each resource; deleted resources keep a row with deleted=True.
resources = Table(
    "resources",
    metadata,
    *_resource_key(),
    Column("version_id", Integer, nullable=False),
    Column("last_updated", String(INSTANT), nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Index("resources_pk", "resource_type", "resource_id", unique=True),
    Index("resources_updated", "resource_type", "last_updated"),
)

# Every version ever written, the current one included.
resource_versions = Table(
    "resource_versions",
    metadata,
    *_resource_key(),
    Column("version_id", Integer, nullable=False),
    Column("last_updated", String(INSTANT), nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("method", String(8), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Index("resource_versions_pk", "resource_type", "resource_id", "version_id", unique=True),
)


def _index_table(name: str, *columns: Column[object], lookup: tuple[str, ...]) -> Table:
    return Table(
        name,
        metadata,
        *_resource_key(),
        Column("param", String(KEY), nullable=False),
        *columns,
        Index(f"{name}_lookup", "resource_type", "param", *lookup),
        Index(f"{name}_owner", "resource_type", "resource_id"),
    )


index_string = _index_table("index_string", Column("value", String(TEXT)), lookup=("value",))
index_token = _index_table(
    "index_token",
    Column("system", String(TEXT)),
    Column("code", String(TEXT)),
    lookup=("code", "system"),
)
index_reference = _index_table(
    "index_reference",
    Column("target_type", String(KEY)),
    Column("target_id", String(KEY)),
    Column("url", String(TEXT)),
    lookup=("target_id", "target_type"),
)
index_date = _index_table(
    "index_date",
    Column("low", String(INSTANT)),
    Column("high", String(INSTANT)),
    lookup=("low", "high"),
)
index_quantity = _index_table(
    "index_quantity",
    Column("value", Float),
    Column("system", String(TEXT)),
    Column("code", String(TEXT)),
    lookup=("value",),
)
index_uri = _index_table("index_uri", Column("value", String(TEXT)), lookup=("value",))

INDEX_TABLES: dict[str, Table] = {
    "string": index_string,
    "token": index_token,
    "reference": index_reference,
    "date": index_date,
    "quantity": index_quantity,
    "uri": index_uri,
}
