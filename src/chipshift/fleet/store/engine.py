"""Open the fleet database safely: refuse what is not a chipshift store, create nothing for a reader, wait for locks.

The default database is a SQLite file in the user's data directory (platformdirs); ``CHIPSHIFT_DB`` or an explicit
URL (any SQLAlchemy URL, e.g. ``postgresql+psycopg://...``) overrides it, and a bare path means a SQLite file there.

- A command that only reads never creates a folder or a database: a missing file is a clear error (exit 2). Only a
  writer creates the file, and only the default location's folder.
- A folder, a file that is not SQLite (garbage, truncated), a database without chipshift's version table, a schema
  newer than this chipshift and an unknown URL scheme are each one clear message, never a driver traceback.
- SQLite runs in WAL mode (readers never wait for a writer); a writer takes the write lock at the start of its
  transaction (``BEGIN IMMEDIATE``) and waits up to ``CHIPSHIFT_DB_LOCK_WAIT`` seconds (30) for it; PostgreSQL
  waits as long for a row or advisory lock (``lock_timeout``). The store retries a locked ingest and then says who
  holds the lock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
)

from chipshift.errors import ChipshiftError, InputFileError

if TYPE_CHECKING:  # Alembic is imported when a database is first opened, not with the CLI
    from alembic.config import Config

DB_ENV = "CHIPSHIFT_DB"
LOCK_WAIT_ENV = "CHIPSHIFT_DB_LOCK_WAIT"
VERSION_TABLE = "fleet_alembic_version"
FLEET_TABLES = ("fleet_snapshots", "fleet_devices")
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
DEFAULT_LOCK_WAIT_S = 30.0
SQLITE_MAGIC = b"SQLite format 3\x00"
URL_HINT = "give a file path, sqlite:///FILE or postgresql+psycopg://USER@HOST/DB"


class DatabaseLockedError(ChipshiftError):
    """Another process held the database's write lock for longer than the wait."""


class NoDatabaseError(ChipshiftError):
    """A command that only reads found no database at the path (none is created for it)."""


def default_url() -> str:
    """``sqlite:///<user data dir>/chipshift/fleet.sqlite``."""
    return f"sqlite:///{default_path()}"


def default_path() -> Path:
    """The default SQLite file."""
    return Path(platformdirs.user_data_dir("chipshift")) / "fleet.sqlite"


def resolve_url(url: str | None) -> str:
    """The URL to use: the given one, else ``$CHIPSHIFT_DB``, else the default; a bare path is a SQLite file."""
    chosen = url or os.environ.get(DB_ENV) or default_url()
    return chosen if "://" in chosen else f"sqlite:///{Path(chosen).expanduser().resolve()}"


def lock_wait_s(value: float | None = None) -> float:
    """Seconds to wait for a lock: the given value, else ``$CHIPSHIFT_DB_LOCK_WAIT``, else 30."""
    if value is not None:
        return value
    text = os.environ.get(LOCK_WAIT_ENV)
    if text is None:
        return DEFAULT_LOCK_WAIT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86_400:
        raise ChipshiftError(f"{LOCK_WAIT_ENV} must be a number of seconds from 0 to 86400, not '{text}'")
    return seconds


def shown(url: str) -> str:
    """The URL for messages, without a password; a SQLite file as its path."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return parsed.database
    return parsed.render_as_string(hide_password=True)


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        raise ChipshiftError(f"not a database URL: '{url}'; {URL_HINT}") from None


def _check_sqlite_file(path: Path, *, create: bool) -> None:
    """Refuse a folder, a missing folder, a missing file for a reader, and a file that is not SQLite."""
    if path.is_dir():
        raise InputFileError(str(path), "is a folder, not a database file; give a file name such as fleet.sqlite")
    if not path.parent.is_dir():
        if create and path == default_path():
            path.parent.mkdir(parents=True, exist_ok=True)
        else:
            raise InputFileError(str(path), f"folder '{path.parent}' does not exist; create it first")
    if not path.exists():
        if not create:
            raise NoDatabaseError(
                f"{path}: no fleet database here yet; 'chipshift fleet ingest FILE --db {path}' creates it"
            )
        return
    if not path.is_file():
        raise InputFileError(str(path), "not a regular file; a fleet database is a SQLite file")
    try:
        with path.open("rb") as stream:
            head = stream.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise InputFileError(str(path), f"cannot read: {error.strerror or error}") from None
    if head and head != SQLITE_MAGIC:
        raise InputFileError(str(path), "not a SQLite database (garbage or truncated); give a chipshift fleet store")


def _sqlite_setup(engine: Engine, wait_s: float, *, writer: bool) -> None:
    """Wait for locks; a writer takes the write lock when its transaction begins, a reader never."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout = {int(wait_s * 1000)}")
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


