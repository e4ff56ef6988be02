"""Ingest inventories into the store: all files or none by default, file by file on request, each device once.

One ingest reads every file given. By default it is all-or-nothing: one transaction holds every snapshot, and a file
that cannot be read or has a bad line stores nothing at all (the other files are still read, so every problem is
named at once). ``each=True`` stores file by file, each in its own transaction. Devices stream from the parser into
the database in chunks, so a million-device register is stored without being held in memory.

A device listed twice (the same serial or UUID anywhere, the same slot or bus address on one host) is kept once,
whether the repeat is in the same file or in another file of the same ingest; each file's result says how many of
its devices were merged, and how many are already in the fleet through another source (counted once there).
An ``npu-smi info -m`` mapping is paired with the ``npu-smi info`` table of the same host in the same ingest (see
:mod:`chipshift.fleet.pairing`): the table takes the mapping's chip names, the mapping's chips are merged.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, RowMapping, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from chipshift.catalog import Catalog
from chipshift.errors import ChipshiftError
from chipshift.fleet.inventory import InventoryStream, open_inventory, read_bytes
from chipshift.fleet.model import DeviceRecord, FleetDevice, LineProblem
from chipshift.fleet.pairing import Pairing, pair_npu_outputs, paired_order, scope_index
from chipshift.fleet.store.queries import current_snapshot_ids, has_keys, repeated_elsewhere
from chipshift.fleet.store.schema import devices as devices_table
from chipshift.fleet.store.schema import snapshots as snapshots_table

RECORD_COLUMNS = tuple(f for f in DeviceRecord.__dataclass_fields__)
"""Device columns in the order of :class:`DeviceRecord` fields (rows are built and read positionally)."""
MATCH_COLUMNS = ("chip_id", "match_confidence", "match_method", "designer_country", "reason")
INSERT_COLUMNS = ("snapshot_id", *RECORD_COLUMNS, *MATCH_COLUMNS, "device_key")
MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
VENDOR_AT = RECORD_COLUMNS.index("vendor")
DATE_AT = INSERT_COLUMNS.index("purchase_date")
INSERT_CHUNK = 10_000
"""Device rows sent to the database at a time."""


class IngestOutcome(enum.StrEnum):
    """What an ingest did with one file."""

    STORED = "stored"
    ALREADY_STORED = "already-stored"
    REFUSED = "refused"
    NOT_STORED = "not-stored"


@dataclass(frozen=True)
class IngestInput:
    """One inventory to ingest: a file (or ``-``), or content already read (a local tool's output)."""

    name: str
    """File path, ``-`` for stdin, or a source name such as ``local:npu-smi@host``."""
    data: bytes | None = None
    """The content, when already read; None reads the file (or stdin for ``-``)."""

    def load(self) -> bytes:
        """The content (read once for stdin: the CLI passes stdin's bytes as ``data``)."""
        return self.data if self.data is not None else read_bytes(self.name)


@dataclass(frozen=True)
class IngestOptions:
    """What applies to every file of one ingest."""

    catalog: Catalog
    """Catalog to match devices against."""
    site: str | None = None
    """Site of devices the file does not place."""
    when: datetime | None = None
    """When the inventories were taken (default: now)."""
    encoding: str | None = None
    """Text encoding when not UTF-8."""
    source: str | None = None
    """Source name (default: the one host the file names, else the file name)."""
    strict: bool = False
    """Register columns not understood are errors, not warnings."""


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
    """Devices stored, register counts included."""
    unmatched_count: int
    """Devices not tied to a catalog chip."""
    content_sha256: str
    """Hash of the content."""
    merged_count: int = 0
    """Devices of the file merged into ones listed before (not stored again)."""


@dataclass(frozen=True)
class IngestResult:
    """What happened to one file of an ingest."""

    outcome: IngestOutcome
    """Stored, already stored, refused, or not stored because another file was refused."""
    name: str
    """The file."""
    format: str | None = None
    """Detected format, when it was detected."""
    snapshot: SnapshotInfo | None = None
    """The snapshot stored (or found), None otherwise."""
    device_count: int = 0
    """Devices read and kept (register counts included)."""
    unmatched_count: int = 0
    """Kept devices no catalog chip matched."""
    unmatched: list[str] = field(default_factory=list)
    """Unmatched models, one line each."""
    problems: list[LineProblem] = field(default_factory=list)
    """Bad lines (why it was refused)."""
    error: ChipshiftError | None = None
    """Why the file could not be read at all."""
    warnings: list[LineProblem] = field(default_factory=list)
    """What was read but ignored."""
    merged: list[LineProblem] = field(default_factory=list)
    """The first devices merged into ones listed before."""
    merged_count: int = 0
    """Devices merged into ones listed before, in this file or an earlier file of the ingest."""
    in_other_sources: int = 0
    """Stored devices that other current snapshots also hold (the fleet counts them once)."""
    note: str | None = None
    """A pairing or a repeat, in words."""


def aware(moment: datetime) -> datetime:
    """The moment in UTC; a naive moment is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def snapshot_info(row: RowMapping) -> SnapshotInfo:
    """A snapshot from its table row."""
    return SnapshotInfo(
        id=row["id"],
        source_name=row["source_name"],
        source_key=row["source_key"],
        format=row["format"],
        site=row["site"],
        host=row["host"],
        taken_at=aware(row["taken_at"]),
        ingested_at=aware(row["ingested_at"]),
        device_count=row["device_count"],
        unmatched_count=row["unmatched_count"],
        content_sha256=row["content_sha256"],
        merged_count=row["merged_count"],
    )


def find_snapshot(connection: Connection, sha256: str) -> SnapshotInfo | None:
    """The snapshot of this content, if stored."""
    query = select(snapshots_table).where(snapshots_table.c.content_sha256 == sha256)
    row = connection.execute(query).mappings().first()
    return None if row is None else snapshot_info(row)


RECORD_VALUES = itemgetter(*RECORD_COLUMNS)


def _device_row(snapshot_id: int, device: FleetDevice, key: str | None) -> tuple[Any, ...]:
    values = list(RECORD_VALUES(device.record.__dict__))
    values[VENDOR_AT] = device.vendor or device.record.vendor
    match = (device.chip_id, device.match_confidence, device.match_method.value, device.designer_country, device.reason)
    return (snapshot_id, *values, *match, key)


def _chunks(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, INSERT_CHUNK)):
        yield chunk


def insert_devices(connection: Connection, rows: Iterable[tuple[Any, ...]]) -> None:
    """Device rows in chunks, each one executemany through the driver (SQLAlchemy's per-row binding is slow);
    on PostgreSQL with psycopg, one ``COPY`` stream."""
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        _copy_devices(connection, rows)
        return
    marker = MARKERS.get(connection.dialect.paramstyle)
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in INSERT_COLUMNS)
    markers = ", ".join([marker or "?"] * len(INSERT_COLUMNS))
    statement = f"INSERT INTO {quote(devices_table.name)} ({names}) VALUES ({markers})"
    sqlite = connection.dialect.name == "sqlite"
    for chunk in _chunks(rows):
        if marker is None:
            connection.execute(insert(devices_table), [dict(zip(INSERT_COLUMNS, row, strict=True)) for row in chunk])
            continue
        if sqlite:
            chunk = [row if row[DATE_AT] is None else _iso_date(row) for row in chunk]
        connection.exec_driver_sql(statement, chunk)


def _copy_devices(connection: Connection, rows: Iterable[tuple[Any, ...]]) -> None:
    """Rows through PostgreSQL's ``COPY ... FROM STDIN`` on the transaction's own connection."""
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in INSERT_COLUMNS)
    driver_connection: Any = connection.connection.driver_connection
    with (
        driver_connection.cursor() as cursor,
        cursor.copy(f"COPY {quote(devices_table.name)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _iso_date(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*row[:DATE_AT], row[DATE_AT].isoformat(), *row[DATE_AT + 1 :])


def _basename(name: str) -> str:
    return Path(name).name or name


class Batch:
    """One ingest of several files against one open database."""

    def __init__(self, inputs: Sequence[IngestInput], options: IngestOptions) -> None:
        self.inputs = list(inputs)
        self.options = options
        self.pairs = pair_npu_outputs([(item.name, item.data) for item in self.inputs], options.encoding)
        self.seen: dict[str, str] = {}
        self.hashes: dict[str, str] = {}
        self._hosts: set[str] = set()

    def order(self) -> list[int]:
        """Files in the order given, a paired mapping right after its table (the table's details win)."""
        return paired_order(self.pairs, len(self.inputs))

    def scope_of(self, index: int) -> str:
        """What stands for the host of the file's devices: the --source, else the file (a mapping: its table's)."""
        index = scope_index(self.pairs, index)
        return source_key(self.options.site, self.options.source or _basename(self.inputs[index].name))

    def run(self, connection: Connection, each: bool) -> list[IngestResult]:
        """Ingest every file: one transaction (all or nothing), or one per file with ``each``."""
        results: dict[int, IngestResult] = {}
        failed = False
        transaction = connection.begin()
        for index in self.order():
            if each and not transaction.is_active:
                transaction = connection.begin()
            seen: dict[str, str] = {} if each else self.seen
            result = self.one(connection, index, seen, store=each or not failed)
            results[index] = result
            if result.outcome is IngestOutcome.REFUSED:
                failed = True
                if each:
                    transaction.rollback()
                continue
            if each:
                self.seen.update(seen)
                transaction.commit()
        if each:
            if transaction.is_active:
                transaction.commit()
        elif failed:
            transaction.rollback()
            results = {i: _not_stored(r) for i, r in results.items()}
        else:
            transaction.commit()
        return [results[i] for i in range(len(self.inputs))]

    def one(self, connection: Connection, index: int, seen: dict[str, str], *, store: bool) -> IngestResult:
        """Read one file and, when ``store``, write its snapshot and devices."""
        item = self.inputs[index]
        try:
            data = item.load()
        except ChipshiftError as error:
            return IngestResult(IngestOutcome.REFUSED, item.name, error=error)
        sha = hashlib.sha256(data).hexdigest()
        repeat = self._repeat(connection, item.name, sha)
        if repeat is not None:
            return repeat
        pairing = self.pairs.get(index, Pairing())
        options = self.options
        try:
            stream = open_inventory(
                item.name,
                data,
                catalog=options.catalog,
                site=options.site,
                encoding=options.encoding,
                strict=options.strict,
                scope=self.scope_of(index),
                seen=seen,
                known={} if seen is self.seen else self.seen,
                names=pairing.names,
            )
            del data
            snapshot_id = None
            if store:
                snapshot_id = self._insert_snapshot(connection, stream, sha)
                if snapshot_id is None:
                    return self._repeat(connection, item.name, sha) or IngestResult(IngestOutcome.REFUSED, item.name)
            self._store_devices(connection, stream, snapshot_id)
        except ChipshiftError as error:
            return IngestResult(IngestOutcome.REFUSED, item.name, error=error)
        if stream.problems:
            return _result(IngestOutcome.REFUSED, stream, None, pairing)
        self.hashes[sha] = item.name
        snapshot = self._finish_snapshot(connection, stream, snapshot_id) if snapshot_id is not None else None
        result = _result(IngestOutcome.STORED, stream, snapshot, pairing)
        if snapshot is not None:
            result = _with_repeats(connection, result, snapshot)
        return result

    def _repeat(self, connection: Connection, name: str, sha: str) -> IngestResult | None:
        if sha in self.hashes:
            note = f"the same content as {self.hashes[sha]} in this ingest; counted once"
            return IngestResult(IngestOutcome.ALREADY_STORED, name, note=note)
        existing = find_snapshot(connection, sha)
        if existing is None:
            return None
        note = f"the same content as snapshot {existing.id} ({existing.source_name}); counted once"
        return IngestResult(
            IngestOutcome.ALREADY_STORED, name, existing.format, existing, existing.device_count, note=note
        )

    def _insert_snapshot(self, connection: Connection, stream: InventoryStream, sha: str) -> int | None:
        """The new snapshot's id; None when the same content was stored meanwhile by another process."""
        now = datetime.now(UTC)
        options = self.options
        values = {
            "content_sha256": sha,
            "source_name": str(stream.path),
            "source_key": source_key(options.site, options.source or stream.host or _basename(str(stream.path))),
            "format": stream.format,
            "site": options.site,
            "host": stream.host,
            "taken_at": aware(options.when) if options.when else now,
            "ingested_at": now,
            "device_count": 0,
            "unmatched_count": 0,
            "merged_count": 0,
        }
        try:
            with connection.begin_nested():
                key = connection.execute(insert(snapshots_table).values(**values)).inserted_primary_key
        except IntegrityError:
            return None  # another process stored the same content a moment ago (PostgreSQL lets both try)
        assert key is not None
        return int(key[0])

    def _store_devices(self, connection: Connection, stream: InventoryStream, snapshot_id: int | None) -> None:
        self._hosts = set()
        if snapshot_id is None:
            for _ in stream.devices():
                pass
            return
        rows = (self._row(snapshot_id, device, key) for device, key in stream.devices())
        insert_devices(connection, rows)

    def _row(self, snapshot_id: int, device: FleetDevice, key: str | None) -> tuple[Any, ...]:
        host = device.record.host
        if host is not None and len(self._hosts) < 2:
            self._hosts.add(host)
        return _device_row(snapshot_id, device, key)

    def _finish_snapshot(self, connection: Connection, stream: InventoryStream, snapshot_id: int) -> SnapshotInfo:
        values: dict[str, Any] = {
            "device_count": stream.device_count,
            "unmatched_count": stream.unmatched_count,
            "merged_count": stream.merged_count,
        }
        if stream.host is None and len(self._hosts) == 1:
            host = next(iter(self._hosts))
            values["host"] = host
            if self.options.source is None:
                values["source_key"] = source_key(self.options.site, host)
        connection.execute(update(snapshots_table).where(snapshots_table.c.id == snapshot_id).values(**values))
        row = connection.execute(select(snapshots_table).where(snapshots_table.c.id == snapshot_id)).mappings().one()
        return snapshot_info(row)


def source_key(site: str | None, name: str) -> str:
    """What a snapshot stands for: its site plus its stated source, host or file name."""
    return f"{site or ''}/{name}"


def _result(
    outcome: IngestOutcome, stream: InventoryStream, snapshot: SnapshotInfo | None, pairing: Pairing
) -> IngestResult:
    note = None
    if pairing.partner is not None:
        role = "chip names from" if pairing.names else "the same chips as"
        note = f"npu-smi pair: {role} {pairing.partner} (same NPU and chip ids, no host named)"
    return IngestResult(
        outcome,
        str(stream.path),
        stream.format,
        snapshot,
        stream.device_count,
        stream.unmatched_count,
        stream.unmatched.lines(),
        problems=list(stream.problems),
        warnings=list(stream.warnings),
        merged=list(stream.merged),
        merged_count=stream.merged_count,
        note=note,
    )


def _with_repeats(connection: Connection, result: IngestResult, snapshot: SnapshotInfo) -> IngestResult:
    """The result with the count of its devices that other current sources also hold."""
    others = select(snapshots_table.c.id).where(
        snapshots_table.c.id.in_(current_snapshot_ids(None)), snapshots_table.c.source_key != snapshot.source_key
    )
    if not has_keys(connection, others):
        return result
    count = repeated_elsewhere(connection, snapshot.id, others)
    return result if count == 0 else replace(result, in_other_sources=count)


def _not_stored(result: IngestResult) -> IngestResult:
    if result.outcome is not IngestOutcome.STORED:
        return result
    return replace(result, outcome=IngestOutcome.NOT_STORED, snapshot=None, in_other_sources=0)


def snapshot_count(connection: Connection) -> int:
    """How many snapshots are stored."""
    return int(connection.execute(select(func.count()).select_from(snapshots_table)).scalar_one())
