"""The fleet store: snapshots in SQLite or any SQLAlchemy database, schema versioned with Alembic."""

from chipshift.fleet.store.engine import DB_ENV, default_url, resolve_url
from chipshift.fleet.store.store import FleetStore, HistoryPoint, IngestOutcome, IngestResult, SnapshotInfo

__all__ = [
    "DB_ENV",
    "FleetStore",
    "HistoryPoint",
    "IngestOutcome",
    "IngestResult",
    "SnapshotInfo",
    "default_url",
    "resolve_url",
]
