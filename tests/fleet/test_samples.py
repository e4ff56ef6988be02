"""Every shared inventory sample parses to the devices it shows (shared/data/inventory-samples/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipshift.catalog import Catalog
from chipshift.fleet import MatchMethod, read_inventory

# file, format, devices, chip ids (None = unmatched), MIG instances of the first device
EXPECTED: list[tuple[str, str, int, set[str | None], int]] = [
    ("telegraf__a10g.xml", "nvidia-smi-xml-v11", 1, {None}, 0),
    ("telegraf__a100-sxm4-v12.xml", "nvidia-smi-xml-v12", 1, {"nvidia-a100-sxm-80gb"}, 4),
    ("telegraf__rtx-3080-v13.xml", "nvidia-smi-xml-v13", 1, {None}, 0),
    ("telegraf__rtx-4000-sff-ada-v13.xml", "nvidia-smi-xml-v13", 1, {None}, 0),
    (
        "nvidia_gpu_exporter__linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01.txt",
        "nvidia-smi-capture",
        1,
        {"nvidia-h100-sxm"},
        0,
    ),
    (
        "nvidia_gpu_exporter__linux-x86_64__nvidia-h100-mig__590.48.01.txt",
        "nvidia-smi-capture",
        1,
        {"nvidia-h100-sxm"},
        4,
    ),
    ("nvidia_gpu_exporter__linux-x86_64__nvidia-h200__590.48.01.txt", "nvidia-smi-capture", 1, {"nvidia-h200-sxm"}, 0),
    (
        "nvidia_gpu_exporter__linux-x86_64__nvidia-h200-mig__590.48.01.txt",
        "nvidia-smi-capture",
        1,
        {"nvidia-h200-sxm"},
        5,
    ),
    ("nvidia_gpu_exporter__linux-x86_64__nvidia-l40s__595.80.txt", "nvidia-smi-capture", 1, {"nvidia-l40s"}, 0),
    (
        "gpustack__ai-server_atlas-800-inference-server_model-3000_version-1.0.0-1.0.10.txt",
        "npu-smi-info",
        4,
        {None},
        0,
    ),
    (
        "gpustack__ai-server_atlas-800-inference-server_model-3000_version-1.0.0-1.0.10_mapping.txt",
        "npu-smi-info-m",
        4,
        {None},
        0,
    ),
    (
        "gpustack__ai-server_atlas-800-inference-server_model-3000_version-1.0.11-1.0.15.txt",
        "npu-smi-info",
        4,
        {None},
        0,
    ),
    (
        "gpustack__ai-server_atlas-800-inference-server_model-3000_version-1.0.11-1.0.15_mapping.txt",
        "npu-smi-info-m",
        4,
        {None},
        0,
    ),
    ("gpustack__ai-server_atlas-800-training-server_model-9010_version-24.1.RC2.txt", "npu-smi-info", 8, {None}, 0),
    (
        "gpustack__ai-server_atlas-800-training-server_model-9010_version-24.1.RC2_mapping.txt",
        "npu-smi-info-m",
        8,
        {"huawei-ascend-910"},
        0,
    ),
    (
        "gpustack__ai-server_atlas-800-training-server_model-9010_version-6.0.RC1.txt",
        "npu-smi-info",
        8,
        {"huawei-ascend-910"},
        0,
    ),
    (
        "gpustack__ai-server_atlas-800-training-server_model-9010_version-6.0.RC1_mapping.txt",
        "npu-smi-info-m",
        8,
        {"huawei-ascend-910"},
        0,
    ),
    ("gpustack__hygon-gpu-24.04.3-rocm-smi.json", "rocm-smi-json", 1, {None}, 0),
    ("gpustack__hygon-gpu-24.04.3-rocminfo.txt", "rocminfo", 1, {None}, 0),
    ("runtime__detect_output_ascend_910b2.json", "gpustack-runtime-json", 8, {"huawei-ascend-910b2"}, 0),
    ("runtime__detect_output_hygon_k100ai.json", "gpustack-runtime-json", 8, {"hygon-dcu-k100-ai"}, 0),
    ("runtime__detect_output_metax_c500.json", "gpustack-runtime-json", 8, {"metax-c500"}, 0),
    ("runtime__detect_output_nvidia_h100.json", "gpustack-runtime-json", 8, {"nvidia-h100-sxm"}, 0),
    ("runtime__detect_output_nvidia_h200.json", "gpustack-runtime-json", 8, {"nvidia-h200-sxm"}, 0),
    ("cyborg__test_ascend_lspci.txt", "lspci", 2, {None}, 0),
]


def test_every_sample_is_covered(samples: Path) -> None:
    listed = {name for name, *_ in EXPECTED}
    present = {p.name for p in samples.iterdir() if p.name not in {"SOURCES.md", "LICENSES.md"}}
    assert present == listed


@pytest.mark.parametrize(("name", "fmt", "count", "chips", "mig"), EXPECTED, ids=[e[0][:70] for e in EXPECTED])
def test_sample_parses_to_its_devices(
    samples: Path, catalog: Catalog, name: str, fmt: str, count: int, chips: set[str | None], mig: int
) -> None:
    read = read_inventory(samples / name, catalog=catalog)
    assert read.format == fmt
    assert read.problems == []
    assert read.device_count == count
    assert {d.chip_id for d in read.devices} == chips
    assert read.devices[0].record.mig_instances == mig
    for device in read.unmatched:
        assert device.match_method is MatchMethod.NONE and device.reason


def test_a100_xml_fields(samples: Path, catalog: Catalog) -> None:
    device = read_inventory(samples / "telegraf__a100-sxm4-v12.xml", catalog=catalog).devices[0]
    assert device.record.pci_device_id == "20b2"
    assert device.record.memory_mib == 81920
    assert device.record.power_limit_w == 500
    assert device.match_method is MatchMethod.PCI_ID


def test_masked_npu_names_stay_unmatched_but_domestic_vendor(samples: Path, catalog: Catalog) -> None:
    read = read_inventory(
        samples / "gpustack__ai-server_atlas-800-training-server_model-9010_version-24.1.RC2.txt", catalog=catalog
    )
    assert all(d.record.model is None and d.vendor == "Huawei" and d.designer_country == "CN" for d in read.devices)
    assert read.devices[0].record.memory_mib == 32768
    assert read.devices[0].record.bus_id == "0000:c1:00.0"


def test_npu_smi_table_and_mapping_together_fill_masked_names(samples: Path, catalog: Catalog, tmp_path: Path) -> None:
    stem = "gpustack__ai-server_atlas-800-training-server_model-9010_version-24.1.RC2"
    joined = tmp_path / "npu.txt"
    joined.write_bytes((samples / f"{stem}.txt").read_bytes() + (samples / f"{stem}_mapping.txt").read_bytes())
    read = read_inventory(joined, catalog=catalog)
    assert read.format == "npu-smi-info+mapping"
    assert read.device_count == 8
    assert {d.chip_id for d in read.devices} == {"huawei-ascend-910"}


def test_mcu_rows_are_not_devices(samples: Path, catalog: Catalog) -> None:
    name = "gpustack__ai-server_atlas-800-inference-server_model-3000_version-1.0.11-1.0.15_mapping.txt"
    read = read_inventory(samples / name, catalog=catalog)
    assert [d.record.model for d in read.devices] == ["MiniD"] * 4
    assert all("Ascend 310" in (d.reason or "") for d in read.devices)


def test_lspci_ascend_class_1200(samples: Path, catalog: Catalog) -> None:
    read = read_inventory(samples / "cyborg__test_ascend_lspci.txt", catalog=catalog)
    assert [(d.record.pci_vendor_id, d.record.pci_device_id) for d in read.devices] == [("19e5", "d100")] * 2
    assert {d.designer_country for d in read.devices} == {"CN"}


def test_capture_rows_keep_their_file_line(samples: Path, catalog: Catalog) -> None:
    path = samples / "nvidia_gpu_exporter__linux-x86_64__nvidia-h100-mig__590.48.01.txt"
    device = read_inventory(path, catalog=catalog).devices[0]
    assert device.record.line is not None
    assert path.read_text().splitlines()[device.record.line - 1].startswith("2026/07/14 09:00:27.792, 590.48.01")
