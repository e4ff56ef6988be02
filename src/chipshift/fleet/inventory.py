"""Read one inventory file: decode it, detect its format, parse it, check every record and match it to the catalog.

:func:`read_inventory` returns everything at once (an :class:`InventoryRead`); :func:`open_inventory` gives an
:class:`InventoryStream` whose devices are read, checked, de-duplicated and matched as they are iterated, so the
store can load a million-row register without holding it in memory. A device listed twice (the same serial, UUID,
slot or bus address; see :mod:`chipshift.fleet.identity`) is kept once and the repeat is reported.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from chipshift.catalog import Catalog, load_catalog
from chipshift.errors import InputFileError, NotSupportedYetError
from chipshift.files import read_input
from chipshift.fleet.identity import describe_key, device_key
from chipshift.fleet.matching import Matcher
from chipshift.fleet.model import DeviceRecord, FleetDevice, InventoryRead, LineProblem, with_values
from chipshift.fleet.parsers import detect_parser
from chipshift.fleet.parsers.interface import SourceText, masked
from chipshift.fleet.validation import record_problems

BINARY_MAGIC = (b"PK\x03\x04", b"\x7fELF", b"\x1f\x8b", b"%PDF")
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
LISTED = 20
"""Merged devices and unmatched models named one by one; the rest are counted."""
UNMATCHED_GROUPS = 1000
"""Distinct unmatched models tallied for the summary (a hostile file may have a million)."""


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


def inventory_files(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The inventory files of a folder (not hidden, not in subfolders, in name order), and the others with why not.

    A file of no known format (``SOURCES.md``) is skipped; a file that is an inventory but bad is kept, so that
    ingesting it says what is wrong.
    """
    kept: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
        if not path.is_file():
            continue
        try:
            detect_parser(decode(str(path), read_bytes(path)))
        except NotSupportedYetError as error:
            skipped.append((path, error.message))
            continue
        except InputFileError as error:
            if "unknown inventory format" in error.message or "binary file" in error.message:
                skipped.append((path, "not an inventory (unknown format)"))
                continue
        kept.append(path)
    return kept, skipped


def read_bytes(path: Path | str) -> bytes:
    """The bytes of an inventory file (or ``-`` for stdin), size-capped; a clear error when it cannot be read."""
    return read_input(path, what="inventory file")


@dataclass
class UnmatchedTally:
    """Unmatched devices grouped by model, vendor and reason, with the first lines of each (for the summary)."""

    groups: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    """(model, vendor, reason) → [devices, first line, second line, ...]."""
    other_models: int = 0
    """Devices of models beyond the tallied groups."""

    def add(self, device: FleetDevice) -> None:
        """Count one unmatched device."""
        key = (device.record.model or "(no name)", device.vendor or "unknown vendor", device.reason or "")
        tally = self.groups.get(key)
        if tally is None:
            if len(self.groups) >= UNMATCHED_GROUPS:
                self.other_models += device.count
                return
            tally = self.groups[key] = [0]
        tally[0] += device.count
        if device.record.line is not None and len(tally) <= 6:
            tally.append(device.record.line)

    def lines(self, limit: int = LISTED) -> list[str]:
        """One line per model: count, name, vendor, reason and the first lines it is on."""
        ordered = sorted(self.groups.items(), key=lambda kv: -kv[1][0])
        shown = []
        for (model, vendor, reason), (count, *where) in ordered[:limit]:
            more = ", ..." if len(where) > 5 else ""
            at = f" (line {', '.join(str(n) for n in where[:5])}{more})" if where else ""
            shown.append(f"{count:,} × {model} [{vendor}]: {reason}{at}")
        hidden = len(ordered) - limit + (1 if self.other_models else 0)
        if hidden > 0:
            shown.append(f"... and {hidden} more models; see 'chipshift fleet export'")
        return shown


