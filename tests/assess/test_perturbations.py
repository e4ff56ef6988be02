"""Perturbations of the example scenario (issue 12): the plan must move the way a planner expects, or not at all.

Each test changes one input of the example's plan problem (or scenario) and solves again. Costs are compared within
the solver's optimality gap (``plan.mip_gap``), since both plans are only proven within it.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from chipshift.assess import Assessment, assess, example_scenario_path, load_scenario, problem_of
from chipshift.catalog import load_catalog
from chipshift.cli.main import app
from chipshift.plan import Availability, PlanProblem, PlanResult, PlanStatus, TargetMetric, solve_plan


@pytest.fixture(scope="module")
def base(example_assessment: Assessment) -> tuple[PlanProblem, PlanResult]:
    problem = problem_of(example_assessment)
    return problem, solve_plan(problem)


def _tolerance(problem: PlanProblem, plan: PlanResult) -> float:
    return problem.mip_gap * abs(plan.objective) + 1.0


def _final_share(plan: PlanResult, metric: TargetMetric = TargetMetric.COUNT) -> float:
    return plan.years[-1].domestic_share[metric.value]


def _bought(plan: PlanResult) -> dict[tuple[int, str, str], int]:
    return {(p.year, p.site, p.option): p.units for y in plan.years for p in y.purchases}


def test_the_example_plan_is_optimal_in_whole_servers(base: tuple[PlanProblem, PlanResult]) -> None:
    problem, plan = base
    assert plan.status is PlanStatus.OPTIMAL and not plan.violations
    units = {o.id: o.unit_chips for o in problem.options}
    for year in plan.years:
        for p in year.purchases:
            assert p.chips == p.units * units[p.option]
        for r in year.retirements:
            assert isinstance(r.chips, int) and r.servers >= 1


def test_a_cheaper_domestic_candidate_never_costs_more_nor_lowers_the_domestic_share(
    base: tuple[PlanProblem, PlanResult],
) -> None:
    problem, plan = base
    cheaper = dataclasses.replace(
        problem,
        options=tuple(
            dataclasses.replace(o, unit_price=o.unit_price * 0.7) if o.domestic and o.unit_price > 0 else o
            for o in problem.options
        ),
    )
    after = solve_plan(cheaper)
    assert after.objective <= plan.objective + _tolerance(problem, plan)
    assert _final_share(after) >= _final_share(plan) - 1e-6


def test_a_higher_target_never_makes_the_plan_cheaper(base: tuple[PlanProblem, PlanResult]) -> None:
    problem, plan = base
    higher = dataclasses.replace(
        problem, targets=tuple(dataclasses.replace(t, share=min(1.0, t.share + 0.1)) for t in problem.targets)
    )
    after = solve_plan(higher)
    assert after.objective >= plan.objective - _tolerance(problem, plan)


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_a_licence_revoked_stops_purchases_from_that_year_and_never_lowers_cost(
    base: tuple[PlanProblem, PlanResult], year: int
) -> None:
    problem, plan = base
    for option in {p.option for p in plan.years[-1].purchases} | {p.option for y in plan.years for p in y.purchases}:
        revoked = dataclasses.replace(
            problem,
            options=tuple(
                dataclasses.replace(
                    o,
                    availability={
                        y: Availability(False, reason="revoked") if y >= year else o.available(y) for y in problem.years
                    },
                )
                if o.id == option
                else o
                for o in problem.options
            ),
        )
        after = solve_plan(revoked)
        late = [p for y in after.years if y.year >= year for p in y.purchases if p.option == option]
        assert not late, (option, year)
        if after.feasible:
            assert after.objective >= plan.objective - _tolerance(problem, plan), (option, year)


def test_a_budget_cut_that_does_not_bind_changes_nothing(base: tuple[PlanProblem, PlanResult]) -> None:
    problem, plan = base
    spent = {y.year: y.capex for y in plan.years}
    cut = {year: min(limit, spent[year] * 1.05 + 1e6) for year, limit in problem.budget.items()}
    assert any(cut[y] < problem.budget[y] for y in cut)
    after = solve_plan(dataclasses.replace(problem, budget=cut))
    assert after.status is PlanStatus.OPTIMAL
    assert after.objective == pytest.approx(plan.objective, abs=_tolerance(problem, plan))


def test_an_impossible_budget_is_infeasible_and_never_spent_past(base: tuple[PlanProblem, PlanResult]) -> None:
    problem, _ = base
    nothing = {year: 0.0 for year in problem.years}
    # The budget caps purchases; a lease is a running cost, so the cloud lease is taken away too.
    no_lease = tuple(
        dataclasses.replace(o, availability={y: Availability(False) for y in problem.years}) if o.leased else o
        for o in problem.options
    )
    after = solve_plan(dataclasses.replace(problem, budget=nothing, options=no_lease))
    assert after.status in (PlanStatus.INFEASIBLE, PlanStatus.TARGETS_MISSED)
    assert all(y.capex == 0 for y in after.years)
    assert after.violations and all(v.amount > 0 for v in after.violations)


def test_an_impossible_budget_exits_non_zero_through_the_cli(tmp_path: Path) -> None:
    folder = tmp_path / "scenario"
    shutil.copytree(example_scenario_path().parent, folder)
    path = folder / "example.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["budget_per_year"] = {year: 0 for year in data["years"]}
    data["candidates"] = [c for c in data["candidates"] if "lease_per_card_hour" not in c]  # a lease is not capex
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", str(path), "--no-monte-carlo", "-q"])
    assert result.exit_code == 1
    assert "cannot meet" in result.stdout and "(exit 1)" in result.stderr


def test_mandated_location_verification_lowers_the_foreign_candidates_scores() -> None:
    catalog = load_catalog()
    scenario = load_scenario(example_scenario_path())
    before = assess(scenario, catalog, plan=False)
    mandated = scenario.model_copy(
        update={"regulatory": scenario.regulatory.model_copy(update={"location_verification_mandated": True})}
    )
    after = assess(mandated, catalog, plan=False)
    foreign = [e.id for e in before.candidates if not e.domestic and e.id in before.comparison.topsis.scores]
    assert foreign
    for cid in foreign:
        assert after.comparison.matrix.risks[cid].security > before.comparison.matrix.risks[cid].security, cid
        assert after.comparison.topsis.scores[cid] < before.comparison.topsis.scores[cid], cid
        assert after.comparison.weighted_sum.scores[cid] < before.comparison.weighted_sum.scores[cid], cid
