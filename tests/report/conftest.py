"""The example assessment as report data, computed once for the report tests."""

from __future__ import annotations

from typing import Any

import pytest

from chipshift.catalog import load_catalog
from chipshift.cli.decide import example_scenario_path
from chipshift.decide.assess import assess
from chipshift.decide.report_data import assessment_data
from chipshift.decide.scenario import load_scenario


@pytest.fixture(scope="session")
def example_data() -> dict[str, Any]:
    return assessment_data(assess(load_scenario(example_scenario_path()), load_catalog()))
