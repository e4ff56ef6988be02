"""Open the fleet database and bring its schema to the current version with the shipped Alembic migrations.

The default database is a SQLite file in the user's data directory (platformdirs); ``CHIPSHIFT_DB`` or an explicit
URL (any SQLAlchemy URL, e.g. ``postgresql+psycopg://...``) overrides it, and a bare path means a SQLite file there.
SQLite connections take the write lock at the start of every transaction (``BEGIN IMMEDIATE``) and wait up to 30 s
for it, so concurrent processes queue instead of failing or interleaving.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from chipshift.errors import ChipshiftError

if TYPE_CHECKING:  # Alembic is imported when a database is first opened, not with the CLI
    from alembic.config import Config

DB_ENV = "CHIPSHIFT_DB"
VERSION_TABLE = "fleet_alembic_version"
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_WAIT_S = 30


def default_url() -> str:
    """``sqlite:///<user data dir>/chipshift/fleet.sqlite``."""
    return f"sqlite:///{Path(platformdirs.user_data_dir('chipshift')) / 'fleet.sqlite'}"


def resolve_url(url: str | None) -> str:
    """The URL to use: the given one, else ``$CHIPSHIFT_DB``, else the default; a bare path is a SQLite file."""
    chosen = url or os.environ.get(DB_ENV) or default_url()
    return chosen if "://" in chosen else f"sqlite:///{Path(chosen).expanduser().resolve()}"


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_WAIT_S * 1000}")
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | None = None) -> Engine:
    """An engine for the fleet database, with SQLite made safe for several processes."""
    resolved = resolve_url(url)
    try:
        parsed = make_url(resolved)
    except ArgumentError as error:
        raise ChipshiftError(f"not a database URL: {resolved} ({error})") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_WAIT_S})
        _sqlite_setup(engine)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except ModuleNotFoundError as error:
        raise ChipshiftError(
            f"the database driver '{error.name}' is not installed; for PostgreSQL: pip install 'chipshift[postgres]'"
        ) from None


def _alembic_config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest schema revision shipped."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The schema revision of the database, None when it has no fleet tables yet."""
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def upgrade_schema(engine: Engine) -> str:
    """Bring the database to the newest revision inside one transaction (serialised between processes)."""
    from alembic import command

    head = head_revision()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7250931)")
        if current_revision(connection) != head:
            command.upgrade(_alembic_config(connection), "head")
    return head
