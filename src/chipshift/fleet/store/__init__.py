"""The fleet store: snapshots in SQLite or any SQLAlchemy database, schema versioned with Alembic."""

from chipshift.fleet.store.check import CheckReport, check_store
from chipshift.fleet.store.engine import DB_ENV, LOCK_WAIT_ENV, DatabaseLockedError, default_url, resolve_url
from chipshift.fleet.store.ingest import IngestInput, IngestOptions, IngestOutcome, IngestResult, SnapshotInfo
from chipshift.fleet.store.store import EXPORT_COLUMNS, FleetStore, HistoryPoint

__all__ = [
    "DB_ENV",
    "EXPORT_COLUMNS",
    "LOCK_WAIT_ENV",
    "CheckReport",
    "DatabaseLockedError",
    "FleetStore",
    "HistoryPoint",
    "IngestInput",
    "IngestOptions",
    "IngestOutcome",
    "IngestResult",
    "SnapshotInfo",
    "check_store",
    "default_url",
    "resolve_url",
]
