"""Kunlunxin ``xpu_smi`` (also ``xpu-smi``): the DEVICES table.

``| DevID | PCI Addr | Model | SN | INODE | UseRate | L3 | Memory |`` with one row per device; the VIDEO and
PROCESSES tables that follow are ignored. No capture is in the shared samples; the layout is the one printed in
PaddlePaddle's XPU install guide (Runtime 4.31, Driver 4.0, 2 × R300).
"""

from __future__ import annotations

import re

from chipshift.fleet.model import DeviceRecord, LineProblem, ParsedInventory
from chipshift.fleet.parsers.interface import SourceText, masked

MEMORY = re.compile(r"(\d+)\s*/\s*(\d+)\s*MB")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


class XpuSmiParser:
    """``xpu_smi`` (Kunlunxin XPU)."""

    name = "xpu-smi"

    def sniff(self, source: SourceText) -> bool:
        return any("DevID" in line and "PCI Addr" in line and "Model" in line for line in source.head_lines(20))

    def parse(self, source: SourceText) -> ParsedInventory:
        lines = source.lines()
        header_at = next(i for i, line in enumerate(lines) if "DevID" in line and "PCI Addr" in line)
        header = [h.lower() for h in _cells(lines[header_at])]
        records: list[DeviceRecord] = []
        problems: list[LineProblem] = []
        for number, line in enumerate(lines[header_at + 1 :], start=header_at + 2):
            if line.strip() in {"VIDEO", "PROCESSES"}:
                break
            if not line.startswith("|"):
                continue
            cells = _cells(line)
            if len(cells) != len(header):
                problems.append(LineProblem(number, f"expected {len(header)} columns, found {len(cells)}"))
                continue
            row = dict(zip(header, cells, strict=True))
            memory = MEMORY.search(row.get("memory", ""))
            records.append(
                DeviceRecord(
                    model=None if masked(row.get("model")) else row.get("model"),
                    vendor="Kunlunxin",
                    line=number,
                    pci_vendor_id="1d22",
                    bus_id=row.get("pci addr", "").lower() or None,
                    uuid=row.get("sn"),
                    memory_mib=float(memory.group(2)) if memory else None,
                )
            )
        return ParsedInventory(format=self.name, records=records, problems=problems)
