"""Huawei ``npu-smi info -t board -i N``: a ``key : value`` list per NPU board.

Fields read: ``NPU ID``, ``PCIe Bus Info``, ``PCI Vendor ID``, ``PCI Device ID`` (the chip generation, through the PCI
table: 0xd802 is a 910B) and ``Chip Count``; several boards may be concatenated. No capture is in the shared samples
(a gap named in the research notes); the field list is the documented one, tested with a synthetic fixture.
"""

from __future__ import annotations

import re

from chipshift.fleet.model import DeviceRecord, LineProblem, ParsedInventory
from chipshift.fleet.parsers.interface import SourceText, hex_id
from chipshift.fleet.parsers.npu_smi import slot_of
from chipshift.fleet.reference import reference_data

MAX_CHIPS_PER_BOARD = 64
"""Most chips one NPU board may hold (an Atlas 300I Duo has 2; a CloudMatrix board 2)."""

FIELD = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 ()/_-]*?)\s*:\s*(.*?)\s*$")


def _boards(lines: list[str]) -> list[tuple[int, dict[str, str]]]:
    boards: list[tuple[int, dict[str, str]]] = []
    for number, line in enumerate(lines, start=1):
        match = FIELD.match(line)
        if not match:
            continue
        key, value = match.group(1).lower(), match.group(2)
        if key == "npu id":
            boards.append((number, {}))
        if boards:
            boards[-1][1].setdefault(key, value)
    return boards


class NpuBoardParser:
    """``npu-smi info -t board``."""

    name = "npu-smi-board"

    def sniff(self, source: SourceText) -> bool:
        head = "\n".join(source.head_lines(60))
        return bool(re.search(r"^\s*NPU ID\s*:", head, re.MULTILINE)) and "PCI Device ID" in head

    def parse(self, source: SourceText) -> ParsedInventory:
        records: list[DeviceRecord] = []
        problems: list[LineProblem] = []
        for line, board in _boards(source.lines()):
            chips = board.get("chip count", "1")
            count = int(chips) if chips.isdecimal() else 1
            if count > MAX_CHIPS_PER_BOARD:
                problems.append(LineProblem(line, f"{count:,} chips on one board is not plausible", field="Chip Count"))
                continue
            records.extend(_board_chips(board, line, max(count, 1)))
        if not records and not problems:
            raise source.fail("npu-smi board output with no 'NPU ID' block")
        return ParsedInventory(format=self.name, records=records, problems=problems)


def _board_chips(board: dict[str, str], line: int, count: int) -> list[DeviceRecord]:
    """One record per chip of a board; each chip has its own slot (and its own serial, the board's plus the chip)."""
    device_id = hex_id(board.get("pci device id"))
    known = reference_data().pci_devices.get(("19e5", device_id or ""))
    npu = board.get("npu id", "")
    serial = board.get("serial number")
    return [
        DeviceRecord(
            model=known.name if known else None,
            vendor="Huawei",
            line=line,
            pci_vendor_id="19e5",
            pci_device_id=device_id,
            bus_id=(board.get("pcie bus info") or "").lower() or None,
            uuid=serial if serial is None or count == 1 else f"{serial}#chip{chip}",
            slot=slot_of(int(npu), chip) if npu.isdecimal() else None,
        )
        for chip in range(count)
    ]
