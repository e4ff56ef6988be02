"""Typed records of the fleet engine: what a parser reads, what matching adds, and what a read returns.

A parser turns vendor text into :class:`DeviceRecord` objects (one per physical accelerator chip, or one per register
row with a ``count``); matching turns each into a :class:`FleetDevice` that names a catalog chip, or leaves it
unmatched with the reason. Problems found on single lines are :class:`LineProblem` values, not exceptions.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

Frozen = TypeVar("Frozen")


def build_frozen(cls: type[Frozen], values: Sequence[Any]) -> Frozen:
    """An instance of a frozen dataclass from all its field values in order, without the per-field frozen checks.

    Bulk loads (100,000 register rows, a stored fleet) spend most of their time in frozen ``__init__``; the object
    built here is the same (equal, hashable, immutable through normal assignment).
    """
    instance = object.__new__(cls)
    instance.__dict__.update(zip(_FIELD_NAMES[cls], values, strict=True))
    return instance


def with_values(instance: Frozen, **changes: Any) -> Frozen:
    """A copy of a frozen dataclass instance with some fields changed, built without ``__init__`` (bulk reads)."""
    copy = object.__new__(type(instance))
    copy.__dict__.update(instance.__dict__)
    copy.__dict__.update(changes)
    return copy


def _defaults(cls: type) -> dict[str, Any]:
    return {f.name: f.default for f in fields(cls) if f.default is not MISSING}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


@dataclass(frozen=True)
class DeviceRecord:
    """One accelerator (or a register row of identical ones) as an inventory source reports it."""

    model: str | None
    """Model name as the source prints it (``NVIDIA H100 80GB HBM3``, ``910B2``); None when masked or absent."""
    vendor: str | None = None
    """Vendor as the source says or implies (``NVIDIA``, ``Huawei``)."""
    count: int = 1
    """How many identical devices this record stands for (registers); 1 for machine output."""
    line: int | None = None
    """Line of the source file the record came from (1-based), where it has one."""
    pci_vendor_id: str | None = None
    """PCI vendor id, four lower-case hex digits (``10de``)."""
    pci_device_id: str | None = None
    """PCI device id, four lower-case hex digits (``2330``)."""
    bus_id: str | None = None
    """PCI bus address (``0000:c1:00.0``)."""
    uuid: str | None = None
    """Device UUID or serial number, as printed."""
    host: str | None = None
    """Host name, where the source gives one."""
    memory_mib: float | None = None
    """Device memory the source reports, MiB."""
    power_limit_w: float | None = None
    """Power cap the source reports, W."""
    mig_instances: int = 0
    """Number of MIG (or vNPU) instances the device is split into; it still counts as one device."""
    site: str | None = None
    """Site (data centre, plant), from a register column or the ingest option."""
    sector: str | None = None
    """Sector (``ai-datacenter``, ``automotive``), from a register column."""
    business_unit: str | None = None
    """Business unit, from a register column."""
    price: float | None = None
    """Purchase price per device, in ``currency``."""
    currency: str | None = None
    """ISO 4217 code of ``price``."""
    purchase_date: date | None = None
    """When the devices were bought."""
    chip_hint: str | None = None
    """Catalog chip id the source states outright (a register's ``chip_id`` column)."""
    slot: str | None = None
    """Where the tool places the device in its host when that is all it says (``npu 3 chip 0`` in ``npu-smi``)."""

    @classmethod
    def quick(cls, **values: Any) -> DeviceRecord:
        """A record from keyword values (the others take their defaults), built fast for bulk reads."""
        merged = {**_RECORD_DEFAULTS, **values}
        return build_frozen(cls, [merged[name] for name in _FIELD_NAMES[cls]])


_FIELD_NAMES[DeviceRecord] = tuple(f.name for f in fields(DeviceRecord))
_RECORD_DEFAULTS = _defaults(DeviceRecord)


class MatchMethod(enum.StrEnum):
    """How a device was tied to a catalog chip, from the firmest to none."""

    CHIP_ID = "chip-id"
    PCI_ID = "pci-id"
    NAME = "name"
    NAME_TABLE = "name-table"
    PARTIAL_NAME = "partial-name"
    NONE = "none"


@dataclass(frozen=True)
class FleetDevice:
    """A device record with the catalog chip it matched (or None) and how sure the match is."""

    record: DeviceRecord
    """What the source said."""
    chip_id: str | None
    """Catalog chip id, None when unmatched."""
    match_confidence: float
    """0 (unmatched) to 1 (stated id or PCI id)."""
    match_method: MatchMethod
    """How the match was made."""
    vendor: str | None = None
    """Vendor, from the chip, the PCI vendor id or the source."""
    designer_country: str | None = None
    """ISO code of the designer's home, from the chip or, when unmatched, the vendor."""
    reason: str | None = None
    """Why the device is unmatched (masked name, not in catalog)."""

    @property
    def count(self) -> int:
        """How many devices this stands for."""
        return self.record.count

    @property
    def site(self) -> str | None:
        """Site of the device."""
        return self.record.site

    @property
    def sector(self) -> str | None:
        """Sector of the device."""
        return self.record.sector

    @property
    def business_unit(self) -> str | None:
        """Business unit of the device."""
        return self.record.business_unit

    @property
    def price(self) -> float | None:
        """Purchase price per device, in ``record.currency``."""
        return self.record.price

    @property
    def power_w(self) -> float | None:
        """Power cap the source reports, W."""
        return self.record.power_limit_w


_FIELD_NAMES[FleetDevice] = tuple(f.name for f in fields(FleetDevice))


@dataclass(frozen=True)
class LineProblem:
    """Something wrong on one line of an inventory file that did not stop the rest from being read."""

    line: int | None
    """Line (1-based), where known."""
    message: str
    """What is wrong and what to do."""
    field: str | None = None
    """Column or field name, where known."""

    def describe(self, path: str) -> str:
        """``file:line: field 'x': message``."""
        where = path if self.line is None else f"{path}:{self.line}"
        what = f" field '{self.field}':" if self.field else ""
        return f"{where}:{what} {self.message}"


@dataclass(frozen=True)
class ParsedInventory:
    """What one parser read from one text: device records, line problems and warnings.

    Registers are read as they are iterated (a million rows never sit in memory at once): their ``records`` is an
    iterator, and ``problems`` and ``warnings`` are complete only once it has been consumed.
    """

    format: str
    """Name of the format (``nvidia-smi-xml``, ``register-csv``)."""
    records: Iterable[DeviceRecord]
    """Devices found, in source order."""
    problems: list[LineProblem] = field(default_factory=list)
    """Lines that could not be read."""
    host: str | None = None
    """Host the output came from, where the source says."""
    warnings: list[LineProblem] = field(default_factory=list)
    """What was read but ignored (register columns not understood); errors under ``--strict``."""


@dataclass(frozen=True)
class InventoryRead:
    """The result of reading one inventory file: matched devices, unmatched devices and problems."""

    path: Path
    """File read (``-`` for stdin)."""
    format: str
    """Detected format."""
    devices: list[FleetDevice]
    """Every device, matched or not, in source order."""
    problems: list[LineProblem]
    """Lines that could not be read; a register with problems is not stored."""
    content_sha256: str
    """Hash of the bytes read, the identity of the snapshot."""
    warnings: list[LineProblem] = field(default_factory=list)
    """What was read but ignored (register columns not understood)."""
    merged: list[LineProblem] = field(default_factory=list)
    """Devices listed again (the same serial, UUID, slot or bus address), kept once: the first lines of them."""
    merged_count: int = 0
    """How many device records were merged into one listed earlier (``merged`` shows the first few)."""

    @property
    def matched(self) -> list[FleetDevice]:
        """Devices tied to a catalog chip."""
        return [d for d in self.devices if d.chip_id is not None]

    @property
    def unmatched(self) -> list[FleetDevice]:
        """Devices no catalog chip matched; listed, never dropped."""
        return [d for d in self.devices if d.chip_id is None]

    @property
    def device_count(self) -> int:
        """Total devices, register counts included."""
        return sum(d.count for d in self.devices)
