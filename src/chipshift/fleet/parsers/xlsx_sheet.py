"""Rows of the first worksheet of an XLSX workbook, streamed: a million-row register read in seconds, in little memory.

openpyxl builds a Python object per cell (about 140 µs a row); registers need only values, so this reader yields each
row as a list of values: text (shared or inline), numbers (``int`` when whole), booleans, and dates for cells whose
style is a date format (Excel stores dates as day numbers). Empty cells are None; a row keeps its spreadsheet row
number. Rows in the plain shape spreadsheet programs write are read whole by :mod:`~.xlsx_plain` (after expat has
checked their bytes); any other sheet is walked once with ElementTree's C parser, calling a small target without
building elements. A part that declares a DTD (the only way to define entities: billion laughs, external references)
is refused before it is parsed; the small parts (workbook, styles) are read with defusedxml.
"""

from __future__ import annotations

import re
import zipfile
from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import islice
from typing import IO, Any
from xml.etree.ElementTree import XMLParser

from defusedxml.ElementTree import parse

from chipshift.fleet.parsers.xlsx_plain import BLOCK_BYTES, NotPlain, PlainRows

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
TEXT_KINDS = frozenset({"inlineStr", "str", "e", "d"})
"""Cell types whose value is their text (inline strings, formula strings, errors, ISO dates)."""
CELL, VALUE, ROW, TEXT, PHONETIC = MAIN + "c", MAIN + "v", MAIN + "row", MAIN + "t", MAIN + "rPh"
SHARED_STRING = MAIN + "si"
DATE_FORMAT_IDS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59), *range(71, 82)}
"""Built-in number formats that show a date or time (ECMA-376 and the CJK locale formats)."""
LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
EPOCH_1900, EPOCH_1904 = datetime(1899, 12, 30), datetime(1904, 1, 1)
COLUMN = re.compile(r"[A-Z]{1,3}")
DIGITS = "0123456789"
PROLOG_BYTES = 65_536
"""How much of a part may come before its root element (an XML declaration, a comment or two)."""
MAX_COLUMNS = 16_384
"""Columns of a worksheet (XFD)."""


def _column_index(reference: str | None, cache: dict[str, int]) -> int | None:
    """``AB12`` → 27 (0-based); None when the cell has no reference or a malformed one."""
    if not reference:
        return None
    key = reference.rstrip(DIGITS)
    index = cache.get(key)
    if index is None:
        if not COLUMN.fullmatch(key):
            return None
        index = 0
        for letter in key:
            index = index * 26 + ord(letter) - 64
        index = cache[key] = index - 1
    return index


def _is_date_format(code: str) -> bool:
    stripped = LITERALS.sub("", code).lower()
    return stripped != "general" and any(letter in stripped for letter in "dmyhs")


def _workbook(book: zipfile.ZipFile) -> tuple[str, bool]:
    """The path of the first worksheet and whether the workbook counts days from 1904."""
    root = parse(book.open("xl/workbook.xml"), forbid_dtd=True)
    properties = root.find(MAIN + "workbookPr")
    date1904 = properties is not None and properties.get("date1904") in {"1", "true"}
    first = root.find(f"{MAIN}sheets/{MAIN}sheet")
    target = "worksheets/sheet1.xml"
    if first is not None and "xl/_rels/workbook.xml.rels" in book.namelist():
        wanted = first.get(RELATIONSHIP)
        rels = parse(book.open("xl/_rels/workbook.xml.rels"), forbid_dtd=True)
        target = next((r.get("Target", target) for r in rels.iter(PACKAGE_RELS) if r.get("Id") == wanted), target)
    return (target.lstrip("/") if target.startswith("/") else f"xl/{target}"), date1904


def _without_dtd(book: zipfile.ZipFile, name: str) -> IO[bytes]:
    """A part of the workbook, opened once its prolog is known to declare no DTD (so it defines no entity)."""
    with book.open(name) as stream:
        head = stream.read(PROLOG_BYTES)
    root = re.search(rb"<[A-Za-z_]", head)
    prolog = head if root is None else head[: root.start()]
    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog or (root is None and len(head) == PROLOG_BYTES):
        raise ValueError(f"{name} declares a DTD or entities; refused")
    return book.open(name)


