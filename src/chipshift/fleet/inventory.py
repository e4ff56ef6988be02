"""Read one inventory file: decode it, detect its format, parse it and match every device to the catalog.

This is the fleet engine's entry point for a single file (:func:`read_inventory`); the store and the CLI build on it.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import replace
from pathlib import Path

from chipshift.catalog import Catalog, load_catalog
from chipshift.errors import InputFileError
from chipshift.files import read_input
from chipshift.fleet.matching import match_records
from chipshift.fleet.model import InventoryRead
from chipshift.fleet.parsers import detect_parser
from chipshift.fleet.parsers.interface import SourceText

BINARY_MAGIC = (b"PK\x03\x04", b"\x7fELF", b"\x1f\x8b", b"%PDF")
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
MAX_BYTES = 512 * 1024 * 1024


def decode(name: str, data: bytes, encoding: str | None = None) -> SourceText:
    """Decode inventory bytes: a BOM decides, else the given encoding, else UTF-8; binary stays undecoded."""
    if data.startswith(BINARY_MAGIC):
        return SourceText(name, data, None)
    chosen = encoding or next((enc for bom, enc in BOMS if data.startswith(bom)), "utf-8")
    try:
        text = data.decode(chosen)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputFileError(
            name,
            f"not valid {chosen} (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "if the file is GBK/GB18030 (common for Chinese Excel exports) pass --encoding gb18030",
            line=line,
        ) from None
    except LookupError:
        raise InputFileError(name, f"unknown encoding '{chosen}'") from None
    if "\x00" in text[:4096]:
        return SourceText(name, data, None)
    return SourceText(name, data, text.replace("\r\n", "\n"))


def read_bytes(path: Path) -> bytes:
    """The bytes of an inventory file (``-``: standard input), at most :data:`MAX_BYTES`; a device, FIFO or folder
    is refused before a byte is read (:func:`chipshift.files.read_input`)."""
    return read_input(path, limit_bytes=MAX_BYTES, what="inventory file")


def read_inventory_bytes(
    name: str,
    data: bytes,
    *,
    catalog: Catalog | None = None,
    site: str | None = None,
    encoding: str | None = None,
) -> InventoryRead:
    """Read inventory content already in memory (stdin, the output of a local tool)."""
    source = decode(name, data, encoding)
    parser = detect_parser(source)
    parsed = parser.parse(source)
    records = parsed.records
    if site is not None:
        records = [r if r.site else replace(r, site=site) for r in records]
    if parsed.host:
        records = [r if r.host else replace(r, host=parsed.host) for r in records]
    devices = match_records(records, catalog or load_catalog())
    return InventoryRead(
        path=Path(name),
        format=parsed.format,
        devices=devices,
        problems=parsed.problems,
        content_sha256=hashlib.sha256(data).hexdigest(),
    )


def read_inventory(
    path: Path,
    *,
    catalog: Catalog | None = None,
    site: str | None = None,
    encoding: str | None = None,
) -> InventoryRead:
    """Read one inventory file of any supported format (auto-detected) and match its devices to the catalog.

    ``site`` fills the site of devices the file does not place. Raises :class:`InputFileError` when the file cannot
    be read at all; problems on single lines are in ``InventoryRead.problems``.
    """
    return read_inventory_bytes(str(path), read_bytes(Path(path)), catalog=catalog, site=site, encoding=encoding)
