"""assess: the pipeline above the engines. One scenario in; fleet, scan, perf, compare, plan and Monte Carlo run in
order; one typed report out.

``assess(load_scenario(path), load_catalog())`` returns an :class:`Assessment` (the engines' typed results);
:func:`report_data` turns it into the report's :class:`chipshift.report.ReportData`. This is the only package that
knows scenario files and talks to more than one engine; decide and plan never import each other.
"""

from importlib import resources
from pathlib import Path

from chipshift.assess.checks import check_scenario
from chipshift.assess.pipeline import Assessment, Progress, assess, problem_of
from chipshift.assess.report_data import comparison_section, plan_section, report_data
from chipshift.assess.scenario import Scenario, load_scenario, parse_scenario


def example_scenario_path() -> Path:
    """The shipped example scenario (``chipshift/examples/example.yaml``)."""
    return Path(str(resources.files("chipshift.examples") / "example.yaml"))


__all__ = [
    "Assessment",
    "Progress",
    "Scenario",
    "assess",
    "check_scenario",
    "comparison_section",
    "example_scenario_path",
    "load_scenario",
    "parse_scenario",
    "plan_section",
    "problem_of",
    "report_data",
]
