"""The MILP: a feasible plan meets demand, targets and limits; an infeasible one names what binds and by how much."""

from __future__ import annotations

import dataclasses

import pytest

from chipshift.plan.model import PlanProblem, PlanStatus
from chipshift.plan.solve import solve_plan


def _capacity(problem: PlanProblem, year: int, result_stock: dict[str, dict[str, float]]) -> float:
    caps = {o.id: o.capacity.get("chat", 0.0) for o in problem.options}
    return sum(caps[o] * n for per in result_stock.values() for o, n in per.items())


def test_feasible_plan_meets_demand_targets_and_limits(problem: PlanProblem) -> None:
    result = solve_plan(problem)
    assert result.status is PlanStatus.OPTIMAL, result.violations
    for year_plan in result.years:
        demand = problem.workloads[0].demand[year_plan.year]
        assert _capacity(problem, year_plan.year, year_plan.stock) >= demand - 1e-6
        assert year_plan.capex <= problem.budget[year_plan.year] + 1e-3
        if year_plan.year >= 2026:
            assert year_plan.domestic_share["count"] >= 0.5 - 1e-6
        for oid, n in year_plan.buy.get("sh", {}).items():
            assert n % 8 == 0 and oid != "old"
    bought_cn = [y.buy.get("sh", {}).get("cn", 0) + y.buy.get("bj", {}).get("cn", 0) for y in result.years]
    assert all(n <= 400 for n in bought_cn)


def test_power_caps_hold(problem: PlanProblem) -> None:
    result = solve_plan(problem)
    for y in result.years:
        for site in problem.sites:
            used = sum(n * 0.4 * problem.pue for n in y.stock.get(site.id, {}).values())
            assert used <= (site.power_kw or 0) + 1e-6


def test_infeasible_budget_says_what_binds_and_by_how_much(problem: PlanProblem) -> None:
    tight = dataclasses.replace(problem, budget={2025: 1e6, 2026: 1e6, 2027: 1e6})
    result = solve_plan(tight)
    assert result.status is PlanStatus.INFEASIBLE
    kinds = {v.kind for v in result.violations}
    assert kinds & {"budget", "demand", "target"}
    worst = result.violations[0]
    assert worst.amount > 0 and worst.relative > 0


def test_impossible_power_reports_shortfall_and_the_binding_power(problem: PlanProblem) -> None:
    sites = tuple(dataclasses.replace(s, power_kw=10.0) for s in problem.sites)
    result = solve_plan(dataclasses.replace(problem, sites=sites, targets=()))
    assert result.status is PlanStatus.INFEASIBLE
    short = {v.year: v for v in result.violations if v.kind == "demand"}
    assert set(short) == {2025, 2026, 2027}
    # 10 kW / (0.4 kW x 1.25 PUE) = 20 chips per site; at best 40 chips serve 40 x 400 = 16,000 tokens/s
    assert 30_000 - 40 * 400 <= short[2025].amount < 30_000
    assert short[2025].relative == pytest.approx(short[2025].amount / 30_000)
    assert {(b.kind, b.subject) for b in result.binding if b.year == 2025} == {("power", "sh"), ("power", "bj")}


def test_licence_revoked_blocks_purchases(problem: PlanProblem) -> None:
    options = tuple(dataclasses.replace(o, buy_years=frozenset({2025})) if o.id == "nv" else o for o in problem.options)
    result = solve_plan(dataclasses.replace(problem, options=options))
    for y in result.years[1:]:
        assert all("nv" not in per for per in y.buy.values())
