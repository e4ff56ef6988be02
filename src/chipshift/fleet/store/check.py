"""``chipshift fleet check``: is the fleet database whole, at the current schema, and do its counts agree?

Checks, each reported on its own: the database is a chipshift store and its schema revision (the newest this
chipshift ships, or older and upgradable); SQLite's own ``integrity_check`` and ``foreign_key_check``; the journal
mode (WAL is expected); every device row belongs to a snapshot; each snapshot's stored device count equals the
devices it holds. Nothing is written (an older schema is reported, not upgraded).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import DatabaseError

from chipshift.fleet.store.engine import database_errors, head_revision, make_engine, schema_state, shown
from chipshift.fleet.store.schema import devices as devices_table
from chipshift.fleet.store.schema import snapshots as snapshots_table

LISTED = 20
"""Problems named one by one."""


@dataclass
class CheckReport:
    """What ``fleet check`` found."""

    database: str
    """The database, as shown to users (no password)."""
    backend: str
    """``sqlite`` or ``postgresql``."""
    schema_revision: str | None
    """Revision of the database's schema, None when it has no fleet tables yet."""
    head_revision: str
    """Newest revision this chipshift ships."""
    snapshots: int = 0
    """Snapshots stored."""
    device_rows: int = 0
    """Device rows stored (a register row may stand for many devices)."""
    devices: int = 0
    """Devices stored, register counts included."""
    facts: list[str] = field(default_factory=list)
    """What was checked and found well, one line each."""
    problems: list[str] = field(default_factory=list)
    """What is wrong, one line each."""

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {**self.__dict__, "ok": self.ok}


def _sqlite_checks(connection: Connection, report: CheckReport) -> None:
    rows = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check").fetchmany(LISTED)]
    if rows == ["ok"]:
        report.facts.append("SQLite integrity check: ok")
    else:
        report.problems.extend(f"SQLite integrity check: {row}" for row in rows)
    orphans = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchmany(LISTED)
    if orphans:
        report.problems.append(f"SQLite foreign key check: {len(orphans)}+ rows point at missing rows")
    mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    if str(mode).lower() == "wal":
        report.facts.append("journal mode: WAL (readers do not wait for a writer)")
    else:
        report.facts.append(f"journal mode: {mode} (the next ingest switches it to WAL)")


def _count_checks(connection: Connection, report: CheckReport) -> None:
    report.snapshots = int(connection.execute(select(func.count()).select_from(snapshots_table)).scalar_one())
    totals = select(func.count(), func.coalesce(func.sum(devices_table.c["count"]), 0))
    report.device_rows, report.devices = (int(v) for v in connection.execute(totals).one())
    orphans = select(func.count()).where(~devices_table.c.snapshot_id.in_(select(snapshots_table.c.id)))
    orphan_count = int(connection.execute(orphans).scalar_one())
    if orphan_count:
        report.problems.append(f"{orphan_count:,} device rows belong to no snapshot")
    held = (
        select(devices_table.c.snapshot_id, func.sum(devices_table.c["count"]).label("held"))
        .group_by(devices_table.c.snapshot_id)
        .subquery()
    )
    mismatch = (
        select(snapshots_table.c.id, snapshots_table.c.device_count, func.coalesce(held.c.held, 0))
        .outerjoin(held, held.c.snapshot_id == snapshots_table.c.id)
        .where(snapshots_table.c.device_count != func.coalesce(held.c.held, 0))
    )
    for snapshot_id, said, found in connection.execute(mismatch).fetchmany(LISTED):
        report.problems.append(f"snapshot {snapshot_id} says {said:,} devices but holds {found:,}")
    report.facts.append(
        f"{report.snapshots:,} snapshots, {report.device_rows:,} device rows ({report.devices:,} devices)"
    )


def _step(report: CheckReport, name: str, work: Callable[[], None]) -> None:
    try:
        work()
    except DatabaseError as error:
        detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        report.problems.append(f"{name} failed: {detail}")


def check_store(url: str, *, wait_s: float | None = None) -> CheckReport:
    """Check a fleet database without changing it; raises a clear error when it cannot be opened at all."""
    with database_errors(url):
        engine = make_engine(url, create=False, wait_s=wait_s)
        revision = schema_state(engine, url)
    report = CheckReport(shown(url), engine.dialect.name, revision, head_revision())
    try:
        if revision is None:
            report.facts.append("no fleet tables yet (nothing ingested)")
            return report
        if revision == report.head_revision:
            report.facts.append(f"schema revision {revision} (the newest)")
        else:
            report.facts.append(f"schema revision {revision}, older than {report.head_revision}: the next use upgrades")
        with engine.connect() as connection:
            if report.backend == "sqlite":
                _step(report, "SQLite integrity check", lambda: _sqlite_checks(connection, report))
            else:
                report.facts.append(f"page integrity: left to the {report.backend} server")
            _step(report, "count check", lambda: _count_checks(connection, report))
            connection.rollback()
    finally:
        engine.dispose()
    return report
