"""Rows of the first worksheet of an XLSX workbook, streamed: a million-row register read in seconds, in little memory.

openpyxl builds a Python object per cell (about 140 µs a row); registers need only values, so this reader walks the
sheet's XML once with ElementTree's C ``iterparse`` and yields each row as a list of values: text (shared or inline),
numbers (``int`` when whole), booleans, and dates for cells whose style is a date format (Excel stores dates as day
numbers). Empty cells are None; a row keeps its spreadsheet row number. A part that declares a DTD (the only way to
define entities: billion laughs, external references) is refused before it is parsed; the small parts (workbook,
styles) are read with defusedxml.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import IO, Any
from xml.etree.ElementTree import iterparse as fast_iterparse

from defusedxml.ElementTree import parse

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
CELL, VALUE, ROW, TEXT, INLINE = MAIN + "c", MAIN + "v", MAIN + "row", MAIN + "t", MAIN + "is"
DATE_FORMAT_IDS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59), *range(71, 82)}
"""Built-in number formats that show a date or time (ECMA-376 and the CJK locale formats)."""
LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
EPOCH_1900, EPOCH_1904 = datetime(1899, 12, 30), datetime(1904, 1, 1)
COLUMN = re.compile(r"[A-Z]+")
PROLOG_BYTES = 65_536
"""How much of a part may come before its root element (an XML declaration, a comment or two)."""
MAX_COLUMNS = 16_384
"""Columns of a worksheet (XFD)."""


def _column_index(reference: str | None, cache: dict[str, int]) -> int | None:
    """``AB12`` → 27 (0-based); None when the cell has no reference."""
    if not reference:
        return None
    letters = COLUMN.match(reference)
    if letters is None:
        return None
    key = letters.group()
    index = cache.get(key)
    if index is None:
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


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    strings: list[str] = []
    for _, element in fast_iterparse(_without_dtd(book, "xl/sharedStrings.xml")):
        if element.tag == MAIN + "si":
            strings.append("".join(t.text or "" for t in element.iter(TEXT)))
            element.clear()
    return strings


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


class SheetReader:
    """The values of the first worksheet of a workbook, row by row."""

    def __init__(self, book: zipfile.ZipFile) -> None:
        self.book = book
        self.path, date1904 = _workbook(book)
        self.epoch = EPOCH_1904 if date1904 else EPOCH_1900
        self.strings = _shared_strings(book)
        self.date_styles = _date_styles(book)
        self.columns: dict[str, int] = {}

    def _value(self, cell: Any) -> Any:
        kind = cell.get("t")
        if kind == "inlineStr":
            return "".join(t.text or "" for t in cell.iter(TEXT))
        found = cell.find(VALUE)
        text = None if found is None else found.text
        if text is None:
            return None
        if kind == "s":
            return self.strings[int(text)]
        if kind in ("str", "e", "d"):
            return text
        if kind == "b":
            return text == "1"
        number: float | int = int(text) if text.lstrip("-").isdigit() else float(text)
        style = cell.get("s")
        if style is not None and int(style) in self.date_styles:
            moment = self.epoch + timedelta(days=float(number))
            return moment.date() if moment.time() == datetime.min.time() else moment
        return number

    def _row(self, element: Any) -> list[Any]:
        cells: list[Any] = []
        for cell in element.iter(CELL):
            index = _column_index(cell.get("r"), self.columns)
            if index is None:
                index = len(cells)
            if index >= MAX_COLUMNS:
                raise ValueError(f"cell {cell.get('r')} is beyond the last column")
            if index > len(cells):
                cells.extend([None] * (index - len(cells)))
            cells.append(self._value(cell))
        return cells

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number, values) of every row that has a cell, in order."""
        number = 0
        with _without_dtd(self.book, self.path) as stream:
            for _, element in fast_iterparse(stream):
                if element.tag != ROW:
                    continue
                stated = element.get("r")
                number = int(stated) if stated and stated.isdigit() else number + 1
                yield number, self._row(element)
                element.clear()
