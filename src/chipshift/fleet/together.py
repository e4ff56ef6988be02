"""Read several inventories as one fleet, in memory: each device once, as an ingest would store it.

What ``chipshift fleet ingest A B C`` does against the database, for callers that need no database (the assess
pipeline): an ``npu-smi info`` table and its ``npu-smi info -m`` mapping are paired, the identity keys of earlier
files are known to later ones (a serial or UUID seen twice is one device), and the same content given twice is read
once. Each file's merges are reported in its :class:`InventoryRead`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from chipshift.catalog import Catalog
from chipshift.fleet.inventory import open_inventory, read_bytes
from chipshift.fleet.model import InventoryRead, LineProblem
from chipshift.fleet.pairing import pair_npu_outputs, paired_order, scope_index


def read_inventories(
    paths: Sequence[Path], *, catalog: Catalog | None = None, encoding: str | None = None
) -> list[InventoryRead]:
    """Every file read, in the order given, with devices already listed by an earlier file merged away."""
    contents = [read_bytes(path) for path in paths]
    pairs = pair_npu_outputs([(str(path), data) for path, data in zip(paths, contents, strict=True)], encoding)
    seen: dict[str, str] = {}
    hashes: dict[str, str] = {}
    reads: dict[int, InventoryRead] = {}
    for index in paired_order(pairs, len(paths)):
        path, data = paths[index], contents[index]
        sha = hashlib.sha256(data).hexdigest()
        if sha in hashes:
            note = LineProblem(None, f"the same content as {hashes[sha]}: read once")
            reads[index] = InventoryRead(path, "repeat", [], [], sha, merged=[note])
            continue
        hashes[sha] = str(path)
        stream = open_inventory(
            str(path),
            data,
            catalog=catalog,
            encoding=encoding,
            scope=Path(paths[scope_index(pairs, index)]).name,
            seen=seen,
            names=pairs[index].names if index in pairs else None,
        )
        devices = [device for device, _ in stream.devices()]
        reads[index] = InventoryRead(
            path=stream.path,
            format=stream.format,
            devices=devices,
            problems=stream.problems,
            content_sha256=sha,
            warnings=stream.warnings,
            merged=stream.merged,
            merged_count=stream.merged_count,
        )
    return [reads[i] for i in range(len(paths))]
