"""JSON text that every JSON reader accepts: NaN and infinities are written as ``null``, never as ``NaN``.

Python's ``json`` writes ``NaN`` and ``Infinity`` by default, which is not JSON (RFC 8259) and breaks ``jq``, browsers
and most parsers. :func:`dumps` writes them as ``null`` and :func:`count_non_finite` lets the caller say so.
"""

from __future__ import annotations

import json
import math
from typing import Any


def finite(data: Any) -> Any:
    """``data`` with every NaN or infinite float replaced by None (dicts, lists and tuples walked)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: finite(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [finite(value) for value in data]
    return data


def count_non_finite(data: Any) -> int:
    """How many NaN or infinite floats ``data`` holds."""
    if isinstance(data, float):
        return 0 if math.isfinite(data) else 1
    if isinstance(data, dict):
        return sum(count_non_finite(value) for value in data.values())
    if isinstance(data, list | tuple):
        return sum(count_non_finite(value) for value in data)
    return 0


def dumps(data: Any, *, indent: int | None = 2) -> str:
    """Valid JSON text of ``data``: UTF-8 characters kept, non-finite numbers as null, other objects as strings."""
    return json.dumps(finite(data), indent=indent, ensure_ascii=False, allow_nan=False, default=str)
