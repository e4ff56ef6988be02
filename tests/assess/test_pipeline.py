"""The whole pipeline on the shipped example scenario (chipshift/examples/example.yaml), and scenario errors.

The example fleet (chipshift/examples/fleet.csv) holds 832 accelerators of which 320 are Ascend 910B
(128 + 64 + 128 rows), so the domestic share by count now is 320 / 832 = 38.5%.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from chipshift.assess import Assessment, assess, example_scenario_path, load_scenario, parse_scenario, problem_of
from chipshift.assess.pipeline import uncertainty_of
from chipshift.assess.plan_problem import workload_demand
from chipshift.assess.scenario import RatioMetric
from chipshift.catalog import load_catalog
from chipshift.errors import InputFileError
from chipshift.plan import PlanStatus, run_monte_carlo


@pytest.fixture
def example(example_assessment: Assessment) -> Assessment:
    return example_assessment


def test_fleet_ratio_now_counts_the_example_inventory(example: Assessment) -> None:
    assert example.fleet.ratios is not None
    overall = next(share for metric, share in example.fleet.ratios.overall.items() if metric.value == "count")
    assert (overall.domestic, overall.total) == (320, 832)
    assert overall.ratio == pytest.approx(320 / 832)


def test_every_step_ran_and_was_timed(example: Assessment) -> None:
    assert set(example.timings) == {"fleet", "scan", "perf", "compare", "plan", "monte_carlo"}
    assert example.scan is not None and len(example.scan.findings) > 0
    assert example.efforts["ascend"] > 0  # the example repository uses CUDA kernels and torch.cuda


def test_candidate_without_memory_bandwidth_is_gated_out_with_the_reason(example: Assessment) -> None:
    excluded = {e.id: e.reason for e in example.comparison.excluded}
    assert "memory bandwidth" in excluded["cambricon-mlu590"]
    assert "cambricon-mlu590" not in example.comparison.topsis.order
    assert len(example.comparison.topsis.order) == 4


def test_plan_is_optimal_and_meets_every_fleet_wide_target(example: Assessment) -> None:
    plan = example.plan
    assert plan is not None and plan.status is PlanStatus.OPTIMAL
    assert not plan.violations
    for target in example.scenario.targets:
        if target.scope.site or target.scope.sector:
            continue
        for year in plan.years:
            if year.year >= target.year:
                assert year.domestic_share[target.metric.value] >= target.min_share - 1e-6


def test_plan_respects_budget_and_state_funded_rule(example: Assessment) -> None:
    plan = example.plan
    assert plan is not None
    chip_of = {c.label or c.id: c.id for c in example.scenario.candidates}
    for year in plan.years:
        assert year.capex <= example.scenario.budget_per_year[year.year] * (1 + 1e-9)
        for name in year.buy.get("guizhou-state-dc", {}):
            chip = chip_of[name]
            assert chip.startswith(("huawei", "cloudmatrix")), name  # domestic only at the state-funded site


def test_monte_carlo_is_reproducible_from_its_seed(example: Assessment) -> None:
    problem = problem_of(example)
    spec = dataclasses.replace(uncertainty_of(example), runs=6)
    plan = example.plan
    assert plan is not None
    first = run_monte_carlo(problem, plan, spec, workers=1)
    again = run_monte_carlo(problem, plan, spec, workers=2)
    other = run_monte_carlo(problem, plan, dataclasses.replace(spec, seed=spec.seed + 1), workers=1)
    assert [run.npv for run in first.runs] == [run.npv for run in again.runs]
    assert first.tornado == again.tornado
    assert [run.npv for run in first.runs] != [run.npv for run in other.runs]


def test_stopping_after_compare_solves_no_plan() -> None:
    result = assess(load_scenario(example_scenario_path()), load_catalog(), plan=False)
    assert result.plan is None and result.monte_carlo is None
    assert result.comparison.top is not None


def test_scenario_error_names_file_line_and_field() -> None:
    text = example_scenario_path().read_text(encoding="utf-8").replace("min_share: 0.6", "min_share: 1.6")
    with pytest.raises(InputFileError) as caught:
        parse_scenario(text, "mine.yaml")
    message = str(caught.value)
    assert "mine.yaml" in message and "targets[1].min_share" in message
    line = next(i for i, s in enumerate(text.splitlines(), start=1) if "min_share: 1.6" in s)
    assert f":{line}" in message


def test_scenario_rejects_unknown_fields_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="budget_per_yeer"):
        parse_scenario("name: x\nyears: [2025]\nbudget_per_yeer: {}\n", "s.yaml")
    with pytest.raises(InputFileError, match="not valid YAML"):
        parse_scenario("name: [x\n", "s.yaml")
    missing = tmp_path / "nope.yaml"
    with pytest.raises(InputFileError, match=r"nope\.yaml"):
        load_scenario(missing)


def test_target_metrics_are_the_documented_ones() -> None:
    assert {m.value for m in RatioMetric} == {"count", "compute", "value"}


def test_a_misspelt_target_site_is_an_error_not_an_empty_scope() -> None:
    text = example_scenario_path().read_text(encoding="utf-8")
    scenario = parse_scenario(text.replace("scope: {site: shanghai-ai-centre}", "scope: {site: shanghai-ai-center}"))
    scenario = scenario.resolve_paths(example_scenario_path().parent)
    with pytest.raises(InputFileError, match=r"targets\[\d\]\.scope\.site.*shanghai-ai-center.*Did you mean"):
        assess(scenario, load_catalog(), monte_carlo=False)


def test_demand_grows_by_calendar_years_between_plan_years() -> None:
    scenario = load_scenario(example_scenario_path()).model_copy(update={"years": [2025, 2027]})
    chat = next(w for w in workload_demand(scenario) if w.id == "chat")
    assert chat.demand[2027] == pytest.approx(chat.demand[2025] * 1.4**2)  # growth_per_year 0.4, two years


def test_the_sweep_draws_the_perf_models_held_out_error(example: Assessment) -> None:
    from chipshift.perf import capacity_error_ratios

    spec = uncertainty_of(example)
    assert spec.capacity_error == capacity_error_ratios() and len(spec.capacity_error) >= 30
    off = example.scenario.monte_carlo.model_copy(update={"model_error": False})
    quiet = dataclasses.replace(example, scenario=example.scenario.model_copy(update={"monte_carlo": off}))
    assert uncertainty_of(quiet).capacity_error == ()
