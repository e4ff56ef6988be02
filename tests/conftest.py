"""Shared test fixtures. Tests read the real samples in ../shared/data where the repository sits beside shared/."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipshift.assess import Assessment, assess, example_scenario_path, load_scenario, report_data
from chipshift.catalog import load_catalog
from chipshift.report import ReportData

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def shared_data() -> Path:
    """The shared data folder (validation cases, inventory samples); skips where the checkout has none beside it."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("../shared/data is not beside this checkout")
    return path


@pytest.fixture(scope="session")
def example_assessment() -> Assessment:
    """The shipped example scenario assessed once per test session (each xdist worker computes it once)."""
    return assess(load_scenario(example_scenario_path()), load_catalog())


@pytest.fixture(scope="session")
def example_data(example_assessment: Assessment) -> ReportData:
    """The example assessment as the report's typed data."""
    return report_data(example_assessment)
