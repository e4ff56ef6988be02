"""The fleet reference tables (fleet/data) name only chips the catalog has, and every row has its source."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from chipshift.catalog import Catalog
from chipshift.errors import InputFileError
from chipshift.fleet import read_inventory_bytes
from chipshift.fleet.parsers import register
from chipshift.fleet.reference import reference_data


def test_every_chip_named_in_the_tables_is_in_the_catalog(catalog: Catalog) -> None:
    data = reference_data()
    named = {d.chip_id for d in data.pci_devices.values()} | {n.chip_id for n in data.names.values()}
    missing = sorted(chip for chip in named if chip is not None and chip not in catalog.chips)
    assert missing == [], f"fleet/data names chips the catalog lacks: {missing}"


def test_every_pci_device_has_a_source_and_a_known_vendor() -> None:
    data = reference_data()
    for (vendor_id, device_id), device in data.pci_devices.items():
        assert device.source and len(device_id) == 4
        assert vendor_id in data.vendors


def test_examples_name_catalog_chips(catalog: Catalog) -> None:
    from .conftest import EXAMPLES

    text = (EXAMPLES / "fleet-targets.yaml").read_text()
    assert "nio-shenji-nx9031" in catalog.chips and "nvidia-orin-x" in catalog.chips
    assert "nio-shenji-nx9031" in text


def test_xlsx_zip_bomb_is_refused(catalog: Catalog, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 2_000_000)
    monkeypatch.setattr(register, "MAX_UNPACKED_BYTES", 1_000_000)
    with pytest.raises(InputFileError, match=r"bomb\.xlsx: workbook unpacks to 2,000,000 bytes"):
        read_inventory_bytes("bomb.xlsx", buffer.getvalue(), catalog=catalog)


def test_example_paths_exist() -> None:
    from chipshift.fleet import EXAMPLE_REGISTER, EXAMPLE_TARGETS

    assert EXAMPLE_REGISTER.is_file() and EXAMPLE_TARGETS.is_file()
