"""``gpustack-runtime detect --format json``: a normalised list of devices, one object per device.

Keys used: ``manufacturer``, ``name``, ``uuid``, ``memory`` (MiB), ``power`` (cap, W) and ``appendix.bdf``; the
format is gpustack's own, not a vendor tool's, but it covers many vendors in one shape.
"""

from __future__ import annotations

import json
from typing import Any

from chipshift.fleet.model import DeviceRecord, ParsedInventory
from chipshift.fleet.parsers.interface import SourceText, masked
from chipshift.fleet.reference import reference_data


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _string(value: Any) -> str | None:
    """Text as given; a number becomes its text; anything else (a list, an object) is not a value here."""
    if isinstance(value, str):
        return value
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class RuntimeDetectJsonParser:
    """gpustack-runtime device detection JSON."""

    name = "gpustack-runtime-json"

    def sniff(self, source: SourceText) -> bool:
        head = (source.text or "").lstrip()[:2000]
        return head.startswith("[") and '"manufacturer"' in head

    def parse(self, source: SourceText) -> ParsedInventory:
        try:
            data = json.loads(source.text or "")
        except json.JSONDecodeError as error:
            raise source.fail(f"not valid JSON: {error.msg}", line=error.lineno) from None
        except RecursionError:
            raise source.fail("JSON nested too deeply to be a device list") from None
        if not isinstance(data, list):
            raise source.fail("expected a JSON list of devices")
        manufacturers = reference_data().manufacturers
        records: list[DeviceRecord] = []
        for item in data:
            if not isinstance(item, dict):
                raise source.fail("expected every list item to be an object")
            appendix = item.get("appendix") if isinstance(item.get("appendix"), dict) else {}
            name = item.get("name") if isinstance(item.get("name"), str) else None
            maker = str(item.get("manufacturer") or "").lower()
            vendor = manufacturers.get(maker)
            records.append(
                DeviceRecord(
                    model=None if masked(name) else name,
                    vendor=vendor.name if vendor else maker or None,
                    pci_vendor_id=vendor.pci_vendor_id if vendor else None,
                    uuid=_string(item.get("uuid")),
                    bus_id=_string(appendix.get("bdf")) if isinstance(appendix, dict) else None,
                    memory_mib=_number(item.get("memory")),
                    power_limit_w=_number(item.get("power")),
                )
            )
        return ParsedInventory(format=self.name, records=records)
