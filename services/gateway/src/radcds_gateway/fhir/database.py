"""Engines for the repository's database, SQLite or PostgreSQL, migrated on open."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Database:
    """`reader` serves reads and searches; `writer` runs write transactions.

    For SQLite they are two engines: the writer starts its transactions with
    BEGIN IMMEDIATE so that concurrent writers queue on the file lock instead of
    failing on a lock upgrade. For PostgreSQL they are the same engine.
    """

    reader: Engine
    writer: Engine

    @property
    def sqlite_path(self) -> str | None:
        """The database file, for SQLite on a file; None otherwise."""
        if self.writer.dialect.name != "sqlite":
            return None
        database = self.writer.url.database
        return database if database and database != ":memory:" else None

    def dispose(self) -> None:
        self.reader.dispose()
        self.writer.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_engine(url: str, *, writer: bool) -> Engine:
    # The driver's own transaction handling is off; readers run each statement on its own
    # (autocommit), writers open their transactions explicitly.
    engine = create_engine(url, connect_args={"check_same_thread": False, "isolation_level": None})
    event.listen(engine, "connect", _sqlite_pragmas)
    if writer:

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _driver_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def open_database(url: str) -> Database:
    """Opens the database at `url` and brings its schema up to date."""
    url = _driver_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        db = Database(_sqlite_engine(url, writer=False), _sqlite_engine(url, writer=True))
    else:
        engine = create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
        db = Database(engine, engine)
    migrate(db.writer)
    return db


def migrate(engine: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
