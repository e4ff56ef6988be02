"""Which device is which: the identity key that keeps one physical device from being counted twice.

A device is identified, firmest first, by its serial or UUID (unique in the world, so the same device in two files
of any host is one device), by its tool slot (``npu-smi``'s NPU and chip ids, which both ``npu-smi info`` and
``npu-smi info -m`` print) within its host, or by its PCI bus address within its host. The host is the one the
source names, else the scope the caller gives (the ``--source`` name, else the file: bus addresses repeat from one
identical server to the next, so without a host they identify a device only within its own file). Masked values
(``GPU-00000000-...``, ``TPXxxxx``, ``redacted-host``) identify nothing. A register row without a serial has no
identity: it may stand for many devices.
"""

from __future__ import annotations

import re

from chipshift.fleet.model import DeviceRecord
from chipshift.fleet.parsers.interface import masked

MASKED_HOSTS = {"redacted-host", "localhost", "localhost.localdomain", "hostname", "n/a", "unknown"}
"""Host names that name no particular machine."""
SEPARATORS = re.compile(r"[\s\-_:]+")
BUS_ID = re.compile(r"^(?:(?P<domain>[0-9a-f]{4,8}):)?(?P<bus>[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])$")


def serial_key(uuid: str | None) -> str | None:
    """``id:<serial>`` for a serial or UUID, folded (``GPU-`` prefix, case, spaces, dashes); None when masked."""
    if uuid is None:
        return None
    folded = uuid.lower() if uuid.isalnum() else SEPARATORS.sub("", uuid.strip().lower())
    folded = folded.removeprefix("gpu")
    if len(folded) < 4 or masked(uuid) or not folded.strip("0x"):
        return None
    return f"id:{folded}"


def bus_address(bus_id: str | None) -> str | None:
    """A PCI address with a four-digit domain (``00000000:C1:00.0`` → ``0000:c1:00.0``); None when not one."""
    if not bus_id:
        return None
    found = BUS_ID.match(bus_id.strip().lower())
    if found is None:
        return None
    domain = (found.group("domain") or "0000")[-4:]
    return f"{domain}:{found.group('bus')}"


def host_name(host: str | None) -> str | None:
    """The host folded to lower case, None when absent or a placeholder."""
    if host is None:
        return None
    folded = host.strip().lower()
    return None if not folded or folded in MASKED_HOSTS or masked(folded) else folded


def device_key(record: DeviceRecord, scope: str) -> str | None:
    """The identity of a device record, or None when the source gives nothing that identifies one device.

    ``scope`` stands for the host when the record names none (the ``--source`` name, else the file).
    """
    by_serial = serial_key(record.uuid)
    if by_serial is not None:
        return by_serial
    if record.slot is None and record.bus_id is None:
        return None
    host = host_name(record.host)
    where = f"host:{host}" if host else f"source:{scope}"
    if record.slot is not None:
        return f"{where}|slot:{record.slot}"
    bus = bus_address(record.bus_id)
    return None if bus is None else f"{where}|bus:{bus}"


def describe_key(key: str) -> str:
    """The identity for a message: ``serial 'abc'``, ``bus 0000:c1:00.0``, ``slot npu 3 chip 0``."""
    if key.startswith("id:"):
        return f"serial/UUID '{key[3:]}'"
    kind, _, value = key.rpartition("|")[2].partition(":")
    return f"{'PCI bus' if kind == 'bus' else kind} {value}"
