"""Register headers: which field a column holds, in which unit or currency, and which columns are not understood.

Headers are matched after folding case, spaces, dashes and dots; each field has synonyms in English and Chinese
(``COLUMN_SYNONYMS``, documented in docs/fleet.md). A unit or currency may follow the name in brackets
(``Unit Price (CNY)``, ``Power (kW)``, ``显存 (GB)``, ``单价（万元）``) or as a suffix (``unit_price_cny``,
``price_usd``, ``power_kw``, ``memory_gb``); numbers are converted to the field's own unit (W, MiB, one currency
unit). A column whose header names no field, or a field already taken by an earlier column, is reported, never
silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

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
    "power_w": ("power", "tdp", "power_limit", "功耗"),
    "host": ("host", "hostname", "server", "主机"),
    "serial": ("serial", "serial_number", "sn", "uuid", "序列号"),
    "memory": ("memory", "mem", "vram", "hbm", "device_memory", "显存", "内存"),
}
"""Register fields and the header names that mean them (after folding)."""
FIELD_ORDER = tuple(COLUMN_SYNONYMS)
"""Register fields in the order the row reader takes them."""

POWER_UNITS = {"w": 1.0, "kw": 1000.0, "瓦": 1.0, "千瓦": 1000.0}
"""Power units and their factor to W."""
MEMORY_UNITS = {
    "mib": 1.0,
    "gib": 1024.0,
    "tib": 1024.0 * 1024,
    "mb": 1e6 / 2**20,
    "gb": 1e9 / 2**20,
    "tb": 1e12 / 2**20,
}
"""Memory units and their factor to MiB (GB is 10⁹ bytes, GiB 2³⁰)."""
CURRENCY_CODES = {
    "cny": "CNY",
    "rmb": "CNY",
    "usd": "USD",
    "eur": "EUR",
    "jpy": "JPY",
    "hkd": "HKD",
    "gbp": "GBP",
    "krw": "KRW",
    "twd": "TWD",
    "sgd": "SGD",
    "aud": "AUD",
    "cad": "CAD",
    "chf": "CHF",
    "inr": "INR",
}
"""Currency codes recognised as a header suffix (``price_usd``); in brackets any three letters are a code."""
CURRENCY_WORDS: dict[str, tuple[str, float]] = {
    "¥": ("CNY", 1.0),
    "￥": ("CNY", 1.0),
    "元": ("CNY", 1.0),
    "万元": ("CNY", 10_000.0),
    "$": ("USD", 1.0),
    "€": ("EUR", 1.0),
}
"""Currency signs and Chinese units in brackets, with their factor (万元 is 10,000 yuan)."""
SUFFIX_UNITS: dict[str, frozenset[str]] = {
    "price": frozenset(CURRENCY_CODES),
    "power_w": frozenset(POWER_UNITS),
    "memory": frozenset(MEMORY_UNITS),
}
"""Fields that take a unit as a header suffix, and the suffixes they take."""
BRACKETS = re.compile(r"[\(\[（【]\s*(.*?)\s*[\)\]）】]")
_FIELD_OF = {name: field for field, names in COLUMN_SYNONYMS.items() for name in names}


@dataclass(frozen=True)
class Column:
    """What one register header means."""

    header: str
    """The header as written."""
    field: str | None
    """Register field, None when the header is not understood."""
    scale: float = 1.0
    """Factor from the column's unit to the field's (kW → W, GB → MiB, 万元 → yuan)."""
    currency: str | None = None
    """Currency the header names, for a price column."""
    note: str | None = None
    """Why the column is ignored, when it is."""


def _fold(text: str) -> str:
    return re.sub(r"[\s\-./]+", "_", text.strip().lower()).strip("_")


def _unit_of(field: str, unit: str) -> tuple[float, str | None] | None:
    """The factor (and currency) a unit gives a field, None when the unit does not fit the field."""
    folded = unit.strip().lower()
    if field == "price":
        if folded in CURRENCY_CODES:
            return 1.0, CURRENCY_CODES[folded]
        if unit.strip() in CURRENCY_WORDS:
            code, factor = CURRENCY_WORDS[unit.strip()]
            return factor, code
        return (1.0, folded.upper()) if re.fullmatch(r"[a-z]{3}", folded) else None
    if field == "power_w":
        return (POWER_UNITS[folded], None) if folded in POWER_UNITS else None
    if field == "memory":
        return (MEMORY_UNITS[folded], None) if folded in MEMORY_UNITS else None
    return 1.0, None


def _with_suffix(key: str) -> tuple[str, str] | None:
    """``unit_price_cny`` → (price, cny), ``power_kw`` → (power_w, kw); None unless the suffix is a unit."""
    base, _, suffix = key.rpartition("_")
    field = _FIELD_OF.get(base)
    units = SUFFIX_UNITS.get(field or "")
    return (field, suffix) if field is not None and units is not None and suffix in units else None


def read_column(header: object) -> Column:
    """What a header means: its field, unit factor and currency, or why it is not understood."""
    raw = "" if header is None else str(header)
    bracket = BRACKETS.search(raw)
    key = _fold(BRACKETS.sub("", raw))
    field, unit = _FIELD_OF.get(key), bracket.group(1) if bracket else None
    if field is None and (suffixed := _with_suffix(key)) is not None:
        field, unit = suffixed[0], unit or suffixed[1]
    if field is None:
        return Column(raw, None, note="not a register field")
    if unit is None:
        if field == "memory":
            return Column(raw, None, note="memory without a unit; write memory_gb, memory_gib or Memory (GB)")
        return Column(raw, field)
    converted = _unit_of(field, unit)
    if converted is None:
        return Column(raw, None, note=f"unit '{unit}' does not fit the {field} field")
    return Column(raw, field, scale=converted[0], currency=converted[1])


def canonical_column(header: object) -> str | None:
    """The register field a header names, or None (``Unit Price (CNY)`` → ``price``)."""
    return read_column(header).field


def read_header(header: Sequence[object]) -> tuple[list[Column], list[str]]:
    """Every column of a header row, and a note for each non-empty one that is ignored (not understood, repeated).

    A field named twice is read from its first column only; the later one is reported.
    """
    columns: list[Column] = []
    ignored: list[str] = []
    taken: set[str] = set()
    for cell in header:
        column = read_column(cell)
        if column.field is not None and column.field in taken:
            column = Column(column.header, None, note=f"repeats the {column.field} field of an earlier column")
        if column.field is None:
            if column.header.strip():
                ignored.append(f"'{column.header.strip()[:60]}' ({column.note})")
        else:
            taken.add(column.field)
        columns.append(column)
    return columns, ignored


def has_register_header(cells: Sequence[object]) -> bool:
    """Whether a header row names a model or chip_id column."""
    return any(canonical_column(c) in {"model", "chip_id"} for c in cells)
