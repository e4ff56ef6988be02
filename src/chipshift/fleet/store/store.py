"""The fleet store: snapshots of inventories in a database, the fleet as of any date, and its history.

One ingest is one transaction: the snapshot and all its devices are written together or not at all. The same
content ingested again (the same bytes, whatever the options) is recognised by its SHA-256 and not counted twice.
The fleet at a date is the newest snapshot of each source (site plus host, or file name) taken on or before that date.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, func, insert, select
from sqlalchemy.exc import IntegrityError

from chipshift.catalog import Catalog, load_catalog
from chipshift.fleet.inventory import read_inventory, read_inventory_bytes
from chipshift.fleet.model import DeviceRecord, FleetDevice, InventoryRead, LineProblem, MatchMethod, build_frozen
from chipshift.fleet.ratios import RatioReport, compute_ratios
from chipshift.fleet.rules import FleetPolicy
from chipshift.fleet.store.engine import make_engine, resolve_url, upgrade_schema
from chipshift.fleet.store.schema import devices as devices_table
from chipshift.fleet.store.schema import snapshots as snapshots_table

RECORD_COLUMNS = tuple(f.name for f in fields(DeviceRecord))
"""Device columns in the order of :class:`DeviceRecord` fields (rows are built and read positionally)."""


class IngestOutcome(enum.StrEnum):
    """What an ingest did."""

    STORED = "stored"
    ALREADY_STORED = "already-stored"
    REFUSED = "refused"


@dataclass(frozen=True)
class SnapshotInfo:
    """One stored snapshot."""

    id: int
    """Database id."""
    source_name: str
    """File (or ``-``, or ``local:<tool>``) it was read from."""
    source_key: str
    """What the snapshot replaces: site plus host or file name."""
    format: str
    """Detected format."""
    site: str | None
    """Site given at ingest."""
    host: str | None
    """Host the output came from, where known."""
    taken_at: datetime
    """When the inventory was taken (the ingest time unless given)."""
    ingested_at: datetime
    """When it was stored."""
    device_count: int
    """Devices, register counts included."""
    unmatched_count: int
    """Devices not tied to a catalog chip."""
    content_sha256: str
    """Hash of the content."""


@dataclass(frozen=True)
class IngestResult:
    """The outcome of ingesting one inventory."""

    outcome: IngestOutcome
    """Stored, already stored, or refused."""
    read: InventoryRead
    """What was read."""
    snapshot: SnapshotInfo | None = None
    """The snapshot stored (or found), None when refused."""
    problems: list[LineProblem] = field(default_factory=list)
    """Why it was refused."""


@dataclass(frozen=True)
class HistoryPoint:
    """The fleet's ratios as of one snapshot's date."""

    taken_at: datetime
    """Date of the newest snapshot in this state."""
    snapshot_ids: list[int]
    """Snapshots that make up the fleet at that date."""
    report: RatioReport
    """Domestic shares of the fleet then."""


def _aware(moment: datetime) -> datetime:
    """The moment in UTC; a naive moment is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _snapshot(row: RowMapping) -> SnapshotInfo:
    return SnapshotInfo(
        id=row["id"],
        source_name=row["source_name"],
        source_key=row["source_key"],
        format=row["format"],
        site=row["site"],
        host=row["host"],
        taken_at=_aware(row["taken_at"]),
        ingested_at=_aware(row["ingested_at"]),
        device_count=row["device_count"],
        unmatched_count=row["unmatched_count"],
        content_sha256=row["content_sha256"],
    )


MATCH_COLUMNS = ("chip_id", "match_confidence", "match_method", "designer_country", "reason")
INSERT_COLUMNS = ("snapshot_id", *RECORD_COLUMNS, *MATCH_COLUMNS)
LOAD_COLUMNS = (*RECORD_COLUMNS, *MATCH_COLUMNS)
MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
VENDOR_AT = RECORD_COLUMNS.index("vendor")
METHODS = {method.value: method for method in MatchMethod}


def _device_row(snapshot_id: int, device: FleetDevice) -> tuple[Any, ...]:
    values = [getattr(device.record, name) for name in RECORD_COLUMNS]
    values[VENDOR_AT] = device.vendor or device.record.vendor
    match = (device.chip_id, device.match_confidence, device.match_method.value, device.designer_country, device.reason)
    return (snapshot_id, *values, *match)


