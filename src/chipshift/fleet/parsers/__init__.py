"""Inventory parsers, one module per format, and format detection.

``PARSERS`` is tried in order; the first whose ``sniff`` accepts the source parses it. The order puts the most
specific formats first (a capture file contains CSV; a query-gpu CSV would also pass for a register).
"""

from __future__ import annotations

from chipshift.errors import InputFileError, NotSupportedYetError
from chipshift.fleet.parsers.capture import NvidiaCaptureParser
from chipshift.fleet.parsers.cnmon import CnmonParser
from chipshift.fleet.parsers.interface import InventoryParser, SourceText
from chipshift.fleet.parsers.lspci import LspciParser
from chipshift.fleet.parsers.npu_board import NpuBoardParser
from chipshift.fleet.parsers.npu_smi import NpuSmiParser
from chipshift.fleet.parsers.nvidia_text import NvidiaListParser, NvidiaQueryCsvParser
from chipshift.fleet.parsers.nvidia_xml import NvidiaSmiXmlParser
from chipshift.fleet.parsers.register import RegisterCsvParser, RegisterXlsxParser, RegisterYamlParser
from chipshift.fleet.parsers.rocm import HySmiTableParser, RocminfoParser, RocmSmiJsonParser
from chipshift.fleet.parsers.runtime_json import RuntimeDetectJsonParser
from chipshift.fleet.parsers.xpu_smi import XpuSmiParser

PARSERS: tuple[InventoryParser, ...] = (
    RegisterXlsxParser(),
    NvidiaSmiXmlParser(),
    NvidiaCaptureParser(),
    RuntimeDetectJsonParser(),
    RocmSmiJsonParser(),
    NpuSmiParser(),
    NpuBoardParser(),
    CnmonParser(),
    XpuSmiParser(),
    HySmiTableParser(),
    RocminfoParser(),
    NvidiaListParser(),
    LspciParser(),
    NvidiaQueryCsvParser(),
    RegisterYamlParser(),
    RegisterCsvParser(),
)
"""Every supported format, most specific first."""

FORMAT_NAMES = tuple(parser.name for parser in PARSERS)
NOT_YET: dict[str, str] = {
    "efsmi": "Enflame efsmi",
    "mx-smi": "MetaX mx-smi",
    "ixsmi": "Iluvatar ixsmi",
    "mthreads-gmi": "Moore Threads mthreads-gmi",
}
"""Tools whose output is recognised but not read yet (by a word in the first lines)."""


def detect_parser(source: SourceText) -> InventoryParser:
    """The parser for this source, or an error that lists the formats chipshift reads."""
    if source.text is None and not RegisterXlsxParser().sniff(source):
        raise InputFileError(source.name, "binary file that is not an XLSX workbook; not an inventory")
    for parser in PARSERS:
        if parser.sniff(source):
            return parser
    head = "\n".join(source.head_lines(10)).lower()
    for word, tool in NOT_YET.items():
        if word in head:
            raise NotSupportedYetError(f"{tool} output ({source.name}); ingest 'lspci -nn' or a register for that host")
    raise InputFileError(
        source.name,
        "unknown inventory format; chipshift reads "
        + ", ".join(FORMAT_NAMES)
        + " (see docs/fleet.md for the commands that produce each)",
    )


__all__ = ["FORMAT_NAMES", "PARSERS", "InventoryParser", "SourceText", "detect_parser"]
