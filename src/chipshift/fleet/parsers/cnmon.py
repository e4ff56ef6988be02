"""Cambricon ``cnmon``: the default status table.

Each card takes two table lines: ``| Card VF Name Firmware | Bus-Id | Util Ecc-Error |`` and
``| Fan Temp Pwr:Usage/Cap | Memory-Usage | SR-IOV Compute-Mode |``. No capture is in the shared samples; the
layout is the one printed in PaddlePaddle's MLU install guide (CNMON v5.10.13, 2 × MLU370-X8).
"""

from __future__ import annotations

import re

from chipshift.fleet.model import DeviceRecord, ParsedInventory
from chipshift.fleet.parsers.interface import SourceText, masked

BUS_ID = re.compile(r"^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7]$")
PAIR = re.compile(r"(\d+(?:\.\d+)?)\s*([A-Za-z]+)?\s*/\s*(\d+(?:\.\d+)?)")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _pair_total(cell: str) -> float | None:
    found = PAIR.search(cell)
    return float(found.group(3)) if found else None


class CnmonParser:
    """``cnmon`` (Cambricon MLU)."""

    name = "cnmon"

    def sniff(self, source: SourceText) -> bool:
        return "CNMON" in (source.text or "")[:1000]

    def parse(self, source: SourceText) -> ParsedInventory:
        lines = source.lines()
        records: list[DeviceRecord] = []
        for number, line in enumerate(lines, start=1):
            if "Processes:" in line:
                break
            cells = _cells(line) if line.startswith("|") else []
            if len(cells) < 3 or not BUS_ID.match(cells[1]):
                continue
            head = cells[0].split()
            if not head or not head[0].isdecimal():
                continue
            name = head[2] if len(head) > 2 else None
            detail = _cells(lines[number]) if number < len(lines) and lines[number].startswith("|") else []
            records.append(
                DeviceRecord(
                    model=None if masked(name) else name,
                    vendor="Cambricon",
                    line=number,
                    pci_vendor_id="cabc",
                    bus_id=cells[1].lower(),
                    power_limit_w=_pair_total(detail[0]) if detail else None,
                    memory_mib=_pair_total(detail[1]) if len(detail) > 1 else None,
                )
            )
        if not records:
            raise source.fail("cnmon output with no card lines")
        return ParsedInventory(format=self.name, records=records)
