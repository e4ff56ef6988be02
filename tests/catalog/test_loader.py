"""Catalog loading: lookup by alias, user overrides, and errors that name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipshift.catalog import load_catalog, parse_catalog_file
from chipshift.errors import InputFileError, UnknownIdError


def test_lookup_by_alias_is_forgiving() -> None:
    catalog = load_catalog()
    assert catalog.chip("h20").id == "nvidia-h20"
    assert catalog.chip("NVIDIA H100 SXM5 80GB").id == "nvidia-h100-sxm"
    assert catalog.chip("H100-SXM").id == "nvidia-h100-sxm"


def test_unknown_id_suggests_close_ids() -> None:
    with pytest.raises(UnknownIdError) as caught:
        load_catalog().chip("H10")
    assert "nvidia-h100-sxm" in caught.value.suggestions


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("chips:\n  - id: x\n    name: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        parse_catalog_file(path)
    assert caught.value.path == str(path)
    assert caught.value.line is not None


def test_bad_confidence_names_field(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "chips:\n"
        "  - id: x1\n"
        "    name: X1\n"
        "    vendor: X\n"
        "    designer_country: CN\n"
        "    kind: datacenter-training\n"
        "    tdp_w: {value: 300, source: s, as_of: '2025', confidence: rumour}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputFileError) as caught:
        parse_catalog_file(path)
    assert caught.value.line == 7
    assert caught.value.field == "chips[0].tdp_w.confidence"


def test_user_record_overrides_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "o.yaml").write_text(
        "sources: [{id: ours, title: Our quote}]\n"
        "chips:\n"
        "  - id: nvidia-h20\n"
        "    name: NVIDIA H20 (our contract)\n"
        "    vendor: NVIDIA\n"
        "    designer_country: US\n"
        "    kind: datacenter-inference\n"
        "    price: {value: 100000, currency: CNY, source: ours, as_of: '2026-06', confidence: measured}\n",
        encoding="utf-8",
    )
    catalog = load_catalog([tmp_path])
    assert catalog.chip("nvidia-h20").name == "NVIDIA H20 (our contract)"
    assert catalog.chip("nvidia-h20").price is not None
    assert load_catalog().chip("nvidia-h20").name == "NVIDIA H20"


def test_unknown_source_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "u.yaml").write_text(
        "chips:\n"
        "  - id: x2\n"
        "    name: X2\n"
        "    vendor: X\n"
        "    designer_country: CN\n"
        "    kind: datacenter-training\n"
        "    tdp_w: {value: 300, source: nowhere, as_of: '2025', confidence: estimate}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputFileError, match="unknown source 'nowhere'"):
        load_catalog([tmp_path])


def test_missing_catalog_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="does not exist"):
        load_catalog([tmp_path / "absent"])


def test_each_stack_names_the_porting_target_its_code_needs() -> None:
    """The mapping the pipeline and scan read: CUDA needs no port, vendor stacks their own target, others portable."""
    catalog = load_catalog()
    assert list(catalog.porting_targets) == ["ascend", "cambricon", "hygon-dcu", "musa", "portable"]
    assert all(target.description for target in catalog.porting_targets.values())
    wanted = {"cuda": None, "cann": "ascend", "neuware": "cambricon", "dtk": "hygon-dcu", "rocm": "hygon-dcu"}
    wanted |= {"musa": "musa", "xpu": "portable", "maca": "portable", "vllm": "portable"}
    assert {sid: catalog.stack(sid).porting_target for sid in wanted} == wanted
    assert catalog.porting_target_of(catalog.chip("910B")) == "ascend"
    assert catalog.porting_target_of(catalog.chip("h20")) is None
    assert catalog.porting_target_of(catalog.chip("kunlunxin-p800")) == "portable"
    assert catalog.porting_target("Huawei Ascend").id == "ascend"


def test_a_stack_naming_an_unknown_porting_target_is_refused(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "stacks:\n  - {id: acme-sdk, name: ACME SDK, vendor: ACME, layer: runtime, porting_target: acme-npu}\n"
    )
    with pytest.raises(InputFileError, match=r"mine\.yaml: field 'porting_target': stack 'acme-sdk' names unknown"):
        load_catalog([tmp_path])
    (tmp_path / "targets.yaml").write_text(
        "porting_targets:\n  - {id: acme-npu, name: ACME NPU, description: a new vendor's plugin and kernels}\n"
    )
    assert load_catalog([tmp_path]).stack("acme-sdk").porting_target == "acme-npu"


def test_a_porting_target_id_is_one_a_command_line_can_type(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("porting_targets:\n  - id: ACME NPU\n    name: ACME\n    description: d\n")
    with pytest.raises(InputFileError, match=r"mine\.yaml:2: field 'porting_targets\[0\]\.id': String should match"):
        parse_catalog_file(path)