class _StringsTarget:
    """Receives ``sharedStrings.xml`` from the C parser: a string per ``<si>``, its runs joined, phonetics left out."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.text: list[str] = []
        self.collecting = False
        self.phonetic = False

    def start(self, tag: str, _attributes: dict[str, str]) -> None:
        if tag == TEXT:
            self.collecting = not self.phonetic
        elif tag == PHONETIC:
            self.phonetic = True

    def data(self, text: str) -> None:
        if self.collecting:
            self.text.append(text)

    def end(self, tag: str) -> None:
        if tag == TEXT:
            self.collecting = False
        elif tag == PHONETIC:
            self.phonetic = False
        elif tag == SHARED_STRING:
            self.strings.append("".join(self.text))
            self.text = []

    def close(self) -> None:
        return None


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    target = _StringsTarget()
    parser = XMLParser(target=target)
    with _without_dtd(book, "xl/sharedStrings.xml") as stream:
        while chunk := stream.read(BLOCK_BYTES):
            parser.feed(chunk)
    parser.close()
    return target.strings


def _date_styles(book: zipfile.ZipFile) -> set[int]:
    """Indices of the cell styles that show dates."""
    if "xl/styles.xml" not in book.namelist():
        return set()
    root = parse(book.open("xl/styles.xml"), forbid_dtd=True)
    custom = {int(f.get("numFmtId", "-1")): f.get("formatCode", "") for f in root.iter(MAIN + "numFmt")}
    styles = root.find(MAIN + "cellXfs")
    found: set[int] = set()
    for index, style in enumerate([] if styles is None else list(styles)):
        number_format = int(style.get("numFmtId", "0"))
        if number_format in DATE_FORMAT_IDS or _is_date_format(custom.get(number_format, "General")):
            found.add(index)
    return found


class _SheetTarget:
    """Receives the worksheet's elements from the C parser and keeps the finished rows' values."""

    def __init__(self, reader: SheetReader) -> None:
        self.reader = reader
        self.rows: list[tuple[int, list[Any]]] = []
        self.number = 0
        self.cells: list[Any] = []
        self.kind: str | None = None
        self.reference: str | None = None
        self.style: str | None = None
        self.text: list[str] = []
        self.collecting = False
        self.phonetic = False

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        if tag == CELL:
            self.kind, self.reference, self.style = attributes.get("t"), attributes.get("r"), attributes.get("s")
            self.text = []
        elif tag in (VALUE, TEXT):
            self.collecting = not self.phonetic
        elif tag == ROW:
            stated = attributes.get("r")
            self.number = int(stated) if stated and stated.isdecimal() else self.number + 1
            self.cells = []
        elif tag == PHONETIC:
            self.phonetic = True

    def data(self, text: str) -> None:
        if self.collecting:
            self.text.append(text)

    def end(self, tag: str) -> None:
        if tag in (VALUE, TEXT):
            self.collecting = False
        elif tag == CELL:
            self._place(self.reader.value(self.kind, "".join(self.text) if self.text else None, self.style))
        elif tag == ROW:
            self.rows.append((self.number, self.cells))
        elif tag == PHONETIC:
            self.phonetic = False

    def _place(self, value: Any) -> None:
        if self.reference is None:
            self.cells.append(value)
        else:
            self.reader.place(self.cells, self.reference, value, self.number)

    def close(self) -> None:
        return None


class SheetReader:
    """The values of the first worksheet of a workbook, row by row."""

    def __init__(self, book: zipfile.ZipFile) -> None:
        self.book = book
        self.path, date1904 = _workbook(book)
        self.epoch = EPOCH_1904 if date1904 else EPOCH_1900
        self.strings = _shared_strings(book)
        self.date_styles = _date_styles(book)
        self.columns: dict[str, int] = {}

    def value(self, kind: str | None, text: str | None, style: str | None) -> Any:
        """A cell's value from its type, text and style."""
        if kind in TEXT_KINDS:
            return text
        if text is None:
            return None
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return text == "1"
        number: float | int = int(text) if text.isdecimal() else float(text)
        if style is not None and int(style) in self.date_styles:
            return self._moment(number)
        return number

    def _moment(self, days: float) -> Any:
        """The date (or date and time) a day number shows; a number no calendar reaches (1e300, NaN) stays a number,
        for the register to name its line and column."""
        try:
            moment = self.epoch + timedelta(days=float(days))
        except (OverflowError, ValueError):
            return days
        return moment.date() if moment.time() == datetime.min.time() else moment

    def place(self, cells: list[Any], reference: str, value: Any, row: int) -> None:
        """Put a cell's value in its column of the row (None in the columns skipped before it)."""
        index = _column_index(reference, self.columns)
        if index is None or index == len(cells):
            cells.append(value)
            return
        if index >= MAX_COLUMNS or index < len(cells):
            raise ValueError(f"cell {reference} is out of place in row {row}")
        cells.extend([None] * (index - len(cells)))
        cells.append(value)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number, values) of every row, in order: read as plain rows while the sheet is plain, else by events.

        Where the sheet stops being plain, the event parser reads it again from the start and goes on after the rows
        already given (the plain reader gives only rows the event parser reads alike).
        """
        given = 0
        try:
            with _without_dtd(self.book, self.path) as stream:
                for row in PlainRows(self).rows(stream):
                    yield row
                    given += 1
            return
        except NotPlain:
            pass
        rows = self.parsed_rows()
        deque(islice(rows, given), maxlen=0)
        yield from rows

    def parsed_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """The rows as the event parser reads them (any sheet; the reference for the plain reader)."""
        target = _SheetTarget(self)
        parser = XMLParser(target=target)
        with _without_dtd(self.book, self.path) as stream:
            while chunk := stream.read(BLOCK_BYTES):
                parser.feed(chunk)
                yield from target.rows
                target.rows = []
        parser.close()
        yield from target.rows