def _insert_devices(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """One executemany through the driver (SQLAlchemy's per-row parameter building is the slow part at 100k rows)."""
    marker = MARKERS.get(connection.dialect.paramstyle)
    if marker is None:
        connection.execute(insert(devices_table), [dict(zip(INSERT_COLUMNS, row, strict=True)) for row in rows])
        return
    if connection.dialect.name == "sqlite":
        at = INSERT_COLUMNS.index("purchase_date")
        rows = [row if row[at] is None else (*row[:at], row[at].isoformat(), *row[at + 1 :]) for row in rows]
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in INSERT_COLUMNS)
    markers = ", ".join([marker] * len(INSERT_COLUMNS))
    connection.exec_driver_sql(f"INSERT INTO {quote(devices_table.name)} ({names}) VALUES ({markers})", rows)


def _device(row: tuple[Any, ...]) -> FleetDevice:
    width = len(RECORD_COLUMNS)
    record = build_frozen(DeviceRecord, row[:width])
    chip_id, confidence, method, country, reason = row[width:]
    return build_frozen(FleetDevice, (record, chip_id, confidence, METHODS[method], record.vendor, country, reason))


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


def _grouped_device(row: tuple[Any, ...]) -> FleetDevice:
    values = dict(zip(GROUP_COLUMNS, row[:-1], strict=True))
    record = DeviceRecord.quick(count=int(row[-1]), **{k: values[k] for k in GROUP_COLUMNS[:9]})
    method = METHODS[values["match_method"]]
    return build_frozen(
        FleetDevice,
        (
            record,
            values["chip_id"],
            values["match_confidence"],
            method,
            values["vendor"],
            values["designer_country"],
            values["reason"],
        ),
    )


def source_key(read: InventoryRead, site: str | None, source: str | None) -> str:
    """What a snapshot stands for: its site plus its stated source, host or file name."""
    hosts = {d.record.host for d in read.devices if d.record.host}
    name = source or (hosts.pop() if len(hosts) == 1 else Path(str(read.path)).name)
    return f"{site or ''}/{name}"


