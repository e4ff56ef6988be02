"""Garbage is not data: every device record a parser returns is checked before it can be matched or stored.

Parsers read what a source prints; this module decides whether what they read can be a device. Numbers must be
finite and in a plausible range (a negative memory, a NaN price or ``1e400 W`` are refused, not stored or read as
1 W), text must fit the store's columns (a 60 MB host name is refused), a currency is a three-letter code and a
serial names one device. Each refusal is a :class:`LineProblem` naming the line and the field, so the whole file
is refused with every bad line named (exit 2), never an internal error or a ``nan`` share.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from chipshift.fleet.model import DeviceRecord, LineProblem

MAX_COUNT_PER_ROW = 10_000_000
"""Most devices one register row may stand for."""
MAX_MEMORY_MIB = 16 * 1024 * 1024
"""Most memory one device may report (16 TiB)."""
MAX_POWER_W = 1_000_000.0
"""Highest power cap of one device (1 MW: far above any accelerator, even a rack-scale system in one row)."""
MAX_PRICE = 1e12
"""Highest purchase price of one device, in any currency."""
MAX_MIG_INSTANCES = 1000
"""Most MIG or vNPU instances one device may be split into."""
OLDEST_YEAR, NEWEST_YEAR = 1990, 2100
"""Purchase dates outside these years are typing errors."""

TEXT_LIMITS: dict[str, int] = {
    "model": 255,
    "vendor": 128,
    "chip_hint": 128,
    "site": 200,
    "sector": 200,
    "business_unit": 200,
    "host": 255,
    "uuid": 255,
    "bus_id": 64,
    "slot": 64,
    "pci_vendor_id": 8,
    "pci_device_id": 8,
    "currency": 8,
}
"""Longest text of each field, the width of its column in the store."""
FIELD_NAMES = {"power_limit_w": "power_w", "uuid": "serial", "chip_hint": "chip_id", "memory_mib": "memory"}
"""Field names as users know them from registers and docs."""
CURRENCY = re.compile(r"^[A-Z]{3}$")


def _shown(value: object) -> str:
    text = repr(value) if isinstance(value, float) else str(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def _measure_problem(value: float | None, highest: float, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{what} must be a number, not {_shown(value)}"
    if math.isnan(value):
        return f"{what} is not a number (NaN)"
    if math.isinf(value):
        return f"{what} is infinite ({_shown(value)}): not a real figure"
    if value < 0:
        return f"{what} cannot be negative ({value:g})"
    if value > highest:
        return f"{what} of {value:g} is above the plausible ceiling of {highest:g} for one device"
    return None


def _number_problems(record: DeviceRecord) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    checks = (
        ("memory_mib", record.memory_mib, MAX_MEMORY_MIB, "memory (MiB)"),
        ("power_limit_w", record.power_limit_w, MAX_POWER_W, "power (W)"),
        ("price", record.price, MAX_PRICE, "price"),
    )
    for name, value, highest, what in checks:
        problem = _measure_problem(value, highest, what)
        if problem:
            found.append((name, problem))
    count = record.count
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT_PER_ROW:
        found.append(("count", f"count must be a whole number from 0 to {MAX_COUNT_PER_ROW:,}, not {_shown(count)}"))
    elif record.uuid is not None and count > 1:
        found.append(("count", f"a serial or UUID names one device, but the count is {count:,}"))
    if not 0 <= record.mig_instances <= MAX_MIG_INSTANCES:
        found.append(("mig_instances", f"{record.mig_instances:,} MIG instances on one device is not plausible"))
    return found


def _text_problems(record: DeviceRecord) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for name, limit in TEXT_LIMITS.items():
        value = getattr(record, name)
        if value is not None and not isinstance(value, str):
            found.append((name, f"must be text, not {type(value).__name__} {_shown(value)}"))
        elif value is not None and len(value) > limit:
            found.append((name, f"{len(value):,} characters; at most {limit} are kept for this field"))
    if record.currency is not None and not CURRENCY.match(record.currency):
        found.append(("currency", f"currency must be a three-letter code (CNY, USD), not '{_shown(record.currency)}'"))
    bought = record.purchase_date
    if isinstance(bought, date) and not OLDEST_YEAR <= bought.year <= NEWEST_YEAR:
        found.append(("purchase_date", f"purchase date {bought.isoformat()} is outside {OLDEST_YEAR}-{NEWEST_YEAR}"))
    return found


TEXT_ITEMS = tuple(TEXT_LIMITS.items())
NUMBER_ITEMS = (("memory_mib", MAX_MEMORY_MIB), ("power_limit_w", MAX_POWER_W), ("price", MAX_PRICE))


def _plainly_fine(values: dict[str, Any]) -> bool:
    """The quick test that nearly every record passes (the slow one then names what is wrong)."""
    for name, limit in TEXT_ITEMS:
        text = values[name]
        if text is not None and (type(text) is not str or len(text) > limit):
            return False
    for name, highest in NUMBER_ITEMS:
        number = values[name]
        if number is not None and not (type(number) is float and 0 <= number <= highest):
            return False
    count, uuid, currency, bought = values["count"], values["uuid"], values["currency"], values["purchase_date"]
    return (
        type(count) is int
        and 0 <= count <= (1 if uuid is not None else MAX_COUNT_PER_ROW)
        and 0 <= values["mig_instances"] <= MAX_MIG_INSTANCES
        and (currency is None or CURRENCY.match(currency) is not None)
        and (bought is None or OLDEST_YEAR <= bought.year <= NEWEST_YEAR)
    )


def record_problems(record: DeviceRecord) -> list[LineProblem]:
    """Why this record cannot be a device (empty when it can): each problem names the record's line and field."""
    if _plainly_fine(record.__dict__):
        return []
    found = _number_problems(record) + _text_problems(record)
    return [LineProblem(record.line, message, field=FIELD_NAMES.get(name, name)) for name, message in found]
