"""Asset registers: a table of devices kept by people, as CSV, YAML or XLSX.

Headers are read by :mod:`~chipshift.fleet.parsers.register_columns` (synonyms in English and Chinese, units and
currencies in brackets or as suffixes). Only a model (or ``chip_id``) column is required; a column that is not
understood is named in a warning (an error under ``--strict``). A bad cell makes a :class:`LineProblem` that names
the line and the column; the other rows are still read, but a file with problems is not stored. CSV and XLSX rows
are read as they are iterated, so a million-row register never sits in memory as one list.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from xml.etree.ElementTree import ParseError

import yaml
from defusedxml import DefusedXmlException

from chipshift.datafiles import load_yaml
from chipshift.fleet.model import DeviceRecord, LineProblem, ParsedInventory, build_frozen
from chipshift.fleet.parsers.interface import SourceText
from chipshift.fleet.parsers.register_columns import (
    COLUMN_SYNONYMS,
    FIELD_ORDER,
    MEMORY_UNITS,
    POWER_UNITS,
    Column,
    canonical_column,
    has_register_header,
    read_header,
)
from chipshift.fleet.parsers.xlsx_sheet import SheetReader

MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
"""Largest total unpacked size of an XLSX accepted (a zip bomb is refused before openpyxl opens it)."""
WORKBOOK_ERRORS = (
    ParseError,
    DefusedXmlException,
    LookupError,  # KeyError, IndexError, and a part declaring an encoding Python does not know
    ValueError,
    OSError,
    zipfile.BadZipFile,
    RecursionError,
)
"""What a damaged or hostile workbook raises while it is read."""
HEADER_SEARCH_ROWS = 50
"""Rows of a workbook searched for the header row."""
CURRENCY_SIGNS = {"¥": "CNY", "￥": "CNY", "$": "USD", "€": "EUR"}
PRICE = re.compile(
    r"^\s*(?P<sign>[¥￥$€])?\s*(?P<number>[\d,]+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*(?P<code>[A-Za-z]{3})?\s*$"
)
MEASURE = re.compile(
    r"^\s*(?P<number>[-+]?(?:[\d,]+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf|infinity))"
    r"\s*(?P<unit>[A-Za-z]*)\s*$",
    re.IGNORECASE,
)
UNITS = {"power_w": POWER_UNITS, "memory": MEMORY_UNITS}

__all__ = ["COLUMN_SYNONYMS", "canonical_column", "has_register_header"]


class RowReader:
    """Turns one register row (field → raw cell) into a :class:`DeviceRecord` or problems."""

    def __init__(self, columns: Sequence[Column]) -> None:
        by_field = {c.field: c for c in columns if c.field is not None}
        price = by_field.get("price")
        self.default_currency = price.currency if price else None
        self.scales = {name: column.scale for name, column in by_field.items()}
        self.problems: list[LineProblem] = []

    def read(self, row: Sequence[Any], line: int) -> DeviceRecord | None:
        """The record of one row (cells in ``FIELD_ORDER``), or None when the row is unusable (a problem is kept)."""
        model, chip_id, vendor, count, site, sector, unit, price, currency, bought, power, host, serial, memory = row
        text = self._text
        model, chip_id = text(model), text(chip_id)
        if model is None and chip_id is None:
            self.problems.append(LineProblem(line, "no model or chip_id given", field="model"))
            return None
        before = len(self.problems)
        number, currency = self._price(price, currency, line)
        # Positional in DeviceRecord field order (model, vendor, count, line, pci_vendor_id, pci_device_id, bus_id,
        # uuid, host, memory_mib, power_limit_w, mig_instances, site, sector, business_unit, price, currency,
        # purchase_date, chip_hint, slot): a million-row register is read in seconds this way.
        values = (
            model or chip_id,
            vendor if vendor is None or type(vendor) is str else text(vendor),
            self._count(count, line),
            line,
            None,
            None,
            None,
            serial if serial is None or type(serial) is str else text(serial),
            host if host is None or type(host) is str else text(host),
            self._measure(memory, line, "memory"),
            self._measure(power, line, "power_w"),
            0,
            site if site is None or type(site) is str else text(site),
            sector if sector is None or type(sector) is str else text(sector),
            unit if unit is None or type(unit) is str else text(unit),
            number,
            currency,
            self._date(bought, line),
            chip_id,
            None,
        )
        record = build_frozen(DeviceRecord, values)
        return record if len(self.problems) == before else None

    @staticmethod
    def _text(value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        text = str(value).strip()
        return text or None

    def _count(self, value: Any, line: int) -> int:
        text = self._text(value)
        if text is None:
            return 1
        if text.isdecimal():
            return int(text)
        try:
            count = float(text.replace(",", ""))
        except ValueError:
            count = math.nan
        if not math.isfinite(count) or count < 0 or count != int(count):
            self.problems.append(
                LineProblem(line, f"count must be a whole number ≥ 0, not '{text[:40]}'", field="count")
            )
            return 0
        return int(count)

    def _measure(self, value: Any, line: int, field: str) -> float | None:
        """A power or memory figure in the field's unit: the cell's own unit (``0.4 kW``) wins over the header's."""
        text = self._text(value)
        if text is None:
            return None
        found = MEASURE.match(text)
        unit = (found.group("unit") or "").lower() if found else ""
        if found is None or (unit and unit not in UNITS[field]):
            units = ", ".join(UNITS[field])
            self.problems.append(
                LineProblem(line, f"expected a number (units: {units}), not '{text[:40]}'", field=field)
            )
            return None
        scale = UNITS[field][unit] if unit else self.scales.get(field, 1.0)
        return float(found.group("number").replace(",", "")) * scale

    def _price(self, value: Any, currency: Any, line: int) -> tuple[float | None, str | None]:
        stated = (self._text(currency) or "").upper() or None
        scale = self.scales.get("price", 1.0)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value) * scale, stated or self.default_currency
        text = self._text(value)
        if text is None:
            return None, stated or self.default_currency
        parsed = parse_price(text)
        if parsed is None:
            message = f"price must be a number, optionally with ¥/$ or a currency code, not '{text[:40]}'"
            self.problems.append(LineProblem(line, message, field="price"))
            return None, stated
        number, code = parsed
        return number * scale, code or stated or self.default_currency

    def _date(self, value: Any, line: int) -> date | None:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = self._text(value)
        if text is None:
            return None
        parsed = parse_date(text)
        if parsed is None:
            message = f"date must be YYYY-MM-DD, not '{text[:40]}'"
            self.problems.append(LineProblem(line, message, field="purchase_date"))
        return parsed


