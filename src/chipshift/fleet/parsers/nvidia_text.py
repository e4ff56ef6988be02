"""``nvidia-smi --query-gpu=... --format=csv`` and ``nvidia-smi -L``.

The CSV has a header of field names with units in brackets (``memory.total [MiB]``) and ``[N/A]`` for missing
values; any selection of fields is read as long as ``name`` (or ``gpu_name``) is among them. ``-L`` prints one
``GPU i: NAME (UUID: ...)`` line per GPU, with its MIG devices indented below.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace

from chipshift.fleet.model import DeviceRecord, LineProblem, ParsedInventory
from chipshift.fleet.parsers.interface import SourceText, first_number, masked

QUERY_FIELDS = {"name", "gpu_name", "uuid", "pci.bus_id", "index", "driver_version", "serial", "memory.total"}
GPU_LINE = re.compile(r"^GPU (\d+): (.+?) \(UUID: ([^)]*)\)\s*$")
MIG_LINE = re.compile(r"^\s+MIG \S+\s+Device\s+\d+: \(UUID: [^)]*\)\s*$")
NOT_AVAILABLE = {"[n/a]", "n/a", "[not supported]", ""}


def _field_name(header: str) -> str:
    """``memory.total [MiB]`` → ``memory.total``."""
    return header.split("[", 1)[0].strip().lower()


def _value(row: dict[str, str], *names: str) -> str | None:
    for name in names:
        value = (row.get(name) or "").strip()
        if value.lower() not in NOT_AVAILABLE:
            return value
    return None


def _pci_device(row: dict[str, str]) -> tuple[str | None, str | None]:
    combined = (_value(row, "pci.device_id") or "").lower().removeprefix("0x")
    if re.fullmatch(r"[0-9a-f]{8}", combined):
        return combined[4:], combined[:4]
    return "10de", None


def query_gpu_records(lines: list[str], first_line: int = 1) -> tuple[list[DeviceRecord], list[LineProblem]]:
    """Read ``--query-gpu`` CSV lines (header first); ``first_line`` is the file line of the header."""
    reader = csv.reader(io.StringIO("\n".join(lines)), skipinitialspace=True)
    records: list[DeviceRecord] = []
    problems: list[LineProblem] = []
    try:
        header = [_field_name(h) for h in next(reader, [])]
        for cells in reader:
            line = first_line + reader.line_num - 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                problems.append(LineProblem(line, f"expected {len(header)} comma-separated values, found {len(cells)}"))
                continue
            records.append(_query_record(dict(zip(header, cells, strict=True)), line))
    except csv.Error as error:
        line = first_line + reader.line_num - 1
        problems.append(LineProblem(line, f"unreadable CSV ({error}); nvidia-smi never prints such a field"))
    return records, problems


def _query_record(row: dict[str, str], line: int) -> DeviceRecord:
    name = _value(row, "name", "gpu_name")
    vendor_id, device_id = _pci_device(row)
    return DeviceRecord(
        model=None if masked(name) else name,
        vendor="NVIDIA",
        line=line,
        pci_vendor_id=vendor_id,
        pci_device_id=device_id,
        bus_id=_value(row, "pci.bus_id", "gpu_bus_id"),
        uuid=_value(row, "uuid", "gpu_uuid", "serial"),
        host=_value(row, "hostname"),
        memory_mib=first_number(_value(row, "memory.total")),
        power_limit_w=first_number(_value(row, "power.default_limit", "power.limit", "enforced.power.limit")),
    )


def list_records(lines: list[str], first_line: int = 1) -> list[DeviceRecord]:
    """Read ``nvidia-smi -L`` lines; MIG lines add to the GPU above them."""
    records: list[DeviceRecord] = []
    for offset, text in enumerate(lines):
        gpu = GPU_LINE.match(text)
        if gpu:
            name = gpu.group(2).strip()
            records.append(
                DeviceRecord(
                    model=None if masked(name) else name,
                    vendor="NVIDIA",
                    pci_vendor_id="10de",
                    line=first_line + offset,
                    uuid=gpu.group(3).strip(),
                )
            )
        elif MIG_LINE.match(text) and records:
            last = records[-1]
            records[-1] = replace(last, mig_instances=last.mig_instances + 1)
    return records


def looks_like_query_csv(first_line: str) -> bool:
    """Whether a line is a ``--query-gpu`` CSV header."""
    fields = {_field_name(f) for f in first_line.split(",")}
    return bool(fields & {"name", "gpu_name"}) and len(fields & QUERY_FIELDS) >= 2


class NvidiaQueryCsvParser:
    """``nvidia-smi --query-gpu=name,... --format=csv``."""

    name = "nvidia-smi-query-csv"

    def sniff(self, source: SourceText) -> bool:
        lines = [line for line in source.head_lines() if line.strip()]
        return bool(lines) and looks_like_query_csv(lines[0])

    def parse(self, source: SourceText) -> ParsedInventory:
        lines = source.lines()
        start = next(i for i, line in enumerate(lines) if line.strip())
        records, problems = query_gpu_records(lines[start:], first_line=start + 1)
        return ParsedInventory(format=self.name, records=records, problems=problems)


class NvidiaListParser:
    """``nvidia-smi -L``."""

    name = "nvidia-smi-list"

    def sniff(self, source: SourceText) -> bool:
        lines = [line for line in source.head_lines(200) if line.strip()]
        return (
            bool(lines)
            and all(GPU_LINE.match(x) or MIG_LINE.match(x) for x in lines)
            and bool(GPU_LINE.match(lines[0]))
        )

    def parse(self, source: SourceText) -> ParsedInventory:
        return ParsedInventory(format=self.name, records=list_records(source.lines()))
