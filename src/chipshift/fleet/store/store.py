"""The fleet store: snapshots of inventories in a database, the fleet as of any date, its history and its health.

Writing (:meth:`FleetStore.ingest_many`) creates the database when needed; reading never does (a missing database is
a clear error). The same content ingested again (the same bytes, whatever the options) is recognised by its SHA-256
and not counted twice; a device in two current snapshots is counted once (see :mod:`.queries`). A locked database
is retried, then reported; a damaged one is reported (``chipshift fleet check`` says more).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from chipshift.catalog import Catalog, load_catalog
from chipshift.errors import ChipshiftError
from chipshift.fleet.model import DeviceRecord, FleetDevice, MatchMethod, build_frozen
from chipshift.fleet.ratios import RatioReport, compute_ratios
from chipshift.fleet.rules import FleetPolicy
from chipshift.fleet.store import queries
from chipshift.fleet.store.engine import (
    DatabaseLockedError,
    database_errors,
    head_revision,
    lock_wait_s,
    make_engine,
    resolve_url,
    schema_state,
    shown,
    upgrade_schema,
)
from chipshift.fleet.store.ingest import (
    MATCH_COLUMNS,
    RECORD_COLUMNS,
    Batch,
    IngestInput,
    IngestOptions,
    IngestOutcome,
    IngestResult,
    SnapshotInfo,
    aware,
    snapshot_count,
    snapshot_info,
)
from chipshift.fleet.store.schema import snapshots as snapshots_table

LOCK_ATTEMPTS = 3
"""Times a locked ingest is tried before giving up."""
LOAD_COLUMNS = (*RECORD_COLUMNS, *MATCH_COLUMNS)
METHODS = {method.value: method for method in MatchMethod}
GROUP_COLUMNS = (
    "model",
    "vendor",
    "site",
    "sector",
    "business_unit",
    "price",
    "currency",
    "power_limit_w",
    "memory_mib",
    *MATCH_COLUMNS,
)
EXPORT_COLUMNS = (*LOAD_COLUMNS, "device_key")
"""Device columns an export streams, before the snapshot id and source name."""


@dataclass(frozen=True)
class HistoryPoint:
    """The fleet's ratios as of one snapshot's date."""

    taken_at: datetime
    """Date of the newest snapshot in this state."""
    snapshot_ids: list[int]
    """Snapshots that make up the fleet at that date."""
    report: RatioReport
    """Domestic shares of the fleet then."""


def _device(row: tuple[Any, ...]) -> FleetDevice:
    width = len(RECORD_COLUMNS)
    record = build_frozen(DeviceRecord, row[:width])
    chip_id, confidence, method, country, reason = row[width : width + 5]
    return build_frozen(FleetDevice, (record, chip_id, confidence, METHODS[method], record.vendor, country, reason))


def _grouped_device(row: tuple[Any, ...]) -> FleetDevice:
    values = dict(zip(GROUP_COLUMNS, row[:-1], strict=True))
    record = DeviceRecord.quick(count=int(row[-1]), **{k: values[k] for k in GROUP_COLUMNS[:9]})
    method = METHODS[values["match_method"]]
    fields = (record, values["chip_id"], values["match_confidence"], method, values["vendor"])
    return build_frozen(FleetDevice, (*fields, values["designer_country"], values["reason"]))


def _moment(as_of: datetime | date | None) -> datetime | None:
    if as_of is None:
        return None
    moment = as_of if isinstance(as_of, datetime) else datetime.combine(as_of, datetime.max.time())
    return aware(moment)


class FleetStore:
    """Snapshots of the fleet in a database (SQLite by default, any SQLAlchemy URL)."""

    def __init__(self, url: str | None = None, *, lock_wait: float | None = None) -> None:
        self.url = resolve_url(url)
        self.lock_wait = lock_wait_s(lock_wait)
        self._writer: Engine | None = None
        self._reader: Engine | None = None
        self._empty = False

    @property
    def engine(self) -> Engine:
        """The engine for writing: the database is created and migrated on first use."""
        if self._writer is None:
            with database_errors(self.url):
                engine = make_engine(self.url, create=True, wait_s=self.lock_wait)
                upgrade_schema(engine, self.url)
            self._writer = self._reader = engine
            self._empty = False
        return self._writer

    def _read_engine(self) -> Engine | None:
        """The engine for reading (None when the database exists but has no fleet tables yet); never creates."""
        if self._reader is None:
            with database_errors(self.url):
                engine = make_engine(self.url, create=False, wait_s=self.lock_wait)
                revision = schema_state(engine, self.url)
            if revision is not None and revision != head_revision():
                engine.dispose()
                return self.engine
            self._reader, self._empty = engine, revision is None
        return None if self._empty else self._reader

    def close(self) -> None:
        """Release connections."""
        for engine in {id(e): e for e in (self._writer, self._reader) if e is not None}.values():
            engine.dispose()
        self._writer = self._reader = None

    def ingest_many(
        self,
        inputs: Sequence[IngestInput],
        options: IngestOptions,
        *,
        each: bool = False,
        on_wait: Callable[[str], None] | None = None,
    ) -> list[IngestResult]:
        """Ingest several files: all or nothing (one transaction), or file by file with ``each``.

        A database locked by another process is tried :data:`LOCK_ATTEMPTS` times (``on_wait`` hears of each wait)
        before a :class:`DatabaseLockedError` says so.
        """
        for attempt in range(1, LOCK_ATTEMPTS + 1):
            try:
                with database_errors(self.url):
                    engine = self.engine
                    with engine.connect() as connection:
                        return Batch(inputs, options).run(connection, each)
            except DatabaseLockedError:
                if attempt == LOCK_ATTEMPTS:
                    break
                if on_wait is not None:
                    on_wait(
                        f"{shown(self.url)} is locked by another process (waited {self.lock_wait:g} s); "
                        f"trying again ({attempt + 1} of {LOCK_ATTEMPTS})"
                    )
        total = self.lock_wait * LOCK_ATTEMPTS
        raise DatabaseLockedError(
            f"{shown(self.url)}: locked by another process for over {total:g} s ({LOCK_ATTEMPTS} tries); nothing "
            "stored. Try again when it has finished, or wait longer with CHIPSHIFT_DB_LOCK_WAIT=SECONDS"
        )

    def ingest(
        self,
        path: Path | str,
        site: str | None = None,
        when: datetime | None = None,
        *,
        catalog: Catalog | None = None,
        encoding: str | None = None,
        source: str | None = None,
        strict: bool = False,
    ) -> IngestResult:
        """Read one inventory file and store it as a snapshot; refused (nothing written) if any line is bad.

        A file that cannot be read at all raises its :class:`ChipshiftError`.
        """
        options = IngestOptions(catalog or load_catalog(), site, when, encoding, source, strict)
        return self._single(IngestInput(str(path)), options)

    def ingest_bytes(
        self,
        name: str,
        data: bytes,
        site: str | None = None,
        when: datetime | None = None,
        *,
        catalog: Catalog | None = None,
        encoding: str | None = None,
        source: str | None = None,
        strict: bool = False,
    ) -> IngestResult:
        """Like :meth:`ingest` for content in memory (stdin, a local tool's output)."""
        options = IngestOptions(catalog or load_catalog(), site, when, encoding, source, strict)
        return self._single(IngestInput(name, data), options)

    def _single(self, item: IngestInput, options: IngestOptions) -> IngestResult:
        result = self.ingest_many([item], options)[0]
        if result.error is not None:
            raise result.error
        return result

    def _read(self, work: Callable[[Any], Any], empty: Any) -> Any:
        engine = self._read_engine()
        if engine is None:
            return empty
        with database_errors(self.url), engine.connect() as connection:
            return work(connection)

    def snapshots(self) -> list[SnapshotInfo]:
        """Every snapshot, oldest first."""
        query = select(snapshots_table).order_by(snapshots_table.c.taken_at, snapshots_table.c.id)
        return self._read(lambda c: [snapshot_info(row) for row in c.execute(query).mappings()], [])

    def snapshot(self, snapshot_id: int) -> SnapshotInfo:
        """One snapshot; an error naming the ids there are when it does not exist."""
        query = select(snapshots_table).where(snapshots_table.c.id == snapshot_id)
        row = self._read(lambda c: c.execute(query).mappings().first(), None)
        if row is None:
            known = self.snapshots()
            ids = f"ids {min(s.id for s in known)} to {max(s.id for s in known)}" if known else "none yet"
            raise ChipshiftError(f"no snapshot {snapshot_id} in {shown(self.url)} (snapshots: {ids})")
        return snapshot_info(row)

    def current_snapshots(self, as_of: datetime | date | None = None) -> list[SnapshotInfo]:
        """The newest snapshot of each source taken on or before ``as_of`` (default: now)."""
        ids = queries.current_snapshot_ids(_moment(as_of))
        query = select(snapshots_table).where(snapshots_table.c.id.in_(ids)).order_by(snapshots_table.c.id)
        return self._read(lambda c: [snapshot_info(row) for row in c.execute(query).mappings()], [])

    def devices(self, snapshot: int | SnapshotInfo) -> list[FleetDevice]:
        """The devices of one snapshot, in source order."""
        snapshot_id = snapshot.id if isinstance(snapshot, SnapshotInfo) else snapshot
        where = queries.devices_table.c.snapshot_id == snapshot_id
        return [_device(row) for row in self._stream(where)]

    def fleet(self, as_of: datetime | date | None = None) -> list[FleetDevice]:
        """Every device of the fleet as of a date (the newest snapshot of each source), each identity once."""
        return [_device(row) for row in self.export_rows(as_of=as_of)]

    def export_rows(
        self, *, snapshot: int | None = None, as_of: datetime | date | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """Rows of :data:`EXPORT_COLUMNS` plus snapshot id and source name, streamed: one snapshot, or the fleet."""
        if snapshot is not None:
            self.snapshot(snapshot)
            return self._stream(queries.devices_table.c.snapshot_id == snapshot)
        return self._stream(queries.counted_once(queries.current_snapshot_ids(_moment(as_of))))

    def _stream(self, where: Any) -> Iterator[tuple[Any, ...]]:
        engine = self._read_engine()
        if engine is None:
            return
        with database_errors(self.url), engine.connect() as connection:
            yield from queries.device_rows(connection, where, EXPORT_COLUMNS)

    def fleet_groups(self, as_of: datetime | date | None = None) -> list[FleetDevice]:
        """The fleet as of a date, identical devices summed into one record each (same ratios, far fewer rows).

        Rows are grouped in the database by everything a ratio reads (chip, vendor, site, sector, business unit,
        price, power, memory, match); each identity counts once. ``fleet status`` uses this; ``export`` does not.
        """
        where = queries.counted_once(queries.current_snapshot_ids(_moment(as_of)))
        rows = self._read(lambda c: queries.grouped_rows(c, where, GROUP_COLUMNS), [])
        return [_grouped_device(row) for row in rows]

    def history(self, *, catalog: Catalog | None = None, policy: FleetPolicy | None = None) -> list[HistoryPoint]:
        """The fleet's ratios after each snapshot date, oldest first."""
        catalog = catalog or load_catalog()
        points: list[HistoryPoint] = []
        for moment in sorted({s.taken_at for s in self.snapshots()}):
            current = self.current_snapshots(moment)
            report = compute_ratios(self.fleet_groups(moment), catalog, policy=policy)
            points.append(HistoryPoint(moment, [s.id for s in current], report))
        return points

    def snapshot_count(self) -> int:
        """How many snapshots are stored."""
        return int(self._read(snapshot_count, 0))


__all__ = ["FleetStore", "HistoryPoint", "IngestInput", "IngestOptions", "IngestOutcome", "IngestResult"]
