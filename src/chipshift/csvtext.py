"""CSV text that a spreadsheet opens as data: text that would start a formula is written with a leading quote.

Names in chipshift's CSV come from files the user did not write (registers, tool outputs, user catalogs); Excel,
LibreOffice and Google Sheets run a cell that starts with ``= + - @`` (or a tab or carriage return before one) as
a formula, e.g. ``=HYPERLINK(...)``. Every CSV writer goes through :func:`neutralise` (OWASP's CSV injection advice).
A carriage return inside a text is written as a line feed: Python's CSV writer quotes a field that holds its line
terminator (``\n``) but not a lone ``\r``, which a spreadsheet reads as the end of the row, so that ``a\r=cmd()``
would start a new row with a formula. Numbers are written as they are: a negative number is data, not a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
"""First characters that make a spreadsheet read a cell as a formula (and line breaks, which may hide one)."""


def neutralise(value: Any) -> Any:
    """``value``, with a leading quote when it is text a spreadsheet would run as a formula; text line breaks as
    ``\n`` (which the writer quotes)."""
    if not isinstance(value, str):
        return value
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "'" + value if value.startswith(FORMULA_START) else value


def rows_to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV text of ``rows`` under a header of ``columns`` (other keys left out), every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows({key: neutralise(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()
