"""Tables that fit the terminal: ids and numbers are never cut, free text wraps, and when even that is too wide,
whole columns are left out (the caller names them under the table): free text first, then numbers, never an id.

A column's kind comes from how it was declared: ``no_wrap`` and left-justified is an id (a chip id, a site, an export
class: something a user types or looks up), ``no_wrap`` and right-justified is a number, anything else free text.
A header wider than its column's cells breaks between words, never inside one.
"""

from __future__ import annotations

import copy
import enum

from rich.padding import Padding
from rich.table import Column, Table
from rich.text import Text

TEXT_MIN_WIDTH = 10
"""Narrowest a free-text column is made before columns are left out (longer words fold)."""


class ColumnKind(enum.Enum):
    """What a column holds, for fitting."""

    ID = "id"
    NUMBER = "number"
    TEXT = "text"


def column_kind(column: Column) -> ColumnKind:
    """An id, a number or free text, from the column's declaration (see the module docstring)."""
    if not column.no_wrap:
        return ColumnKind.TEXT
    return ColumnKind.NUMBER if column.justify == "right" else ColumnKind.ID


def _lines(cell: object) -> list[str]:
    if isinstance(cell, Text):
        return cell.plain.splitlines() or [""]
    if isinstance(cell, str):
        try:
            return Text.from_markup(cell).plain.splitlines() or [""]
        except Exception:  # not valid markup: printed as it is
            return cell.splitlines() or [""]
    return [""]


def _width(cell: object) -> int:
    return max(Text(line).cell_len for line in _lines(cell))


def _longest_word(cell: object) -> int:
    return max((Text(word).cell_len for line in _lines(cell) for word in line.split()), default=0)


def _header_lines(header: str, width: int) -> str:
    """``header`` broken between words into lines of at most ``width`` cells (a longer word keeps its own line)."""
    lines: list[str] = []
    for word in header.split():
        if lines and Text(f"{lines[-1]} {word}").cell_len <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def _need(column: Column) -> int:
    """Cells the column's content needs at least: every id or number whole, free text down to a short width."""
    cells = list(column.cells)
    header_word = _longest_word(column.header)
    if column_kind(column) is ColumnKind.TEXT:
        word = max((_longest_word(c) for c in cells), default=0)
        return max(1, min(TEXT_MIN_WIDTH, max(word, header_word)))
    return max(1, header_word, *(_width(c) for c in cells))


def _chrome(table: Table, columns: int) -> int:
    """Cells taken by padding and borders around ``columns`` columns."""
    _, right, _, left = Padding.unpack(table.padding)
    padding = (left + right) * columns
    if not table.pad_edge and columns:
        padding -= left + right
    borders = (columns - 1 + (2 if table.show_edge else 0)) if table.box else 0
    return padding + max(borders, 0)


def _width_of(table: Table, needs: list[int], kept: list[bool]) -> int:
    return sum(n for n, k in zip(needs, kept, strict=True) if k) + _chrome(table, sum(kept))


def _droppable(kinds: list[ColumnKind], kept: list[bool]) -> int | None:
    """Index of the next column to leave out: the rightmost free text, else the rightmost number."""
    for wanted in (ColumnKind.TEXT, ColumnKind.NUMBER):
        for index in range(len(kinds) - 1, -1, -1):
            if kept[index] and kinds[index] is wanted:
                return index
    return None


def fit_table(table: Table, width: int | None) -> tuple[Table, list[str]]:
    """A copy of ``table`` that fits ``width`` cells, and the headers of the columns left out to make it fit.

    Ids and numbers get their whole width (their headers break between words); free text wraps and folds; when
    the narrowest layout is still too wide, columns are left out, free text first, then numbers, never an id.
    """
    fitted = copy.copy(table)
    fitted.columns = [copy.copy(column) for column in table.columns]
    kinds = [column_kind(column) for column in fitted.columns]
    needs = [_need(column) for column in fitted.columns]
    kept = [True] * len(kinds)
    spare = 0
    if width:
        while (spare := width - _width_of(table, needs, kept)) < 0:
            index = _droppable(kinds, kept)
            if index is None:
                break
            kept[index] = False
    for column, kind, need, keep in zip(fitted.columns, kinds, needs, kept, strict=True):
        if kind is ColumnKind.TEXT:
            column.overflow = "fold"
        elif keep:
            header = _width(column.header) if isinstance(column.header, str) else need
            grown = need + max(0, min(spare, header - need)) if width else max(need, header)
            spare -= grown - need
            column.min_width = grown
            if isinstance(column.header, str):
                column.header = _header_lines(column.header, grown)
    left_out = [_plain(column.header) for column, k in zip(table.columns, kept, strict=True) if not k]
    fitted.columns = [column for column, k in zip(fitted.columns, kept, strict=True) if k]
    for index, column in enumerate(fitted.columns):
        column._index = index  # rich pads the first and last column by position
    return fitted, left_out


def _plain(header: object) -> str:
    return " ".join(" ".join(_lines(header)).split())


DASH = "—"
"""What an unknown figure is printed as."""


def figure_text(value: float | int | None) -> str:
    """A figure one way in every table: whole numbers grouped (``1,307``, ``44``), others whole from 100 up, with one
    decimal from 1 (``2.5``), two significant digits below 1 (``0.47``); a dash when unknown."""
    if value is None or isinstance(value, bool):
        return DASH if value is None else ("yes" if value else "no")
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        return DASH
    size = abs(number)
    if size >= 100 or number.is_integer():
        return f"{number:,.0f}"
    if size >= 1:
        return f"{number:,.1f}"
    return f"{number:.2g}"


def id_column(table: Table, header: str) -> None:
    """Add a column of ids (never cut, never wrapped)."""
    table.add_column(header, no_wrap=True, justify="left")


def number_column(table: Table, header: str) -> None:
    """Add a column of numbers (never cut, right-aligned; the unit belongs in the header)."""
    table.add_column(header, no_wrap=True, justify="right")


def text_column(table: Table, header: str) -> None:
    """Add a column of free text (wraps, folds a long word)."""
    table.add_column(header, overflow="fold")