class FleetStore:
    """Snapshots of the fleet in a database (SQLite by default, any SQLAlchemy URL)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = resolve_url(url)
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        """The engine, created and migrated on first use."""
        if self._engine is None:
            engine = make_engine(self.url)
            upgrade_schema(engine)
            self._engine = engine
        return self._engine

    def close(self) -> None:
        """Release connections."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def ingest(
        self,
        path: Path,
        site: str | None = None,
        when: datetime | None = None,
        *,
        catalog: Catalog | None = None,
        encoding: str | None = None,
        source: str | None = None,
    ) -> IngestResult:
        """Read one inventory file and store it as a snapshot; refused (nothing written) if any line is bad."""
        read = read_inventory(Path(path), catalog=catalog, site=site, encoding=encoding)
        return self.store(read, site=site, when=when, source=source)

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
    ) -> IngestResult:
        """Like :meth:`ingest` for content in memory (stdin, a local tool's output)."""
        read = read_inventory_bytes(name, data, catalog=catalog, site=site, encoding=encoding)
        return self.store(read, site=site, when=when, source=source)

    def store(
        self, read: InventoryRead, *, site: str | None = None, when: datetime | None = None, source: str | None = None
    ) -> IngestResult:
        """Store what was read, in one transaction."""
        if read.problems:
            return IngestResult(IngestOutcome.REFUSED, read, problems=read.problems)
        now = datetime.now(UTC)
        values = {
            "content_sha256": read.content_sha256,
            "source_name": str(read.path),
            "source_key": source_key(read, site, source),
            "format": read.format,
            "site": site,
            "host": next((d.record.host for d in read.devices if d.record.host), None),
            "taken_at": _aware(when) if when else now,
            "ingested_at": now,
            "device_count": read.device_count,
            "unmatched_count": sum(d.count for d in read.unmatched),
        }
        try:
            with self.engine.begin() as connection:
                existing = self._find(connection, read.content_sha256)
                if existing is not None:
                    return IngestResult(IngestOutcome.ALREADY_STORED, read, existing)
                key = connection.execute(insert(snapshots_table).values(**values)).inserted_primary_key
                assert key is not None
                rows = [_device_row(int(key[0]), device) for device in read.devices]
                if rows:
                    _insert_devices(connection, rows)
                stored = self._find(connection, read.content_sha256)
        except IntegrityError:
            with self.engine.connect() as connection:
                existing = self._find(connection, read.content_sha256)
            if existing is None:
                raise
            return IngestResult(IngestOutcome.ALREADY_STORED, read, existing)
        return IngestResult(IngestOutcome.STORED, read, stored)

    @staticmethod
    def _find(connection: Connection, sha256: str) -> SnapshotInfo | None:
        query = select(snapshots_table).where(snapshots_table.c.content_sha256 == sha256)
        row = connection.execute(query).mappings().first()
        return None if row is None else _snapshot(row)

    def snapshots(self) -> list[SnapshotInfo]:
        """Every snapshot, oldest first."""
        with self.engine.connect() as connection:
            query = select(snapshots_table).order_by(snapshots_table.c.taken_at, snapshots_table.c.id)
            return [_snapshot(row) for row in connection.execute(query).mappings()]

    def devices(self, snapshot: int | SnapshotInfo) -> list[FleetDevice]:
        """The devices of one snapshot, in source order."""
        snapshot_id = snapshot.id if isinstance(snapshot, SnapshotInfo) else snapshot
        return self._devices_of([snapshot_id])

    def _devices_of(self, snapshot_ids: list[int]) -> list[FleetDevice]:
        if not snapshot_ids:
            return []
        with self.engine.connect() as connection:
            query = (
                select(*(devices_table.c[name] for name in LOAD_COLUMNS))
                .where(devices_table.c.snapshot_id.in_(snapshot_ids))
                .order_by(devices_table.c.snapshot_id, devices_table.c.id)
            )
            return [_device(tuple(row)) for row in connection.execute(query).all()]

    def current_snapshots(self, as_of: datetime | date | None = None) -> list[SnapshotInfo]:
        """The newest snapshot of each source taken on or before ``as_of`` (default: now)."""
        limit = None
        if as_of is not None:
            limit = as_of if isinstance(as_of, datetime) else datetime.combine(as_of, datetime.max.time())
            limit = _aware(limit)
        newest: dict[str, SnapshotInfo] = {}
        for snapshot in self.snapshots():
            if limit is None or snapshot.taken_at <= limit:
                newest[snapshot.source_key] = snapshot
        return sorted(newest.values(), key=lambda s: s.id)

    def fleet(self, as_of: datetime | date | None = None) -> list[FleetDevice]:
        """Every device of the fleet as of a date: the newest snapshot of each source."""
        return self._devices_of([s.id for s in self.current_snapshots(as_of)])

    def fleet_groups(self, as_of: datetime | date | None = None) -> list[FleetDevice]:
        """The fleet as of a date, identical devices summed into one record each (same ratios, far fewer rows).

        Rows are grouped by everything a ratio reads (chip, vendor, site, sector, business unit, price, power,
        memory, match); serials, bus ids and lines are dropped. ``fleet status`` uses this; ``export`` does not.
        """
        return self._groups_of([s.id for s in self.current_snapshots(as_of)])

    def _groups_of(self, snapshot_ids: list[int]) -> list[FleetDevice]:
        if not snapshot_ids:
            return []
        keys = [devices_table.c[name] for name in GROUP_COLUMNS]
        query = (
            select(*keys, func.sum(devices_table.c["count"]))
            .where(devices_table.c.snapshot_id.in_(snapshot_ids))
            .group_by(*keys)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [_grouped_device(tuple(row)) for row in rows]

    def history(self, *, catalog: Catalog | None = None, policy: FleetPolicy | None = None) -> list[HistoryPoint]:
        """The fleet's ratios after each snapshot date, oldest first."""
        catalog = catalog or load_catalog()
        points: list[HistoryPoint] = []
        for moment in sorted({s.taken_at for s in self.snapshots()}):
            current = self.current_snapshots(moment)
            report = compute_ratios(self._groups_of([s.id for s in current]), catalog, policy=policy)
            points.append(HistoryPoint(moment, [s.id for s in current], report))
        return points

    def snapshot_count(self) -> int:
        """How many snapshots are stored."""
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(snapshots_table)).scalar_one())
