"""Asset registers: a table of devices kept by people, as CSV, YAML or XLSX.

Column names are forgiving: case, spaces, dashes and units in brackets are ignored (``Unit Price (CNY)`` is
``unit_price``), and each column has synonyms in English and Chinese (``COLUMN_SYNONYMS``, documented in
docs/fleet.md). Only a model (or ``chip_id``) column is required. A bad cell makes a :class:`LineProblem` that names
the line and the column; the other rows are still read, but a file with problems is not stored.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import yaml

from chipshift.datafiles import load_yaml
from chipshift.fleet.model import DeviceRecord, LineProblem, ParsedInventory, build_frozen
from chipshift.fleet.parsers.interface import SourceText

COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "model": (
        "model",
        "chip",
        "device",
        "gpu",
        "accelerator",
        "product",
        "product_name",
        "name",
        "型号",
        "芯片",
        "设备型号",
        "芯片型号",
    ),
    "chip_id": ("chip_id", "catalog_id"),
    "vendor": ("vendor", "manufacturer", "make", "厂商", "厂家"),
    "count": ("count", "qty", "quantity", "units", "number", "devices", "数量", "台数"),
    "site": ("site", "location", "datacenter", "data_center", "data_centre", "dc", "plant", "站点", "机房", "地点"),
    "sector": ("sector", "segment", "industry", "行业", "领域"),
    "business_unit": ("business_unit", "bu", "department", "division", "部门", "事业部"),
    "price": ("price", "unit_price", "purchase_price", "price_per_unit", "cost", "单价", "价格", "采购单价"),
    "currency": ("currency", "币种"),
    "purchase_date": ("purchase_date", "date", "purchased", "bought", "acquired", "采购日期", "购买日期"),
    "power_w": ("power_w", "power", "tdp", "tdp_w", "power_limit", "功耗"),
    "host": ("host", "hostname", "server", "主机"),
    "serial": ("serial", "serial_number", "sn", "uuid", "序列号"),
}
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
"""Largest total unpacked size of an XLSX accepted (a zip bomb is refused before openpyxl opens it)."""
FIELD_ORDER = tuple(COLUMN_SYNONYMS)
"""Register fields in the order :meth:`RowReader.read` takes them."""
CURRENCY_SIGNS = {"¥": "CNY", "￥": "CNY", "$": "USD", "€": "EUR"}
PRICE = re.compile(r"^\s*(?P<sign>[¥￥$€])?\s*(?P<number>[\d,]+(?:\.\d+)?)\s*(?P<code>[A-Za-z]{3})?\s*$")


def canonical_column(header: object) -> str | None:
    """The register field a header names, or None (``Unit Price (CNY)`` → ``price``)."""
    text = re.sub(r"[\(\[（].*?[\)\]）]", "", str(header or "")).strip().lower()
    key = re.sub(r"[\s\-./]+", "_", text).strip("_")
    return next((field for field, names in COLUMN_SYNONYMS.items() if key in names), None)


def _header_currency(header: object) -> str | None:
    found = re.search(r"[\(\[（]\s*([A-Za-z]{3})\s*[\)\]）]", str(header or ""))
    return found.group(1).upper() if found else None


class RowReader:
    """Turns one register row (field → raw cell) into a :class:`DeviceRecord` or problems."""

    def __init__(self, default_currency: str | None = None) -> None:
        self.default_currency = default_currency
        self.problems: list[LineProblem] = []

    def read(self, row: Sequence[Any], line: int) -> DeviceRecord | None:
        """The record of one row (cells in ``FIELD_ORDER``), or None when the row is unusable (a problem is kept)."""
        model, chip_id, vendor, count, site, sector, unit, price, currency, bought, power, host, serial = row
        model, chip_id = self._text(model), self._text(chip_id)
        if model is None and chip_id is None:
            self.problems.append(LineProblem(line, "no model or chip_id given", field="model"))
            return None
        before = len(self.problems)
        number, currency = self._price(price, currency, line)
        # Positional in DeviceRecord field order (model, vendor, count, line, pci_vendor_id, pci_device_id, bus_id,
        # uuid, host, memory_mib, power_limit_w, mig_instances, site, sector, business_unit, price, currency,
        # purchase_date, chip_hint): a 100,000-row register is read in a few seconds this way.
        values = (
            model or chip_id,
            self._text(vendor),
            self._count(count, line),
            line,
            None,
            None,
            None,
            self._text(serial),
            self._text(host),
            None,
            self._number(power, line, "power_w"),
            0,
            self._text(site),
            self._text(sector),
            self._text(unit),
            number,
            currency,
            self._date(bought, line),
            chip_id,
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
        if text.isdigit():
            return int(text)
        try:
            count = float(text.replace(",", ""))
        except ValueError:
            count = -1.0
        if count < 0 or count != int(count):
            self.problems.append(LineProblem(line, f"count must be a whole number ≥ 0, not '{text}'", field="count"))
            return 0
        return int(count)

    def _number(self, value: Any, line: int, field: str) -> float | None:
        text = self._text(value)
        if text is None:
            return None
        try:
            return float(text.replace(",", "").removesuffix("W").removesuffix("w").strip())
        except ValueError:
            self.problems.append(LineProblem(line, f"expected a number, not '{text}'", field=field))
            return None

    def _price(self, value: Any, currency: Any, line: int) -> tuple[float | None, str | None]:
        stated = (self._text(currency) or "").upper() or None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value), stated or self.default_currency
        text = self._text(value)
        if text is None:
            return None, stated or self.default_currency
        parsed = parse_price(text)
        if parsed is None:
            message = f"price must be a number, optionally with ¥/$ or a currency code, not '{text}'"
            self.problems.append(LineProblem(line, message, field="price"))
            return None, stated
        number, code = parsed
        return number, code or stated or self.default_currency

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
            self.problems.append(LineProblem(line, f"date must be YYYY-MM-DD, not '{text}'", field="purchase_date"))
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


def _rows_to_records(header: list[object], rows: Iterable[tuple[int, list[Any]]], fmt: str) -> ParsedInventory:
    fields = [canonical_column(h) for h in header]
    currencies = [c for c in (_header_currency(h) for h, f in zip(header, fields, strict=True) if f == "price") if c]
    reader = RowReader(currencies[0] if currencies else None)
    positions = [fields.index(name) if name in fields else None for name in FIELD_ORDER]
    records: list[DeviceRecord] = []
    width = len(fields)
    for line, cells in rows:
        size = len(cells)
        if size > width and not _blank(cells[width:]):
            reader.problems.append(LineProblem(line, f"{size} cells but the header has {width} columns"))
            continue
        row = [None if at is None or at >= size else _clean(cells[at]) for at in positions]
        if row[0] is None and row[1] is None and _blank(cells):
            continue
        record = reader.read(row, line)
        if record is not None:
            records.append(record)
    return ParsedInventory(format=fmt, records=records, problems=reader.problems)


def has_register_header(cells: Iterable[object]) -> bool:
    """Whether a header row names a model or chip_id column."""
    return any(canonical_column(c) in {"model", "chip_id"} for c in cells)


class RegisterCsvParser:
    """An asset register as CSV (comma, semicolon or tab separated)."""

    name = "register-csv"

    def sniff(self, source: SourceText) -> bool:
        first = next((line for line in source.head_lines() if line.strip()), "")
        return any(has_register_header(first.split(sep)) for sep in (",", ";", "\t"))

    def parse(self, source: SourceText) -> ParsedInventory:
        text = source.text or ""
        first = next((line for line in text.splitlines() if line.strip()), "")
        delimiter = max((",", ";", "\t"), key=first.count)
        lines = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        start = next(i for i, cells in enumerate(lines) if any(c.strip() for c in cells))
        rows = ((number, cells) for number, cells in enumerate(lines[start + 1 :], start=start + 2))
        return _rows_to_records(list(lines[start]), rows, self.name)


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
        rows = (
            (line, [(item.get(k, defaults.get(k)) if isinstance(item, dict) else None) for k in header])
            for item, line in zip(items, lines, strict=True)
        )
        return _rows_to_records(header, rows, self.name)


class RegisterXlsxParser:
    """An asset register as an Excel workbook: the first sheet, header on the first non-empty row."""

    name = "register-xlsx"

    def sniff(self, source: SourceText) -> bool:
        return source.data[:4] == b"PK\x03\x04" and (
            source.suffix in {".xlsx", ".xlsm"} or b"xl/" in source.data[:2000]
        )

    def parse(self, source: SourceText) -> ParsedInventory:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            unpacked = sum(item.file_size for item in zipfile.ZipFile(io.BytesIO(source.data)).infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise source.fail(f"workbook unpacks to {unpacked:,} bytes (limit {MAX_UNPACKED_BYTES:,}); refused")
            book = openpyxl.load_workbook(io.BytesIO(source.data), read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
            raise source.fail(f"not a readable XLSX workbook: {error}") from None
        sheet = book.worksheets[0]
        rows = [(number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
        book.close()
        start = next((i for i, (_, cells) in enumerate(rows) if has_register_header(cells)), None)
        if start is None:
            raise source.fail("no header row with a model or chip_id column in the first sheet", line=1)
        return _rows_to_records(list(rows[start][1]), rows[start + 1 :], self.name)