@lru_cache(maxsize=4096)
def parse_price(text: str) -> tuple[float, str | None] | None:
    """``¥105,000`` → (105000.0, 'CNY'); ``25000 USD`` → (25000.0, 'USD'); None when not a price."""
    match = PRICE.match(text)
    if not match:
        return None
    code = (match.group("code") or "").upper() or CURRENCY_SIGNS.get(match.group("sign") or "")
    return float(match.group("number").replace(",", "")), code


@lru_cache(maxsize=4096)
def parse_date(text: str) -> date | None:
    """YYYY-MM-DD (also with / or ., or YYYY-MM, or YYYY); None when not a date."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    for shape in ("%Y/%m/%d", "%Y-%m", "%Y.%m.%d", "%Y"):
        try:
            return datetime.strptime(text, shape).date()
        except ValueError:
            continue
    return None


def _clean(cell: Any) -> Any:
    """A cell with surrounding space removed; empty text is None."""
    if isinstance(cell, str):
        return cell.strip() or None
    return cell


def _blank(cells: Sequence[Any]) -> bool:
    return all(_clean(cell) is None for cell in cells)


def _records(reader: RowReader, columns: list[Column], rows: Iterable[tuple[int, list[Any]]]) -> Iterator[DeviceRecord]:
    fields = [c.field for c in columns]
    positions = [fields.index(name) if name in fields else None for name in FIELD_ORDER]
    width = len(fields)
    for line, cells in rows:
        size = len(cells)
        if size > width and not _blank(cells[width:]):
            reader.problems.append(LineProblem(line, f"{size} cells but the header has {width} columns"))
            continue
        row = [None if at is None or at >= size else cells[at] for at in positions]
        row = [(cell.strip() or None) if type(cell) is str else cell for cell in row]
        if row[0] is None and row[1] is None and _blank(cells):
            continue
        record = reader.read(row, line)
        if record is not None:
            yield record


def rows_to_records(
    header: Sequence[object], rows: Iterable[tuple[int, list[Any]]], fmt: str, *, header_line: int
) -> ParsedInventory:
    """Register rows (line, cells) under a header, read lazily into records; ignored columns become warnings."""
    columns, ignored = read_header(header)
    reader = RowReader(columns)
    warnings = []
    if ignored:
        warnings.append(LineProblem(header_line, "columns not understood, ignored: " + ", ".join(ignored)))
    return ParsedInventory(
        format=fmt, records=_records(reader, columns, rows), problems=reader.problems, warnings=warnings
    )


def _lines(text: str) -> Iterator[str]:
    """The lines of a text with their ends, one at a time (``io.StringIO`` would hold a 4-byte-per-character copy)."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _csv_rows(source: SourceText, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of every CSV row; an unreadable row (a field over the CSV limit) is an error."""
    reader = csv.reader(_lines(source.text or ""), delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            problem = f"a CSV field longer than {csv.field_size_limit():,} characters; no register cell is that long"
        else:
            problem = f"unreadable CSV: {error}"
        raise source.fail(problem, line=start) from None


class RegisterCsvParser:
    """An asset register as CSV (comma, semicolon or tab separated)."""

    name = "register-csv"

    def sniff(self, source: SourceText) -> bool:
        first = next((line for line in source.head_lines() if line.strip()), "")
        return any(has_register_header(first.split(sep)) for sep in (",", ";", "\t"))

    def parse(self, source: SourceText) -> ParsedInventory:
        first = next((line for line in source.head_lines() if line.strip()), "")
        delimiter = max((",", ";", "\t"), key=first.count)
        rows = _csv_rows(source, delimiter)
        for line, cells in rows:
            if any(c.strip() for c in cells):
                return rows_to_records(cells, rows, self.name, header_line=line)
        raise source.fail("register with no header row", line=1)


def _yaml_items(source: SourceText) -> tuple[list[Any], list[int], dict[str, Any]]:
    data, node = load_yaml(source.text or "", source.name)
    defaults: dict[str, Any] = {}
    if isinstance(data, dict) and isinstance(data.get("devices"), list) and isinstance(node, yaml.MappingNode):
        defaults = {k: v for k, v in data.items() if k != "devices" and not isinstance(v, list | dict)}
        node = next(v for k, v in node.value if k.value == "devices")
        data = data["devices"]
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise source.fail("expected a list of devices, or a mapping with a 'devices' list", line=1)
    return data, [item.start_mark.line + 1 for item in node.value], defaults


class RegisterYamlParser:
    """An asset register as YAML: a list of mappings, or ``devices:`` with defaults (site, sector) beside it."""

    name = "register-yaml"

    def sniff(self, source: SourceText) -> bool:
        head = (source.text or "").lstrip()[:200]
        return source.suffix in {".yaml", ".yml"} or head.startswith(("devices:", "- model:", "- chip"))

    def parse(self, source: SourceText) -> ParsedInventory:
        items, lines, defaults = _yaml_items(source)
        header: list[Any] = []
        for item in items:
            for key in item if isinstance(item, dict) else []:
                if key not in header:
                    header.append(key)
        header += [k for k in defaults if k not in header]
        rows = [
            (line, [(item.get(k, defaults.get(k)) if isinstance(item, dict) else None) for k in header])
            for item, line in zip(items, lines, strict=True)
        ]
        return rows_to_records(header, rows, self.name, header_line=1)


def _worksheet_rows(source: SourceText, rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    """The remaining rows of the sheet; a damaged sheet is an error naming the row after the last one read."""
    number = 0
    try:
        for number, values in rows:
            yield number, values
    except WORKBOOK_ERRORS as error:
        raise source.fail(f"damaged worksheet: {error}", line=number + 1) from None


class RegisterXlsxParser:
    """An asset register as an Excel workbook: the first sheet, header on the first row that names a model column."""

    name = "register-xlsx"

    def sniff(self, source: SourceText) -> bool:
        return source.data[:4] == b"PK\x03\x04" and (
            source.suffix in {".xlsx", ".xlsm"} or b"xl/" in source.data[:2000]
        )

    def parse(self, source: SourceText) -> ParsedInventory:
        try:
            rows = SheetReader(_open_workbook(source)).rows()
            for number, values in rows:
                if has_register_header(values):
                    remaining = _worksheet_rows(source, rows)
                    return rows_to_records(values, remaining, self.name, header_line=number)
                if number >= HEADER_SEARCH_ROWS:
                    break
        except WORKBOOK_ERRORS as error:
            raise source.fail(f"not a readable XLSX workbook: {error}") from None
        raise source.fail(
            f"no header row with a model or chip_id column in the first {HEADER_SEARCH_ROWS} rows", line=1
        )


def _open_workbook(source: SourceText) -> zipfile.ZipFile:
    """The workbook's zip archive, refused when it would unpack to more than :data:`MAX_UNPACKED_BYTES`."""
    book = zipfile.ZipFile(io.BytesIO(source.data))
    unpacked = sum(item.file_size for item in book.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise source.fail(f"workbook unpacks to {unpacked:,} bytes (limit {MAX_UNPACKED_BYTES:,}); refused")
    return book
