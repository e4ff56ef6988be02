"""``lspci -nn`` (and ``-nnn -D``): PCI functions with their class and ``[vendor:device]`` ids.

An accelerator is a line of class 0300 (VGA), 0302 (3D controller), 0380 (display) or 1200 (processing
accelerator) whose vendor is an accelerator vendor in ``fleet/data/vendors.yaml``. Ascend cards enumerate as class
1200, not as display controllers; Huawei's other functions (NICs, RAID) are ignored by the class test.
"""

from __future__ import annotations

import re

from chipshift.fleet.model import DeviceRecord, ParsedInventory
from chipshift.fleet.parsers.interface import SourceText
from chipshift.fleet.reference import reference_data

LINE = re.compile(
    r"^(?P<bus>(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])\s+"
    r"(?P<klass>[^\[]*?)\s*\[(?P<code>[0-9a-fA-F]{4})\]:\s*(?P<desc>.*?)\s*"
    r"\[(?P<vendor>[0-9a-fA-F]{4}):(?P<device>[0-9a-fA-F]{4})\](?P<rest>.*)$"
)
ACCELERATOR_CLASSES = {"0300", "0302", "0380", "1200"}


class LspciParser:
    """``lspci -nn``."""

    name = "lspci"

    def sniff(self, source: SourceText) -> bool:
        lines = [line for line in source.head_lines(200) if line.strip()]
        return bool(lines) and sum(1 for line in lines if LINE.match(line)) >= max(1, len(lines) // 2)

    def parse(self, source: SourceText) -> ParsedInventory:
        reference = reference_data()
        records: list[DeviceRecord] = []
        for number, line in enumerate(source.lines(), start=1):
            match = LINE.match(line.strip())
            if not match or match.group("code") not in ACCELERATOR_CLASSES:
                continue
            vendor_id, device_id = match.group("vendor").lower(), match.group("device").lower()
            vendor = reference.vendors.get(vendor_id)
            if vendor is None:
                continue
            known = reference.pci_devices.get((vendor_id, device_id))
            records.append(
                DeviceRecord(
                    model=known.name if known else None,
                    vendor=vendor.name,
                    line=number,
                    pci_vendor_id=vendor_id,
                    pci_device_id=device_id,
                    bus_id=match.group("bus").lower(),
                )
            )
        return ParsedInventory(format=self.name, records=records)
