"""The model against published measurements: the shipped calibration cases (../shared/data/perf/calibration.yaml's
18 and those issue 16 added, from at least 10 independent sources), the fitted factors, cross-validation and the
error ratios other engines draw from.

Targets of issue 16: in-sample median absolute error at most 8% with every case within a factor of 1.5; the
leave-one-source-out figure (at most 15%) is printed by ``chipshift validate --cv`` and recorded in
``benchmarks/results/perf.md`` (it refits once per source, too slow for a test; a small file checks the mechanics).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chipshift.catalog import load_catalog
from chipshift.errors import InputFileError
from chipshift.perf import capacity_error_ratios, cross_validate, training_error_ratios
from chipshift.perf.cases import parse_cases
from chipshift.perf.model_error import data_fingerprint, error_data
from chipshift.perf.validate import ValidationReport, calibration_file, validate_file

RESERVED = {"H2-6"}
"""Shared cases kept out of the fit: issue 16 reserves gpustack's rows other than ShareGPT for independent checks."""


@pytest.fixture(scope="module")
def report() -> ValidationReport:
    return validate_file()


def test_every_shared_case_is_shipped_unchanged(shared_data: Path) -> None:
    """The shipped file is the shared one with a source id per case (and the engine version's scheduling where the
    source gives the version), plus the cases issue 16 added."""
    shared = parse_cases(shared_data / "perf" / "calibration.yaml")
    shipped = {c.id: c for c in parse_cases(calibration_file())}
    assert "H2-6" not in shipped  # gpustack's random-prompt rows are reserved for independent checks (issue 16)
    for case in shared:
        if case.id in RESERVED:
            continue
        assert shipped[case.id].model_copy(update={"source_id": None, "engine": None}) == case


def test_at_least_40_cases_from_10_sources_over_chips_stacks_and_regimes() -> None:
    cases = parse_cases(calibration_file())
    assert len(cases) >= 40
    assert len({c.source_key for c in cases}) >= 10
    chips = {load_catalog().chip(c.hardware.chip).id for c in cases}
    assert {"nvidia-h20", "nvidia-h100-sxm", "nvidia-h200-sxm", "nvidia-h800-sxm", "nvidia-a100-sxm-80gb"} <= chips
    assert {"huawei-ascend-910b", "huawei-ascend-910c"} <= chips
    assert {"vllm", "vllm-ascend", "sglang", "mindie", "trtllm", "megatron", "mindspeed"} <= {c.stack for c in cases}
    assert {"prefill", "decode", "serving", "offline", "training"} == {c.phase.value for c in cases}
    assert any((c.workload.input_tokens or 0) >= 30_000 for c in cases)  # long prompts
    assert any(c.workload.max_concurrency == 1 for c in cases)  # low-latency decode
    assert any(c.engine is not None and c.engine.kv_cache == "fp8" for c in cases)


def test_every_case_predicted(report: ValidationReport) -> None:
    result = report
    assert [c.reason for c in result.cases if c.predicted is None] == []


def test_median_error_within_8_percent(report: ValidationReport) -> None:
    assert report.summary()["median_abs_error"] <= 0.08


def test_every_case_within_factor_one_and_a_half(report: ValidationReport) -> None:
    outside = {c.id: c.error for c in report.cases if c.predicted and not 1 / 1.5 <= c.predicted / c.measured <= 1.5}
    assert outside == {}


def test_json_shape(report: ValidationReport) -> None:
    data = report.to_dict()
    assert set(data) == {"cases", "summary"}
    assert {"n", "predicted", "median_abs_error", "mape"} <= set(data["summary"])
    assert set(data["cases"][0]) == {"id", "metric", "measured", "predicted", "error", "reason"}


def test_error_ratios_are_current(report: ValidationReport) -> None:
    """scripts/perf_error_ratios.py wrote them from these cases, factors and model (rerun it when this fails)."""
    data = error_data()
    assert data["fingerprint"] == data_fingerprint()
    shipped = {row["id"]: row for row in data["cases"]}
    assert set(shipped) == {c.id for c in report.cases}
    for case in report.cases:
        assert shipped[case.id]["in_sample"] == pytest.approx(case.predicted, rel=1e-6), case.id
    ratios = capacity_error_ratios()
    assert len(ratios) == sum(1 for row in data["cases"] if row["phase"] != "training")
    assert all(0.2 < r < 5 for r in ratios) and len(training_error_ratios()) >= 6
    assert capacity_error_ratios(held_out=False) != ratios


def test_cross_validation_leaves_each_source_out(tmp_path: Path) -> None:
    """Two sources on two chips: without a chip's only source, its factors go back to their priors."""
    cases = [c for c in parse_cases(calibration_file()) if c.id in {"Q2-1", "Q2-2", "VB-3", "VB-4"}]
    path = tmp_path / "cases.yaml"
    path.write_text(
        json.dumps({"version": 1, "cases": [c.model_dump(mode="json", exclude_none=True) for c in cases]}),
        encoding="utf-8",
    )
    held = cross_validate(path)
    assert held.sources == 2 and [c.id for c in held.cases] == ["VB-3", "VB-4", "Q2-1", "Q2-2"]
    assert all(c.predicted is not None for c in held.cases)
    in_sample = {c.id: c.predicted for c in validate_file(path).cases}
    assert any(c.predicted != pytest.approx(in_sample[c.id], rel=1e-9) for c in held.cases)
    summary = held.summary()
    assert summary["n"] == 4 and summary["median_abs_error"] is not None


def test_malformed_case_names_line_case_and_field(tmp_path: Path) -> None:
    text = calibration_file().read_text()
    line = text[: text.index("value: 6688")].count("\n") + 1
    with pytest.raises(InputFileError) as caught:
        parse_cases(tmp_path / "bad.yaml", text.replace("value: 6688", "value: lots", 1))
    assert f"bad.yaml:{line}" in caught.value.message and "case C-1: measured.value" in caught.value.message


def test_missing_phase_field(tmp_path: Path) -> None:
    text = calibration_file().read_text().replace("batch_per_chip: 128, ", "", 1)
    with pytest.raises(InputFileError, match=r"case H8-4.*batch_per_chip is required"):
        parse_cases(tmp_path / "bad.yaml", text)


def test_unknown_chip_is_a_reason_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "cases.yaml"
    shutil.copy(calibration_file(), path)
    path.write_text(path.read_text().replace("chip: nvidia-h100-sxm, count: 1}", "chip: nvidia-h1000, count: 1}"))
    cases = {c.id: c for c in validate_file(path).cases}
    assert cases["H1-6"].predicted is None and "unknown chip" in (cases["H1-6"].reason or "")
