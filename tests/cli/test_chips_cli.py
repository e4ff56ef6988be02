"""The ``chipshift chips`` commands, driven through the CLI runner as a user would."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chipshift.cli.main import app

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_list_json_has_at_least_30_accelerators() -> None:
    code, out, _ = invoke("chips", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) >= 30
    assert {"id", "vendor", "country", "export_class"} <= set(rows[0])


def test_list_filters_by_country_and_csv() -> None:
    code, out, _ = invoke("chips", "list", "--country", "CN", "--format", "csv")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("id,name,vendor,country")
    assert len(lines) > 10
    assert all(",CN," in line for line in lines[1:])


def test_classify_h20_and_h100_give_published_classes() -> None:
    # Published values: H100 TPP 15,832 -> 3A090.a; H20 TPP 2,368 -> not covered
    # (shared/research/catalog-anchors.md, Part C).
    for chip, tpp, export_class in (("H100", 15832, "3A090.a"), ("H20", 2368, "not covered")):
        code, out, _ = invoke("chips", "classify", chip, "--json")
        assert code == 0
        data = json.loads(out)
        assert abs(data["tpp"] - tpp) <= 1
        assert data["export_class"] == export_class
        assert any("TPP =" in line for line in data["working"])


def test_classify_table_shows_working() -> None:
    code, out, _ = invoke("chips", "classify", "A800")
    assert code == 0
    assert "3A090.a" in out and "TPP = " in out


def test_show_accepts_chinese_name_and_lists_sources() -> None:
    code, out, _ = invoke("chips", "show", "昇腾910B", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["id"] == "huawei-ascend-910b"
    assert data["designer_country"] == "CN"
    assert data["sources"], "every figure shown cites a source"


def test_compare_gives_ratios_to_the_first() -> None:
    code, out, _ = invoke("chips", "compare", "H100", "H20", "--json")
    assert code == 0
    data = json.loads(out)
    bf16 = next(row for row in data["rows"] if row["field"] == "dense_tflops.bf16")
    assert bf16["cells"][0]["ratio"] == 1.0
    assert abs(bf16["cells"][1]["ratio"] - 148 / 989.4) < 0.01


def test_unknown_chip_suggests_closest_ids_without_traceback() -> None:
    code, _, err = invoke("chips", "show", "H30")
    assert code == 2
    assert "unknown chip 'H30'" in err
    assert "nvidia-h20" in err
    assert "Traceback" not in err


def test_malformed_user_catalog_names_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "mine.yaml"
    bad.write_text(
        "chips:\n"
        "  - id: my-chip\n"
        "    name: My chip\n"
        "    vendor: Me\n"
        "    designer_country: CN\n"
        "    kind: datacenter-training\n"
        "    tdp_w: {value: lots, source: x, as_of: '2025', confidence: estimate}\n",
        encoding="utf-8",
    )
    code, _, err = invoke("--catalog", str(tmp_path), "chips", "list")
    assert code == 2
    assert f"{bad}:7:" in err
    assert "chips[0].tdp_w.value" in err
    assert "Traceback" not in err


def test_user_catalog_adds_a_chip(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "sources:\n"
        "  - {id: my-sheet, title: Our own measurement}\n"
        "chips:\n"
        "  - id: my-npu\n"
        "    name: My NPU\n"
        "    aliases: [MyNPU]\n"
        "    vendor: Example\n"
        "    designer_country: CN\n"
        "    kind: datacenter-inference\n"
        "    dense_tflops:\n"
        "      bf16: {value: 200, source: my-sheet, as_of: '2026-01', confidence: measured}\n",
        encoding="utf-8",
    )
    code, out, _ = invoke("--catalog", str(tmp_path), "chips", "classify", "mynpu", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["tpp"] == 3200
    # TPP 3,200 is in the density-tested band and the die area is unknown: the class cannot be decided.
    assert data["export_class"] == "unknown"
    assert "die_area_mm2" in data["unknowns"]
