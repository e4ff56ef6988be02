"""Pair the two outputs of ``npu-smi`` that describe one host: ``npu-smi info`` (the table) and ``npu-smi info -m``.

Neither names its host, and both list the same chips by NPU and chip id. In one ingest, a mapping is paired with the
table whose chips have exactly its ids; when several tables do (identical servers), the one whose file name shares
the longest start with the mapping's wins (``X.txt`` and ``X_mapping.txt``). The table then takes the mapping's chip
names for its masked ones, and the mapping's chips take the table's scope, so that they are merged into the table's
instead of being counted a second time.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chipshift.errors import ChipshiftError
from chipshift.fleet.inventory import decode, read_bytes
from chipshift.fleet.parsers.interface import masked
from chipshift.fleet.parsers.npu_smi import NpuSmiParser

PAIRING_LIMIT_BYTES = 4 * 1024 * 1024
"""Files larger than this are not looked at (tool outputs are a few KB)."""


def _basename(name: str) -> str:
    return Path(name).name or name


def _common_prefix(a: str, b: str) -> int:
    """Characters the two file names share from their start (a mapping file is usually named after its table)."""
    first, second = _basename(a), _basename(b)
    return next(
        (i for i, (x, y) in enumerate(zip(first, second, strict=False)) if x != y), min(len(first), len(second))
    )


@dataclass
class _NpuOutput:
    index: int
    name: str
    slots: dict[str, str | None]
    is_table: bool


def _npu_output(index: int, name: str, data: bytes | None, encoding: str | None) -> _NpuOutput | None:
    """The chips of an npu-smi output (slot → printed name), None for any other file."""
    try:
        if data is None and (name == "-" or os.path.getsize(name) > PAIRING_LIMIT_BYTES):
            return None
        source = decode(name, data if data is not None else read_bytes(name), encoding)
        parser = NpuSmiParser()
        if source.text is None or not parser.sniff(source):
            return None
        parsed = parser.parse(source)
    except (ChipshiftError, OSError):
        return None
    slots = {r.slot: r.model for r in parsed.records if r.slot is not None}
    return _NpuOutput(index, name, slots, parsed.format == "npu-smi-info") if slots else None


@dataclass(frozen=True)
class Pairing:
    """What one file of an npu-smi pair takes from the other."""

    table: int | None = None
    """For the mapping: the position of its table among the inputs (its chips take the table's scope)."""
    names: dict[str, str] = field(default_factory=dict)
    """Chip names by slot, for the table."""
    partner: str | None = None
    """The other file of the pair."""


def pair_npu_outputs(inputs: Sequence[tuple[str, bytes | None]], encoding: str | None) -> dict[int, Pairing]:
    """Pair each ``npu-smi info -m`` mapping with the ``npu-smi info`` table of the same chips, if there is one.

    ``inputs`` are (name, content or None to read the file); the answer is keyed by their position.
    """
    outputs = [found for i, (name, data) in enumerate(inputs) if (found := _npu_output(i, name, data, encoding))]
    tables = [o for o in outputs if o.is_table]
    pairs: dict[int, Pairing] = {}
    for mapping in (o for o in outputs if not o.is_table):
        candidates = [t for t in tables if t.index not in pairs and set(t.slots) == set(mapping.slots)]
        if not candidates:
            continue
        table = max(candidates, key=lambda t: _common_prefix(t.name, mapping.name))
        names = {slot: name for slot, name in mapping.slots.items() if name is not None and not masked(name)}
        pairs[table.index] = Pairing(names=names, partner=mapping.name)
        pairs[mapping.index] = Pairing(table=table.index, partner=table.name)
    return pairs


def paired_order(pairs: dict[int, Pairing], count: int) -> list[int]:
    """Positions in the order given, a paired mapping right after its table (the table's details win)."""
    mappings = {i for i, p in pairs.items() if p.table is not None}
    order: list[int] = []
    for index in range(count):
        if index in mappings:
            continue
        order.append(index)
        partner = next((m for m in mappings if pairs[m].table == index), None)
        if partner is not None:
            order.append(partner)
    return order


def scope_index(pairs: dict[int, Pairing], index: int) -> int:
    """The file that stands for the host of a file's devices: a paired mapping's table, else itself."""
    pairing = pairs.get(index)
    return pairing.table if pairing is not None and pairing.table is not None else index
