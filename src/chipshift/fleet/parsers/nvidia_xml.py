"""``nvidia-smi -q -x``: the XML report, DTD schema v11 to v13 and later, MIG included.

The schema changes between driver generations (telegraf keeps one parser per schema); the fields read here exist in
every version seen (``product_name``, ``uuid``, ``pci/pci_device_id``, ``fb_memory_usage/total``, a power limit
under ``power_readings`` (v11) or ``gpu_power_readings`` (v12+)). XML is parsed with defusedxml: entity expansion
and external references are refused, so a hostile file is an error, not a hang.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from chipshift.fleet.model import DeviceRecord, ParsedInventory
from chipshift.fleet.parsers.interface import SourceText, first_number, masked

SCHEMA_VERSION = re.compile(r"nvsmi_device_v(\d+)\.dtd")
POWER_LIMIT_TAGS = ("default_power_limit", "power_limit", "current_power_limit", "enforced_power_limit")


def _text(element: Element, path: str) -> str | None:
    found = element.find(path)
    return None if found is None or found.text is None else found.text.strip()


def _power_limit_w(gpu: Element) -> float | None:
    for readings in ("gpu_power_readings", "power_readings"):
        block = gpu.find(readings)
        if block is None:
            continue
        for tag in POWER_LIMIT_TAGS:
            value = first_number(_text(block, tag))
            if value is not None:
                return value
    return None


def _pci_ids(gpu: Element) -> tuple[str | None, str | None]:
    """``20B210DE`` is device 20b2 of vendor 10de."""
    combined = (_text(gpu, "pci/pci_device_id") or "").lower().removeprefix("0x")
    if re.fullmatch(r"[0-9a-f]{8}", combined) and combined[4:] == "10de" and combined[:4] != "0000":
        return "10de", combined[:4]
    return "10de", None


def _gpu_record(gpu: Element, host: str | None) -> DeviceRecord:
    vendor_id, device_id = _pci_ids(gpu)
    mig_on = (_text(gpu, "mig_mode/current_mig") or "").lower() == "enabled"
    name = _text(gpu, "product_name")
    return DeviceRecord(
        model=None if masked(name) else name,
        vendor="NVIDIA",
        pci_vendor_id=vendor_id,
        pci_device_id=device_id,
        bus_id=gpu.get("id") or _text(gpu, "pci/pci_bus_id"),
        uuid=_text(gpu, "uuid"),
        host=host,
        memory_mib=first_number(_text(gpu, "fb_memory_usage/total")),
        power_limit_w=_power_limit_w(gpu),
        mig_instances=len(gpu.findall("mig_devices/mig_device")) if mig_on else 0,
    )


class NvidiaSmiXmlParser:
    """``nvidia-smi -q -x``."""

    name = "nvidia-smi-xml"

    def sniff(self, source: SourceText) -> bool:
        head = (source.text or "")[:2000]
        return head.lstrip().startswith("<") and ("<nvidia_smi_log" in head or "nvsmi_device_v" in head)

    def parse(self, source: SourceText) -> ParsedInventory:
        try:
            root = SafeElementTree.fromstring(source.data, forbid_dtd=False)
        except DefusedXmlException as error:
            raise source.fail(f"refused unsafe XML ({type(error).__name__}): {error}") from None
        except ParseError as error:
            line = error.position[0] if error.position else None
            raise source.fail(f"not well-formed XML, maybe truncated: {error}", line=line) from None
        except (LookupError, ValueError) as error:
            raise source.fail(f"the XML declares an encoding that cannot be read: {error}", line=1) from None
        except RecursionError:
            raise source.fail("XML nested too deeply to be an nvidia-smi report") from None
        if root.tag != "nvidia_smi_log":
            raise source.fail(f"expected <nvidia_smi_log> at the root, found <{root.tag}>")
        version = SCHEMA_VERSION.search((source.text or "")[:2000])
        fmt = f"{self.name}-v{version.group(1)}" if version else self.name
        host = _text(root, "hostname")
        records = [_gpu_record(gpu, host) for gpu in root.findall("gpu")]
        if not records:
            raise source.fail("nvidia-smi XML with no <gpu> element")
        return ParsedInventory(format=fmt, records=records, host=host)
