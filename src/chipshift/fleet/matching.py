"""Tie each device record to a catalog chip, with a confidence, or say why it could not be tied.

The firmest evidence wins: a chip id stated in a register (1.0), a PCI device id from the shipped table (0.95), the
printed name equal to a catalog id, name or alias (0.9), the name in the shipped table of tool-printed names (0.85),
and last a catalog name that starts the printed name once vendor words are removed (0.6, ``partial-name``: check
it). Unmatched devices keep their vendor and designer country where the vendor is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chipshift.catalog import Catalog
from chipshift.catalog.loader import normalise_name
from chipshift.fleet.model import DeviceRecord, FleetDevice, MatchMethod
from chipshift.fleet.reference import ReferenceData, Vendor, reference_data

CONFIDENCE: dict[MatchMethod, float] = {
    MatchMethod.CHIP_ID: 1.0,
    MatchMethod.PCI_ID: 0.95,
    MatchMethod.NAME: 0.9,
    MatchMethod.NAME_TABLE: 0.85,
    MatchMethod.PARTIAL_NAME: 0.6,
    MatchMethod.NONE: 0.0,
}
VENDOR_WORDS = ("nvidia", "huawei", "ascend", "geforce", "tesla", "cambricon", "hygon", "kunlunxin", "metax")
SHORTEST_PARTIAL = 3
Answer = tuple[str | None, MatchMethod, str | None, str | None, str | None]
"""chip id, method, reason, vendor, designer country."""


@dataclass
class ChipIndex:
    """Folded names of every catalog chip, built once per catalog."""

    by_name: dict[str, str] = field(default_factory=dict)
    """Folded id, name or alias → chip id."""
    prefixes: list[tuple[str, str]] = field(default_factory=list)
    """(folded name, chip id), longest first, for partial matches."""


_INDEXES: dict[int, tuple[Catalog, ChipIndex]] = {}


def chip_index(catalog: Catalog) -> ChipIndex:
    """The name index of a catalog (cached per catalog object)."""
    cached = _INDEXES.get(id(catalog))
    index = cached[1] if cached is not None and cached[0] is catalog else None
    if index is None:
        index = ChipIndex()
        for chip in catalog.chips.values():
            for name in (chip.id, chip.name, *chip.aliases):
                index.by_name.setdefault(normalise_name(name), chip.id)
        index.prefixes = sorted(
            ((k, v) for k, v in index.by_name.items() if len(k) >= SHORTEST_PARTIAL), key=lambda kv: -len(kv[0])
        )
        _INDEXES[id(catalog)] = (catalog, index)
    return index


def _strip_vendor_words(folded: str) -> str:
    changed = True
    while changed:
        changed = False
        for word in VENDOR_WORDS:
            if folded.startswith(word) and len(folded) > len(word):
                folded, changed = folded[len(word) :], True
    return folded


class Matcher:
    """Matches device records against one catalog; remembers answers, so a 100,000-row register is quick."""

    def __init__(self, catalog: Catalog, reference: ReferenceData | None = None) -> None:
        self.catalog = catalog
        self.reference = reference or reference_data()
        self.index = chip_index(catalog)
        self._memo: dict[tuple[str | None, ...], dict[str, object]] = {}
        """Answers by (chip hint, PCI ids, model, vendor), as the FleetDevice fields after ``record``."""

    def match(self, record: DeviceRecord) -> FleetDevice:
        """The device with its chip (or None), confidence, method, vendor and designer country."""
        key = (record.chip_hint, record.pci_vendor_id, record.pci_device_id, record.model, record.vendor)
        found = self._memo.get(key)
        if found is None:
            chip_id, method, reason, vendor, country = self._answer(record)
            found = self._memo[key] = {
                "chip_id": chip_id,
                "match_confidence": CONFIDENCE[method],
                "match_method": method,
                "vendor": vendor,
                "designer_country": country,
                "reason": reason,
            }
        device = object.__new__(FleetDevice)
        fields = device.__dict__
        fields["record"] = record
        fields.update(found)
        return device

    def _answer(self, record: DeviceRecord) -> Answer:
        chip_id, method, reason = self._find(record)
        chip = self.catalog.chips.get(chip_id) if chip_id else None
        if chip is not None:
            return chip_id, method, reason, chip.vendor, chip.designer_country
        vendor = self._vendor(record)
        return chip_id, method, reason, vendor.name if vendor else record.vendor, vendor.country if vendor else None

    def _vendor(self, record: DeviceRecord) -> Vendor | None:
        if record.pci_vendor_id and record.pci_vendor_id in self.reference.vendors:
            return self.reference.vendors[record.pci_vendor_id]
        return self.reference.vendor_named(record.vendor)

    def _known(self, chip_id: str | None) -> bool:
        return chip_id is not None and chip_id in self.catalog.chips

    def _find(self, record: DeviceRecord) -> tuple[str | None, MatchMethod, str | None]:
        if record.chip_hint:
            hinted = self.index.by_name.get(normalise_name(record.chip_hint))
            if hinted:
                return hinted, MatchMethod.CHIP_ID, None
            return None, MatchMethod.NONE, f"chip_id '{record.chip_hint}' is not in the catalog"
        pci = self.reference.pci_devices.get((record.pci_vendor_id or "", record.pci_device_id or ""))
        if pci is not None and self._known(pci.chip_id):
            return pci.chip_id, MatchMethod.PCI_ID, None
        if record.model is None:
            name = f" ({pci.name})" if pci else ""
            return None, MatchMethod.NONE, f"model name masked or not reported{name}"
        return self._by_name(record, pci.name if pci else None)

    def _by_name(self, record: DeviceRecord, pci_name: str | None) -> tuple[str | None, MatchMethod, str | None]:
        model = record.model or ""
        folded = normalise_name(model)
        if folded in self.index.by_name:
            return self.index.by_name[folded], MatchMethod.NAME, None
        known = self.reference.names.get(folded)
        vendor = self._vendor(record)
        if known and (known.vendor is None or vendor is None or known.vendor == vendor.name):
            if self._known(known.chip_id):
                return known.chip_id, MatchMethod.NAME_TABLE, None
            shown = known.display or model
            return None, MatchMethod.NONE, f"'{shown}' is not in the catalog"
        bare = _strip_vendor_words(folded)
        if bare in self.index.by_name:
            return self.index.by_name[bare], MatchMethod.NAME, None
        partial = next((chip for name, chip in self.index.prefixes if bare.startswith(name)), None)
        if partial is not None:
            return partial, MatchMethod.PARTIAL_NAME, None
        return None, MatchMethod.NONE, f"'{pci_name or model}' is not in the catalog"


def match_records(records: list[DeviceRecord], catalog: Catalog) -> list[FleetDevice]:
    """Match every record; unmatched ones are kept with their reason."""
    matcher = Matcher(catalog)
    return [matcher.match(record) for record in records]
