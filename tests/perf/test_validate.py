"""The model against published measurements (../shared/data/perf/calibration.yaml, shipped as package data).

Targets of issue 3: median absolute error at most 20%, every case within a factor of 2 (the time it takes is a
benchmark, ``benchmarks/bench_perf_anchors.py``, not a test).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chipshift.errors import InputFileError
from chipshift.perf.cases import parse_cases
from chipshift.perf.validate import ValidationReport, calibration_file, validate_file


@pytest.fixture(scope="module")
def report() -> ValidationReport:
    return validate_file()


def test_shipped_file_is_the_shared_one(shared_data: Path) -> None:
    assert calibration_file().read_text() == (shared_data / "perf" / "calibration.yaml").read_text()


def test_every_case_predicted(report: ValidationReport) -> None:
    result = report
    assert [c.reason for c in result.cases if c.predicted is None] == []


def test_median_error_within_20_percent(report: ValidationReport) -> None:
    result = report
    assert result.summary()["median_abs_error"] <= 0.20


def test_every_case_within_factor_two(report: ValidationReport) -> None:
    result = report
    outside = {c.id: c.error for c in result.cases if c.predicted and not 0.5 <= c.predicted / c.measured <= 2}
    assert outside == {}


def test_json_shape(report: ValidationReport) -> None:
    data = report.to_dict()
    assert set(data) == {"cases", "summary"}
    assert set(data["summary"]) == {"n", "predicted", "median_abs_error", "mape"}
    assert set(data["cases"][0]) == {"id", "metric", "measured", "predicted", "error", "reason"}


def test_malformed_case_names_line_case_and_field(tmp_path: Path) -> None:
    text = calibration_file().read_text().replace("value: 6688", "value: lots", 1)
    with pytest.raises(InputFileError) as caught:
        parse_cases(tmp_path / "bad.yaml", text)
    assert "bad.yaml:15" in caught.value.message and "case C-1: measured.value" in caught.value.message


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
