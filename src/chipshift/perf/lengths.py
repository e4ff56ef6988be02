"""Request lengths from a file: CSV (columns ``input_tokens``, ``output_tokens``, optional ``arrival_s``) or JSON Lines
with the same keys, for ``chipshift size --lengths`` and ``estimate --serve``.

The file is read through :func:`chipshift.files.read_input_text` and once, line by line; at most
:data:`MAX_REQUESTS` requests are read (the serving simulation steps through every one of them). Every error names
the file, the line and the field.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from chipshift.datafiles import load_json
from chipshift.errors import InputFileError
from chipshift.files import MiB, read_input_text
from chipshift.perf.requests import RequestSet

MAX_REQUESTS = 100_000
"""Most requests a lengths file may hold: the simulation steps through each, so more would take minutes."""

MAX_TOKENS = 100_000_000
"""Most tokens a request may have in its prompt or output (far beyond any model's context window)."""

LENGTHS_LIMIT_BYTES = 64 * MiB
"""Largest lengths file read (100,000 requests take about 2 MB as CSV)."""

_Row = tuple[int, int, float | None]


def load_lengths(path: Path) -> RequestSet:
    """The requests of a CSV or JSON Lines lengths file; a trace with ``arrival_s`` keeps its arrival times, sorted.

    Raises :class:`InputFileError` naming the file, line and field for a bad row, and for a file of more than
    :data:`MAX_REQUESTS` requests.
    """
    name = str(path)
    text = read_input_text(path, limit_bytes=LENGTHS_LIMIT_BYTES, what="lengths file")
    lines = _jsonl_rows(name, text) if path.suffix in {".jsonl", ".ndjson"} else _csv_rows(name, text)
    rows = _capped(name, lines)
    if not rows:
        raise InputFileError(name, "no requests")
    inputs = np.array([r[0] for r in rows], dtype=np.int64)
    outputs = np.array([r[1] for r in rows], dtype=np.int64)
    arrivals = [r[2] for r in rows]
    if all(a is None for a in arrivals):
        return RequestSet(path.stem, inputs, outputs)
    if any(a is None for a in arrivals):
        raise InputFileError(name, "arrival_s is given for some requests but not all")
    times = np.array(arrivals, dtype=np.float64)
    order = np.argsort(times, kind="stable")
    return RequestSet(path.stem, inputs[order], outputs[order], times[order] - times.min())


def _capped(name: str, rows: Iterable[tuple[int, _Row]]) -> list[_Row]:
    kept: list[_Row] = []
    for line, row in rows:
        if len(kept) == MAX_REQUESTS:
            raise InputFileError(
                name,
                f"more than {MAX_REQUESTS:,} requests: the serving simulation steps through every request; "
                "sample the trace (every n-th request) or shorten it",
                line=line,
            )
        kept.append(row)
    return kept


def _csv_rows(name: str, text: str) -> Iterator[tuple[int, _Row]]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        missing = {"input_tokens", "output_tokens"} - set(reader.fieldnames or [])
        if missing:
            raise InputFileError(name, f"missing column(s) {', '.join(sorted(missing))}", line=1)
        for row in reader:
            yield reader.line_num, _length_row(name, reader.line_num, row)
    except csv.Error as error:  # a field over 128 KiB
        raise InputFileError(name, f"not readable as CSV: {error}", line=reader.reader.line_num or 1) from None


def _jsonl_rows(name: str, text: str) -> Iterator[tuple[int, _Row]]:
    for line, raw in enumerate(io.StringIO(text), start=1):
        if not raw.strip():
            continue
        try:
            record = load_json(raw, name)
        except InputFileError as error:  # parsed alone, a line is line 1: say which line of the file it is
            raise InputFileError(name, error.problem, line=line) from None
        if not isinstance(record, dict):
            raise InputFileError(name, "expected an object with input_tokens and output_tokens", line=line)
        yield line, _length_row(name, line, record)


def _length_row(name: str, line: int, row: dict[str, Any]) -> _Row:
    values: list[int] = []
    for field in ("input_tokens", "output_tokens"):
        raw = row.get(field)
        value = _whole_number(raw)
        if value is None:
            raise InputFileError(name, f"must be a whole number, not {str(raw)[:40]!r}", line=line, field=field)
        if not 1 <= value <= MAX_TOKENS:
            raise InputFileError(name, f"must be 1 to {MAX_TOKENS:,}, not {value:,}", line=line, field=field)
        values.append(value)
    arrival = row.get("arrival_s")
    if arrival in (None, ""):
        return values[0], values[1], None
    seconds = _number(arrival)
    if not math.isfinite(seconds) or seconds < 0:
        raise InputFileError(
            name, f"must be a finite number of seconds ≥ 0, not {str(arrival)[:40]!r}", line=line, field="arrival_s"
        )
    return values[0], values[1], seconds


def _whole_number(raw: Any) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    try:
        return int(raw.strip()) if isinstance(raw, str) else None
    except ValueError:  # not digits, or more than 4,300 of them
        return None


def _number(raw: Any) -> float:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    try:
        return float(raw) if isinstance(raw, str) else math.nan
    except (ValueError, OverflowError):
        return math.nan