@dataclass
class InventoryStream:
    """One inventory being read: format, hash and host now; devices, counts and problems as it is iterated.

    ``known`` maps the identity keys of earlier files of the same ingest to their file names: a device listed in
    one of them too is kept once (merged, not yielded).
    """

    path: Path
    """File read (``-`` for stdin)."""
    format: str
    """Detected format."""
    content_sha256: str
    """Hash of the bytes read."""
    host: str | None
    """Host the output names, where it does."""
    problems: list[LineProblem]
    """Lines that could not be read or checked (complete once the devices are consumed)."""
    warnings: list[LineProblem]
    """What was read but ignored."""
    _records: Iterator[DeviceRecord]
    _matcher: Matcher
    scope: str = ""
    """Stands for the host in identity keys when a record names none."""
    site: str | None = None
    """Site for devices the file does not place."""
    names: dict[str, str] = field(default_factory=dict)
    """Model names by slot, from a paired ``npu-smi info -m``, for masked names."""
    seen: dict[str, str] = field(default_factory=dict)
    """Identity keys kept from this file → its name (filled as devices are read)."""
    known: Mapping[str, str] = field(default_factory=dict)
    """Identity keys kept from earlier files of the same ingest → their file names."""
    merged: list[LineProblem] = field(default_factory=list)
    """The first devices merged into one kept earlier."""
    merged_count: int = 0
    """Devices merged into one kept earlier."""
    device_count: int = 0
    """Devices kept (register counts included)."""
    unmatched: UnmatchedTally = field(default_factory=UnmatchedTally)
    """Kept devices no catalog chip matched, by model."""

    @property
    def unmatched_count(self) -> int:
        """Kept devices no catalog chip matched."""
        return sum(g[0] for g in self.unmatched.groups.values()) + self.unmatched.other_models

    def devices(self) -> Iterator[tuple[FleetDevice, str | None]]:
        """Each device kept, matched, with its identity key; bad records become problems, repeats merges."""
        name = str(self.path)
        for record in self._records:
            found = record_problems(record)
            if found:
                self.problems.extend(found)
                continue
            record = self._completed(record)
            key = device_key(record, self.scope)
            if key is not None:
                first = self.seen.get(key) or self.known.get(key)
                if first is not None:
                    self._merge(record, key, first == name, first)
                    continue
                self.seen[key] = name
            device = self._matcher.match(record)
            self.device_count += record.count
            if device.chip_id is None:
                self.unmatched.add(device)
            yield device, key

    def _completed(self, record: DeviceRecord) -> DeviceRecord:
        changes = {}
        if self.site is not None and not record.site:
            changes["site"] = self.site
        if self.host and not record.host:
            changes["host"] = self.host
        if record.slot is not None and masked(record.model) and record.slot in self.names:
            changes["model"] = self.names[record.slot]
        return with_values(record, **changes) if changes else record

    def _merge(self, record: DeviceRecord, key: str, same_file: bool, first: str) -> None:
        self.merged_count += 1
        if len(self.merged) < LISTED:
            where = "earlier in this file" if same_file else f"in {first}"
            message = f"{describe_key(key)} is already listed {where}; counted once"
            self.merged.append(LineProblem(record.line, message))


def open_inventory(
    name: str,
    data: bytes,
    *,
    catalog: Catalog | None = None,
    site: str | None = None,
    encoding: str | None = None,
    strict: bool = False,
    scope: str | None = None,
    seen: dict[str, str] | None = None,
    known: Mapping[str, str] | None = None,
    names: dict[str, str] | None = None,
) -> InventoryStream:
    """Detect the format of inventory content and prepare its devices for reading (see :class:`InventoryStream`).

    ``strict`` makes ignored register columns problems instead of warnings; ``scope`` stands for the host in
    identity keys (default: the file name); ``seen`` receives the identity keys kept; ``known`` holds those of
    earlier files of the same ingest; ``names`` fills masked names by slot.
    """
    source = decode(name, data, encoding)
    parsed = detect_parser(source).parse(source)
    warnings, problems = parsed.warnings, parsed.problems
    if strict and warnings:
        problems.extend(LineProblem(w.line, f"{w.message} (--strict)", w.field) for w in warnings)
        warnings = []
    return InventoryStream(
        path=Path(name),
        format=parsed.format,
        content_sha256=hashlib.sha256(data).hexdigest(),
        host=parsed.host,
        problems=problems,
        warnings=warnings,
        _records=iter(parsed.records),
        _matcher=Matcher(catalog or load_catalog()),
        scope=scope if scope is not None else name,
        site=site,
        names=names or {},
        seen=seen if seen is not None else {},
        known=known if known is not None else {},
    )


def read_inventory_bytes(
    name: str,
    data: bytes,
    *,
    catalog: Catalog | None = None,
    site: str | None = None,
    encoding: str | None = None,
    strict: bool = False,
) -> InventoryRead:
    """Read inventory content already in memory (stdin, the output of a local tool)."""
    stream = open_inventory(name, data, catalog=catalog, site=site, encoding=encoding, strict=strict)
    devices = [device for device, _ in stream.devices()]
    return InventoryRead(
        path=stream.path,
        format=stream.format,
        devices=devices,
        problems=stream.problems,
        content_sha256=stream.content_sha256,
        warnings=stream.warnings,
        merged=stream.merged,
        merged_count=stream.merged_count,
    )


def read_inventory(
    path: Path,
    *,
    catalog: Catalog | None = None,
    site: str | None = None,
    encoding: str | None = None,
    strict: bool = False,
) -> InventoryRead:
    """Read one inventory file of any supported format (auto-detected) and match its devices to the catalog.

    ``site`` fills the site of devices the file does not place. Raises :class:`InputFileError` when the file cannot
    be read at all; problems on single lines are in ``InventoryRead.problems``, devices listed twice are kept once
    (``InventoryRead.merged``).
    """
    return read_inventory_bytes(
        str(path), read_bytes(path), catalog=catalog, site=site, encoding=encoding, strict=strict
    )