def make_engine(url: str | None = None, *, create: bool = True, wait_s: float | None = None) -> Engine:
    """An engine for the fleet database; ``create=False`` (readers) refuses to create a file or folder."""
    resolved = resolve_url(url)
    parsed = _parse(resolved)
    wait = lock_wait_s(wait_s)
    if parsed.get_backend_name() == "sqlite":
        memory = not parsed.database or parsed.database == ":memory:"
        if not memory:
            _check_sqlite_file(Path(parsed.database or ""), create=create)
        engine = create_engine(parsed, connect_args={"timeout": wait})
        _sqlite_setup(engine, wait, writer=create)
        return engine
    try:
        engine = create_engine(parsed, pool_pre_ping=True)
    except NoSuchModuleError:
        raise ChipshiftError(
            f"unknown database URL scheme '{parsed.drivername}' in '{shown(resolved)}'; {URL_HINT}"
        ) from None
    except ModuleNotFoundError as error:
        raise ChipshiftError(
            f"the database driver '{error.name}' is not installed; for PostgreSQL: pip install 'chipshift[postgres]'"
        ) from None
    if engine.dialect.name == "postgresql":
        _postgres_setup(engine, wait)
    return engine


def _postgres_setup(engine: Engine, wait_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {int(wait_s * 1000)}")
        dbapi_connection.commit()


def _is_lock(error: DatabaseError) -> bool:
    text = str(error.orig).lower()
    code = getattr(error.orig, "sqlstate", None)
    return "database is locked" in text or "database table is locked" in text or code == "55P03"


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn what a damaged, locked or unreachable database raises into one clear message (exit 2).

    Programming and integrity errors are chipshift's own bugs and pass through.
    """
    try:
        yield
    except (ProgrammingError, IntegrityError):
        raise
    except DatabaseError as error:
        where = shown(url)
        if _is_lock(error):
            raise DatabaseLockedError(f"{where}: the database is locked by another process") from None
        detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        if isinstance(error, OperationalError) and "unable to open" in detail.lower():
            raise InputFileError(where, f"cannot open the database: {detail}") from None
        if isinstance(error, OperationalError) and not _looks_damaged(detail):
            raise ChipshiftError(f"{where}: database error: {detail}") from None
        raise InputFileError(
            where, f"damaged or not a database ({detail}); 'chipshift fleet check' says more; restore a backup"
        ) from None


def _looks_damaged(detail: str) -> bool:
    lowered = detail.lower()
    return any(word in lowered for word in ("malformed", "not a database", "disk image", "corrupt", "no such table"))


def _alembic_config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def known_revisions() -> list[str]:
    """Every schema revision shipped, oldest first."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return [script.revision for script in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]


def head_revision() -> str:
    """The newest schema revision shipped."""
    return known_revisions()[-1]


def current_revision(connection: Connection) -> str | None:
    """The schema revision of the database, None when it has no fleet tables yet."""
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def check_ownership(connection: Connection, url: str) -> str | None:
    """The schema revision of a chipshift store (None when the database is empty); an error for anything else."""
    tables = set(inspect(connection).get_table_names())
    where = shown(url)
    if VERSION_TABLE not in tables:
        if tables & set(FLEET_TABLES):
            raise InputFileError(where, f"has fleet tables but no {VERSION_TABLE} table: not a chipshift fleet store")
        if tables and connection.dialect.name == "sqlite":
            names = ", ".join(sorted(tables)[:5])
            raise InputFileError(where, f"a SQLite database, but not a chipshift fleet store (its tables: {names})")
        return None
    revision = current_revision(connection)
    if revision is None:
        return None
    if revision not in known_revisions():
        raise InputFileError(
            where,
            f"schema revision '{revision}' is not one this chipshift knows (newest {head_revision()}); "
            "it was written by a newer chipshift, or not by chipshift",
        )
    return revision


def upgrade_schema(engine: Engine, url: str | None = None) -> str:
    """Bring the database to the newest revision inside one transaction (serialised between processes)."""
    from alembic import command

    head = head_revision()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7250931)")
        if check_ownership(connection, url or str(engine.url)) != head:
            command.upgrade(_alembic_config(connection), "head")
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        _use_wal(engine)
    return head


def _use_wal(engine: Engine) -> None:
    """Switch a chipshift SQLite store to WAL (kept in the file): readers then never wait for a writer."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()
    finally:
        raw.close()


def schema_state(engine: Engine, url: str) -> str | None:
    """The schema revision of a chipshift store, None when the database is empty (checked, not changed)."""
    with engine.connect() as connection:
        revision = check_ownership(connection, url)
        connection.rollback()
    return revision
