"""A scenario naming something unknown fails before any work, at its file, line and field, with suggestions."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chipshift.assess import example_scenario_path, parse_scenario
from chipshift.assess.checks import check_scenario
from chipshift.catalog import load_catalog
from chipshift.errors import InputFileError

EXAMPLE = example_scenario_path().read_text(encoding="utf-8")


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


def _fails(old: str, new: str, *, count: int = 1) -> tuple[str, int]:
    text = EXAMPLE.replace(old, new, count)
    assert text != EXAMPLE, f"the example no longer holds {old!r}"
    with pytest.raises(InputFileError) as caught:
        check_scenario(parse_scenario(text, "mine.yaml"), load_catalog())
    return str(caught.value), _line_of(text, new.strip().splitlines()[0])


def test_the_example_passes() -> None:
    check_scenario(parse_scenario(EXAMPLE, "example.yaml"), load_catalog())


def test_a_misspelt_model_names_its_line_and_the_model_meant() -> None:
    message, line = _fails("model: qwen3-32b", "model: qwen3-32bb")
    assert message.startswith(f"mine.yaml:{line}: field 'workloads[0].model'")
    assert "qwen3-32b" in message.split("Did you mean:")[1]


def test_a_misspelt_candidate_suggests_chips_and_systems() -> None:
    message, line = _fails("- id: cloudmatrix-384", "- id: cloudmatrix-348")
    assert f"mine.yaml:{line}:" in message and "candidates[" in message and "cloudmatrix-384" in message


def test_an_unknown_precision_and_perf_stack_are_named() -> None:
    message, _ = _fails("model: qwen3-32b", "model: qwen3-32b\n    precision: bf61")
    assert "workloads[0].precision" in message and "bf16" in message
    message, _ = _fails("    supply_per_year: 4000", "    perf_stack: vlm\n    supply_per_year: 4000")
    assert "perf_stack" in message and "vllm" in message
    message, _ = _fails("    supply_per_year: 4000", "    scan_target: ascent\n    supply_per_year: 4000")
    assert "scan_target" in message and "unknown porting target 'ascent'" in message and "ascend" in message


def test_years_outside_the_plan_are_errors() -> None:
    message, line = _fails("budget_per_year: {2025:", "budget_per_year: {2031: 1, 2025:")
    assert f"mine.yaml:{line}:" in message and "2031 is not a plan year (2025-2027)" in message
    message, _ = _fails("- year: 2027", "- year: 2029")
    assert "after the last plan year" in message


def test_a_currency_without_an_exchange_rate_is_named() -> None:
    message, _ = _fails("currency: CNY", "currency: EUR")
    assert "no exchange rate from EUR to CNY" in message


def test_unknown_rule_ids_and_chip_references_are_named() -> None:
    message, _ = _fails("rules_off: []", "rules_off: [cn-h200-import-blok-2026]")
    assert "regulatory.rules_off[0]" in message and "cn-h200-import-block-2026" in message
    message, _ = _fails("banned: {}", "banned: {nvidia-h2O: security review}")
    assert "gates.banned" in message and "nvidia-h20" in message


def test_the_cli_exits_2_before_any_work(tmp_path: Path) -> None:
    shutil.copytree(example_scenario_path().parent, tmp_path, dirs_exist_ok=True)  # its inventories and code
    scenario = tmp_path / "mine.yaml"
    scenario.write_text(EXAMPLE.replace("model: qwen3-32b", "model: qwen3-32bb"), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "chipshift", "assess", str(scenario), "--out", str(tmp_path / "r.html")],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert "workloads[0].model" in run.stderr and "qwen3-32b" in run.stderr
    assert not (tmp_path / "r.html").exists()


def test_an_unknown_accepted_precision_is_named_and_perf_precisions_are_known() -> None:
    message, line = _fails("precisions: [fp8, w8a8]", "precisions: [fp8, w8a9]")
    assert message.startswith(f"mine.yaml:{line}: field 'workloads[0].precisions[1]'") and "w8a8" in message
    text = EXAMPLE.replace("model: qwen3-32b\n", "model: qwen3-32b\n    precision: w4a16\n", 1)
    check_scenario(parse_scenario(text, "mine.yaml"), load_catalog())  # perf's own names: w8a8, w4a16
