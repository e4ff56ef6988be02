"""Huawei Ascend ``npu-smi info`` (the status table) and ``npu-smi info -m`` (the chip mapping).

In the table each NPU (card) has one line with its id, name and health, followed by one line per chip with the chip
id and PCI bus id; every chip is one device. Old (20.x) tables repeat the NPU line before each chip. Names may be
masked (``xxx``); the mapping (``NPU ID  Chip ID  Chip Logic ID  Chip Name``) then gives the chip names, and when
both outputs are in one file the names are taken from the mapping. ``Mcu`` rows (logic id ``-``) are board
controllers, not accelerators, and are skipped. Lines after the process table header are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from chipshift.fleet.model import DeviceRecord, LineProblem, ParsedInventory
from chipshift.fleet.parsers.interface import SourceText, masked

BUS_ID = re.compile(r"^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7]$")
USAGE_PAIR = re.compile(r"(\d+)\s*/\s*(\d+)")
MAPPING_HEADER = re.compile(r"^\s*NPU ID\s+Chip ID\s+Chip Logic ID\s+Chip Name\s*$")
MAPPING_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\d+|-)\s+(\S.*?)\s*$")
HEALTH_WORDS = {"ok", "warning", "alarm", "critical", "unknown", "not exist", "abnormal"}


@dataclass(frozen=True)
class MappedChip:
    """One row of ``npu-smi info -m``."""

    npu_id: int
    chip_id: int
    line: int
    name: str


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _memory_mib(cell: str, hbm_column: bool) -> float | None:
    pairs = USAGE_PAIR.findall(cell)
    if not pairs:
        return None
    total = float(pairs[-1][1] if hbm_column else pairs[0][1])
    return total or None


def table_records(lines: list[str]) -> list[tuple[int, int, DeviceRecord]]:
    """``(npu_id, chip_id, record)`` for every chip line of an ``npu-smi info`` table."""
    hbm_column = any("HBM-Usage" in line for line in lines[:12])
    found: list[tuple[int, int, DeviceRecord]] = []
    npu_id, npu_name = -1, None
    for number, line in enumerate(lines, start=1):
        if "Process id" in line or "Process name" in line:
            break
        if not line.startswith("|"):
            continue
        cells = _cells(line)
        if len(cells) < 3:
            continue
        head = cells[0].split()
        if cells[1].lower() in HEALTH_WORDS and head and head[0].isdecimal():
            npu_id, npu_name = int(head[0]), " ".join(head[1:]) or None
        elif BUS_ID.match(cells[1]) and head and head[0].isdecimal() and npu_id >= 0:
            record = DeviceRecord(
                model=None if masked(npu_name) else npu_name,
                vendor="Huawei",
                line=number,
                pci_vendor_id="19e5",
                bus_id=cells[1].lower(),
                memory_mib=_memory_mib(cells[2], hbm_column),
                slot=slot_of(npu_id, int(head[0])),
            )
            found.append((npu_id, int(head[0]), record))
    return found


def mapping_rows(lines: list[str]) -> tuple[list[MappedChip], list[LineProblem]]:
    """Rows of ``npu-smi info -m``, without ``Mcu`` rows; lines that are neither rows nor links are problems."""
    rows: list[MappedChip] = []
    problems: list[LineProblem] = []
    start = next((i for i, line in enumerate(lines) if MAPPING_HEADER.match(line)), None)
    if start is None:
        return rows, problems
    for number, line in enumerate(lines[start + 1 :], start=start + 2):
        if not line.strip() or line.strip().startswith(("http://", "https://")):
            continue
        match = MAPPING_ROW.match(line)
        if not match:
            if line.startswith(("+", "|")):
                break
            problems.append(LineProblem(number, "not an 'NPU ID  Chip ID  Chip Logic ID  Chip Name' row"))
        elif match.group(3) != "-":
            rows.append(MappedChip(int(match.group(1)), int(match.group(2)), number, match.group(4)))
    return rows, problems


def slot_of(npu_id: int, chip_id: int) -> str:
    """The identity of a chip within its host, the same in ``npu-smi info`` and ``npu-smi info -m``."""
    return f"npu {npu_id} chip {chip_id}"


def _mapped_record(row: MappedChip) -> DeviceRecord:
    return DeviceRecord(
        model=None if masked(row.name) else row.name,
        vendor="Huawei",
        pci_vendor_id="19e5",
        line=row.line,
        slot=slot_of(row.npu_id, row.chip_id),
    )


class NpuSmiParser:
    """``npu-smi info`` and/or ``npu-smi info -m``."""

    name = "npu-smi"

    def sniff(self, source: SourceText) -> bool:
        text = source.text or ""
        return "npu-smi" in text[:600] or any(MAPPING_HEADER.match(line) for line in source.head_lines(20))

    def parse(self, source: SourceText) -> ParsedInventory:
        lines = source.lines()
        table = table_records(lines)
        mapped, problems = mapping_rows(lines)
        if table:
            names = {(row.npu_id, row.chip_id): row.name for row in mapped}
            records = [
                replace(record, model=names[(npu, chip)]) if record.model is None and (npu, chip) in names else record
                for npu, chip, record in table
            ]
            fmt = "npu-smi-info+mapping" if mapped else "npu-smi-info"
        elif mapped:
            records, fmt = [_mapped_record(row) for row in mapped], "npu-smi-info-m"
        else:
            raise source.fail("npu-smi output with no chip lines (neither the status table nor the -m mapping)")
        return ParsedInventory(format=fmt, records=records, problems=problems)
