"""Reference tables shipped with the fleet engine: accelerator vendors, PCI device ids and tool-printed names.

The tables are YAML files under ``fleet/data`` (data, not code); each row names its source. They are read once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from chipshift.catalog.loader import normalise_name
from chipshift.datafiles import load_package_yaml


@dataclass(frozen=True)
class Vendor:
    """An accelerator vendor."""

    name: str
    """Name chipshift shows (``Huawei``)."""
    country: str
    """ISO code of the designer's home."""
    pci_vendor_id: str | None
    """Four hex digits, where the vendor has one."""


@dataclass(frozen=True)
class PciDevice:
    """A PCI device id of an accelerator."""

    name: str
    """Device name (``NVIDIA H100 SXM5 80GB``)."""
    chip_id: str | None
    """Catalog chip id, None when the catalog has no such chip."""
    source: str
    """Where the id comes from."""


@dataclass(frozen=True)
class KnownName:
    """A model name a tool prints, with what it means."""

    chip_id: str | None
    """Catalog chip id, None when the catalog has no such chip."""
    display: str | None
    """Clearer name to show when the chip is not in the catalog."""
    vendor: str | None
    """Vendor the name belongs to (names like ``310`` are only read for their vendor)."""


@dataclass(frozen=True)
class ReferenceData:
    """All fleet reference tables."""

    vendors: dict[str, Vendor]
    """By PCI vendor id."""
    manufacturers: dict[str, Vendor]
    """By folded alias (``ascend``, ``mthreads``, ``haiguang``)."""
    pci_devices: dict[tuple[str, str], PciDevice]
    """By (vendor id, device id)."""
    names: dict[str, KnownName]
    """By folded name."""

    def vendor_named(self, text: str | None) -> Vendor | None:
        """The vendor whose name or alias the text is or starts with (``Huawei Technologies`` → Huawei)."""
        folded = (text or "").strip().lower()
        if not folded:
            return None
        if folded in self.manufacturers:
            return self.manufacturers[folded]
        return next((v for alias, v in self.manufacturers.items() if folded.startswith(alias)), None)


def _load(name: str) -> Any:
    return load_package_yaml("chipshift.fleet", "data", name)[0]


@lru_cache(maxsize=1)
def reference_data() -> ReferenceData:
    """The shipped tables, read once."""
    vendors: dict[str, Vendor] = {}
    manufacturers: dict[str, Vendor] = {}
    for row in _load("vendors.yaml")["vendors"]:
        vendor = Vendor(row["name"], row["country"], row.get("pci_vendor_id"))
        if vendor.pci_vendor_id:
            vendors[vendor.pci_vendor_id] = vendor
        for alias in [row["name"], *row.get("aliases", [])]:
            manufacturers[str(alias).lower()] = vendor
    devices = {
        tuple(row["id"].split(":")): PciDevice(row["name"], row.get("chip"), row["source"])
        for row in _load("pci_devices.yaml")["devices"]
    }
    names = {
        normalise_name(row["name"]): KnownName(row.get("chip"), row.get("display"), row.get("vendor"))
        for row in _load("device_names.yaml")["names"]
    }
    return ReferenceData(vendors, manufacturers, devices, names)
