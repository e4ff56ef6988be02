"""Hygon DCU and AMD tools: ``rocm-smi --json`` / ``hy-smi --json``, the ``rocm-smi``/``hy-smi`` table, ``rocminfo``.

The JSON has one object per card (``card0``) with keys whose case varies by version (``Card Series``, ``Card
series``, ``Device ID``, ``vram Total Memory (MiB)``); hy-smi is known to print text around the JSON, so the
outermost ``{...}`` is read. The DTK table (``DCU  Temp  AvgPwr ... PwrCap``, or ``HCU`` in newer hy-smi) names no
model, so its devices are Hygon devices of unknown model. ``rocminfo`` lists HSA agents; only GPU and DCU agents
are devices.
"""

from __future__ import annotations

import json
import re
from typing import Any

from chipshift.fleet.model import DeviceRecord, ParsedInventory
from chipshift.fleet.parsers.interface import SourceText, first_number, hex_id, masked

HYGON_WORDS = ("haiguang", "hygon")
TABLE_HEADER = re.compile(r"^\s*(DCU|HCU|GPU)\s+Temp\s+AvgPwr\b.*$")


def _lookup(card: dict[str, Any], *wanted: str) -> str | None:
    folded = {str(k).strip().lower(): v for k, v in card.items()}
    for key in wanted:
        value = folded.get(key.lower())
        if value not in (None, "", "N/A"):
            return str(value)
    return None


def _vendor(text: str | None) -> tuple[str | None, str | None]:
    lowered = (text or "").lower()
    if any(word in lowered for word in HYGON_WORDS):
        return "Hygon", "1d94"
    if "amd" in lowered or "advanced micro devices" in lowered:
        return "AMD", "1002"
    return text, None


def _memory_mib(card: dict[str, Any]) -> float | None:
    """``vram Total Memory (MiB)``, or ``VRAM Total Memory (B)`` in bytes (newer rocm-smi) converted to MiB."""
    mib = first_number(_lookup(card, "vram Total Memory (MiB)"))
    if mib is not None:
        return mib
    total_bytes = first_number(_lookup(card, "VRAM Total Memory (B)"))
    return None if total_bytes is None else total_bytes / 2**20


def _card_record(key: str, card: dict[str, Any]) -> DeviceRecord:
    vendor, vendor_id = _vendor(_lookup(card, "Card Vendor", "Card vendor"))
    model = _lookup(card, "Card Series", "Card series", "Card Model", "Card model", "Card SKU")
    return DeviceRecord(
        model=None if masked(model) else model,
        vendor=vendor,
        pci_vendor_id=vendor_id,
        pci_device_id=hex_id(_lookup(card, "Device ID")),
        uuid=_lookup(card, "Unique ID", "Serial Number"),
        bus_id=_lookup(card, "PCI Bus"),
        memory_mib=_memory_mib(card),
        power_limit_w=first_number(_lookup(card, "Max Graphics Package Power (W)")),
    )


class RocmSmiJsonParser:
    """``rocm-smi --json`` (AMD, Hygon DTK) and ``hy-smi --json``."""

    name = "rocm-smi-json"

    def sniff(self, source: SourceText) -> bool:
        text = source.text or ""
        return bool(re.search(r'"card\d+"\s*:', text[:3000]))

    def parse(self, source: SourceText) -> ParsedInventory:
        text = source.text or ""
        start, end = text.find("{"), text.rfind("}")
        try:
            data = json.loads(text[start : end + 1])
        except json.JSONDecodeError as error:
            line = text[: start + error.pos].count("\n") + 1
            raise source.fail(f"not valid JSON: {error.msg}", line=line) from None
        except RecursionError:
            raise source.fail("JSON nested too deeply to be rocm-smi output") from None
        if not isinstance(data, dict):
            raise source.fail("rocm-smi JSON must be an object of 'cardN' objects")
        cards = {k: v for k, v in data.items() if re.fullmatch(r"card\d+", str(k)) and isinstance(v, dict)}
        if not cards:
            raise source.fail("rocm-smi JSON with no 'cardN' objects")
        return ParsedInventory(format=self.name, records=[_card_record(k, v) for k, v in sorted(cards.items())])


class HySmiTableParser:
    """The default ``rocm-smi`` (DTK) or ``hy-smi`` table."""

    name = "hy-smi-table"

    def sniff(self, source: SourceText) -> bool:
        return any(TABLE_HEADER.match(line) for line in source.head_lines(15))

    def parse(self, source: SourceText) -> ParsedInventory:
        lines = source.lines()
        header_at = next(i for i, line in enumerate(lines) if TABLE_HEADER.match(line))
        header = lines[header_at].split()
        vendor, vendor_id = ("Hygon", "1d94") if header[0] in {"DCU", "HCU"} else ("AMD", "1002")
        cap_column = header.index("PwrCap") if "PwrCap" in header else None
        records: list[DeviceRecord] = []
        for number, line in enumerate(lines[header_at + 1 :], start=header_at + 2):
            cells = line.split()
            if not cells or not cells[0].isdecimal():
                if line.startswith("="):
                    continue
                break
            cap = first_number(cells[cap_column]) if cap_column is not None and cap_column < len(cells) else None
            records.append(
                DeviceRecord(model=None, vendor=vendor, pci_vendor_id=vendor_id, line=number, power_limit_w=cap)
            )
        return ParsedInventory(format=self.name, records=records)


class RocminfoParser:
    """``rocminfo``: HSA agents; GPU and DCU agents are devices."""

    name = "rocminfo"

    def sniff(self, source: SourceText) -> bool:
        text = source.text or ""
        return "HSA Agents" in text or ("Marketing Name:" in text and "Device Type:" in text)

    def parse(self, source: SourceText) -> ParsedInventory:
        records: list[DeviceRecord] = []
        agent: dict[str, str] = {}
        agent_line = 0
        for number, line in enumerate([*source.lines(), "Agent end"], start=1):
            if re.match(r"^Agent \S+", line.strip()):
                if agent.get("device type", "").upper() in {"GPU", "DCU"}:
                    records.append(self._record(agent, agent_line))
                agent, agent_line = {}, number
            elif ":" in line and line.startswith("  ") and not line.startswith("    "):
                key, _, value = line.strip().partition(":")
                agent.setdefault(key.strip().lower(), value.strip())
        return ParsedInventory(format=self.name, records=records)

    @staticmethod
    def _record(agent: dict[str, str], line: int) -> DeviceRecord:
        vendor, vendor_id = _vendor(agent.get("vendor name"))
        chip = re.search(r"\(0x([0-9a-fA-F]+)\)", agent.get("chip id", ""))
        model = agent.get("marketing name")
        return DeviceRecord(
            model=None if masked(model) else model,
            vendor=vendor,
            line=line,
            pci_vendor_id=vendor_id,
            pci_device_id=hex_id(chip.group(1)) if chip else None,
            uuid=agent.get("uuid"),
        )
