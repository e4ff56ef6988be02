"""The fleet as SQL: current snapshots, each device counted once, grouped for ratios or streamed for export.

The fleet at a moment is the newest snapshot of each source taken on or before it; among their devices, those that
share an identity key (the same serial, or the same slot or bus address on the same host) are counted once, from
the snapshot stored last. Everything is computed in the database: a million devices are grouped there into a few
hundred rows for the ratios, and exported row by row without being held in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, exists, func, or_, select

from chipshift.fleet.store.schema import devices as devices_table
from chipshift.fleet.store.schema import snapshots as snapshots_table

EXPORT_CHUNK = 5000
"""Rows fetched at a time when streaming an export."""


def current_snapshot_ids(as_of: datetime | None) -> Select[tuple[int]]:
    """The id of the newest snapshot of each source taken on or before ``as_of`` (all of time when None)."""
    s = snapshots_table.alias("s")
    t = snapshots_table.alias("t")
    newer = and_(
        t.c.source_key == s.c.source_key,
        or_(t.c.taken_at > s.c.taken_at, and_(t.c.taken_at == s.c.taken_at, t.c.id > s.c.id)),
    )
    if as_of is not None:
        newer = and_(newer, t.c.taken_at <= as_of)
    query = select(s.c.id).where(~exists(select(t.c.id).where(newer)))
    return query.where(s.c.taken_at <= as_of) if as_of is not None else query


def counted_once(snapshot_ids: Select[tuple[int]]) -> ColumnElement[bool]:
    """Devices of these snapshots, each identity once: a row is left out when a later row has its key."""
    later = devices_table.alias("later")
    return and_(
        devices_table.c.snapshot_id.in_(snapshot_ids),
        or_(
            devices_table.c.device_key.is_(None),
            ~exists(
                select(later.c.id).where(
                    later.c.device_key == devices_table.c.device_key,
                    later.c.id > devices_table.c.id,
                    later.c.snapshot_id.in_(snapshot_ids),
                )
            ),
        ),
    )


def grouped_rows(connection: Connection, where: ColumnElement[bool], keys: Sequence[str]) -> list[tuple[Any, ...]]:
    """The kept devices summed by ``keys`` (the columns a ratio reads), with their device count last."""
    columns = [devices_table.c[name] for name in keys]
    query = select(*columns, func.sum(devices_table.c["count"])).where(where).group_by(*columns)
    return [tuple(row) for row in connection.execute(query)]


def device_rows(connection: Connection, where: ColumnElement[bool], names: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """The kept devices in snapshot and source order with their snapshot id and source name, streamed."""
    query = (
        select(
            *(devices_table.c[name] for name in names),
            snapshots_table.c.id,
            snapshots_table.c.source_name,
        )
        .join(snapshots_table, snapshots_table.c.id == devices_table.c.snapshot_id)
        .where(where)
        .order_by(devices_table.c.snapshot_id, devices_table.c.id)
    )
    result = connection.execution_options(stream_results=True, yield_per=EXPORT_CHUNK).execute(query)
    for row in result:
        yield tuple(row)


def repeated_elsewhere(connection: Connection, snapshot_id: int, others: Select[tuple[int]]) -> int:
    """How many devices of one snapshot also sit (by identity) in the other snapshots given."""
    mine = devices_table.alias("mine")
    theirs = devices_table.alias("theirs")
    query = select(func.count()).where(
        mine.c.snapshot_id == snapshot_id,
        mine.c.device_key.is_not(None),
        exists(
            select(theirs.c.id).where(
                theirs.c.device_key == mine.c.device_key,
                theirs.c.snapshot_id != snapshot_id,
                theirs.c.snapshot_id.in_(others),
            )
        ),
    )
    return int(connection.execute(query).scalar_one())


def has_keys(connection: Connection, snapshot_ids: Select[tuple[int]]) -> bool:
    """Whether any device of these snapshots has an identity key (else nothing can repeat)."""
    query = select(devices_table.c.id).where(
        devices_table.c.snapshot_id.in_(snapshot_ids), devices_table.c.device_key.is_not(None)
    )
    return connection.execute(query.limit(1)).first() is not None
