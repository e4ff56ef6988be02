"""nvidia_gpu_exporter capture files: one file with a ``#####`` banner before the output of each nvidia-smi command.

The devices are read from the first ``--query-gpu`` CSV section (it has names, PCI ids, memory and power), or from
the ``-L`` section when there is no CSV. MIG instances are counted from the ``-L`` section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from chipshift.fleet.model import ParsedInventory
from chipshift.fleet.parsers.interface import SourceText
from chipshift.fleet.parsers.nvidia_text import list_records, query_gpu_records

BANNER = re.compile(r"^#{20,}\s*$")
TITLE = re.compile(r"^# (\S[^:]*?) :: (.+)$")


@dataclass(frozen=True)
class CaptureSection:
    """One command's output inside a capture."""

    title: str
    """``idle :: query-gpu (csv, ...)``."""
    first_line: int
    """File line (1-based) of the first output line."""
    lines: list[str]
    """Output lines."""


def split_sections(lines: list[str]) -> list[CaptureSection]:
    """Split a capture on its banners: ``####`` / ``# state :: title`` / ``# $ command`` / ``####`` / output."""
    sections: list[CaptureSection] = []
    index = 0
    while index < len(lines):
        title = TITLE.match(lines[index])
        if title and index > 0 and BANNER.match(lines[index - 1]):
            end_of_banner = next((j for j in range(index + 1, len(lines)) if BANNER.match(lines[j])), len(lines))
            start = end_of_banner + 1
            stop = next((j for j in range(start, len(lines)) if BANNER.match(lines[j])), len(lines))
            sections.append(CaptureSection(f"{title.group(1)} :: {title.group(2)}", start + 1, lines[start:stop]))
            index = stop
        else:
            index += 1
    return sections


class NvidiaCaptureParser:
    """A multi-section nvidia-smi capture (utkuozdemir/nvidia_gpu_exporter ``internal/captures``)."""

    name = "nvidia-smi-capture"

    def sniff(self, source: SourceText) -> bool:
        head = (source.text or "")[:4000]
        return "nvidia-smi" in head and bool(re.search(r"^# \S[^\n]* :: ", head, re.MULTILINE)) and "#####" in head

    def parse(self, source: SourceText) -> ParsedInventory:
        sections = split_sections(source.lines())
        query = next((s for s in sections if "query-gpu (csv" in s.title), None)
        listing = next((s for s in sections if "list (-L)" in s.title), None)
        listed = list_records(listing.lines, listing.first_line) if listing else []
        if query is not None:
            start = next((i for i, line in enumerate(query.lines) if line.strip()), 0)
            records, problems = query_gpu_records(query.lines[start:], query.first_line + start)
        elif listed:
            records, problems = listed, []
        else:
            raise source.fail("capture has neither a query-gpu CSV section nor an nvidia-smi -L section")
        if listed and len(listed) == len(records):
            records = [replace(r, mig_instances=m.mig_instances) for r, m in zip(records, listed, strict=True)]
        return ParsedInventory(format=self.name, records=records, problems=problems)
