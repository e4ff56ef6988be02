"""The plan MILP on small problems built by hand (tests/plan/conftest.py): whole units, money that adds up, priorities
that hold, and each rule of the formulation in docs/plan.md."""

from __future__ import annotations

import dataclasses

import pytest

from chipshift.plan import (
    Availability,
    FixedDecisions,
    PlanOption,
    PlanProblem,
    PlanResult,
    PlanSite,
    PlanStatus,
    PlanWorkload,
    PortingProject,
    solve_plan,
)
from chipshift.plan.economics import annuity_factor, residual_share, value_left


def test_feasible_plan_meets_demand_targets_and_limits(problem: PlanProblem) -> None:
    result = solve_plan(problem)
    assert result.status is PlanStatus.OPTIMAL and not result.violations
    options = {o.id: o for o in problem.options}
    for year in result.years:
        served = sum(options[o].capacity["chat"] * n for held in year.stock.values() for o, n in held.items())
        assert served >= problem.workloads[0].demand[year.year] - 1e-6
        assert year.capex <= problem.budget[year.year] + 1e-6
        if year.year >= 2026:
            assert year.domestic_share["count"] >= 0.5 - 1e-9


def test_quantities_are_whole_servers_and_chips(problem: PlanProblem) -> None:
    result = solve_plan(problem)
    for year in result.years:
        for p in year.purchases:
            assert isinstance(p.units, int) and p.chips == p.units * 8
        for held in year.stock.values():
            assert all(isinstance(n, int) for n in held.values())
    old = [r for y in result.years for r in y.retirements if r.option == "old"]
    assert sum(r.chips for r in old) in (0, 36)  # 4 full servers and the partial one of 4 chips, or none
    if old:
        assert sum(r.servers for r in old) == 5


def test_the_cost_breakdown_adds_up_to_the_objective(problem: PlanProblem) -> None:
    result = solve_plan(problem)
    c = result.cost
    assert result.objective == pytest.approx(c.capex + c.opex + c.risk + c.porting + c.moves - c.resale - c.residual)
    assert c.capex == pytest.approx(sum(y.capex * (1.06 ** -(y.year - 2025)) for y in result.years))


def test_residual_value_charges_every_vintage_its_years_of_use() -> None:
    years = (2025, 2026, 2027)
    # Undiscounted and straight-line: a 2025 unit keeps 2/5 of its price at the end of 2027, a 2027 unit 4/5.
    assert residual_share(2025, years, 5, 0.0) == pytest.approx(0.4)
    assert residual_share(2027, years, 5, 0.0) == pytest.approx(0.8)
    # Discounted: a unit used u years inside the horizon is charged exactly u yearly annuities (paid at each year's
    # end), whatever its vintage.
    rate = 0.08
    for delivered in years:
        used = 2028 - delivered
        charge = (1.08 ** -(delivered - 2025)) - residual_share(delivered, years, 5, rate)
        annuities = sum(annuity_factor(5, rate) * 1.08 ** -(delivered - 2025 + k) for k in range(1, used + 1))
        assert charge == pytest.approx(annuities, rel=1e-9), delivered
    assert value_left(5, 5, rate) == 0.0 and value_left(0, 5, rate) == 1.0


def test_existing_chips_carry_no_sunk_cost_and_retiring_them_earns_their_resale(problem: PlanProblem) -> None:
    with_resale = solve_plan(problem)
    worthless = dataclasses.replace(
        problem,
        options=tuple(dataclasses.replace(o, resale_per_chip={}) for o in problem.options),
    )
    without = solve_plan(worthless)
    # Resale is a credit: it can only make the plan cheaper, by at most the whole fleet's best resale.
    assert with_resale.objective <= without.objective + 1e-6
    assert without.cost.resale == 0.0
    assert with_resale.cost.resale > 0


def test_a_budget_is_never_passed_and_an_impossible_one_is_a_stated_shortfall(problem: PlanProblem) -> None:
    tight = dataclasses.replace(problem, budget={2025: 0.0, 2026: 1e6, 2027: 1e6})
    result = solve_plan(tight)
    assert result.status is PlanStatus.INFEASIBLE
    assert all(y.capex <= tight.budget[y.year] + 1e-6 for y in result.years)
    demand = [v for v in result.violations if v.kind == "demand"]
    assert demand and all(v.subject == "chat" and v.amount > 0 for v in demand)
    assert any(b.kind == "budget" for b in result.binding)
    assert result.phases[0] == "demand"


def test_targets_are_missed_only_with_a_stated_shortfall_never_traded_for_money(problem: PlanProblem) -> None:
    # Domestic supply capped at 1 server a year: the 50% target cannot be met; demand and budget still are.
    scarce = dataclasses.replace(
        problem,
        options=tuple(
            dataclasses.replace(o, availability={y: Availability(cap_units=1) for y in (2025, 2026, 2027)})
            if o.id == "cn"
            else o
            for o in problem.options
        ),
    )
    result = solve_plan(scarce)
    assert result.status is PlanStatus.TARGETS_MISSED
    target = [v for v in result.violations if v.kind == "target"]
    assert target and all(0 < v.amount < 0.5 and v.unit == "share" for v in target)
    assert not [v for v in result.violations if v.kind in ("demand", "budget")]
    # Every domestic unit the cap allows is bought: the miss is as small as it can be, whatever it costs.
    bought = [p for y in result.years for p in y.purchases if p.option == "cn"]
    assert sum(p.units for p in bought) == 3


def test_a_soft_budget_is_exceeded_only_after_the_targets_and_by_the_least(problem: PlanProblem) -> None:
    soft = dataclasses.replace(problem, budget={2025: 0.0, 2026: 2e6, 2027: 2e6}, budget_hard=False)
    result = solve_plan(soft)
    assert result.status is PlanStatus.OVER_BUDGET
    assert not [v for v in result.violations if v.kind in ("demand", "target")]
    assert [v for v in result.violations if v.kind == "budget"]


def test_delivery_counts_from_the_year_it_arrives(problem: PlanProblem) -> None:
    late = dataclasses.replace(
        problem,
        options=tuple(dataclasses.replace(o, lead_time_years=2) if o.id == "cn" else o for o in problem.options),
    )
    result = solve_plan(late)
    assert all(p.year >= 2027 for y in result.years for p in y.purchases if p.option == "cn")


def test_a_year_with_no_licence_stops_purchases_of_that_chip(problem: PlanProblem) -> None:
    banned = {2026: Availability(allowed=False, reason="licence revoked"), 2027: Availability(allowed=False)}
    revoked = dataclasses.replace(
        problem,
        options=tuple(dataclasses.replace(o, availability=banned) if o.id == "nv" else o for o in problem.options),
    )
    result = solve_plan(revoked)
    assert not [p for y in result.years if y.year >= 2026 for p in y.purchases if p.option == "nv"]
    assert result.objective >= solve_plan(problem).objective - 1e-6


def test_a_state_funded_site_receives_domestic_chips_only(problem: PlanProblem) -> None:
    sites = tuple(dataclasses.replace(s, domestic_only=True) if s.id == "bj" else s for s in problem.sites)
    result = solve_plan(dataclasses.replace(problem, sites=sites))
    assert all(p.option == "cn" for y in result.years for p in y.purchases if p.site == "bj")


def test_porting_is_a_cost_and_a_delay(problem: PlanProblem) -> None:
    ported = dataclasses.replace(
        problem,
        options=tuple(dataclasses.replace(o, port="ascend") if o.id == "cn" else o for o in problem.options),
        ports=(PortingProject("ascend", cost=2e6, first_year=2026),),
    )
    result = solve_plan(ported)  # the 50% domestic target from 2026 needs the domestic chips: the plan ports
    assert "ascend" in result.ports and result.cost.porting == pytest.approx(2e6)
    assert result.years[0].porting == pytest.approx(2e6)
    # Before the port is done (2026) domestic chips serve nothing: buying them for 2025 would only add cost.
    assert not [p for y in result.years if y.year == 2025 for p in y.purchases if p.option == "cn"]
    # Without a target, porting at that price does not pay: the 16 domestic chips are retired instead.
    free = solve_plan(dataclasses.replace(ported, targets=()))
    assert "ascend" not in free.ports and free.cost.porting == 0


def test_a_system_is_bought_whole_and_a_lease_holds_one_year() -> None:
    system = PlanOption(
        "cm384", "910c", domestic=True, unit_chips=384, unit_price=384 * 200_000, unit_power_kw=560.0, tflops=752,
        value_per_chip=200_000, capacity={"chat": 900},
    )  # fmt: skip
    lease = PlanOption(
        "cloud", "h20", domestic=False, unit_chips=8, unit_price=0.0, unit_power_kw=0.0, tflops=148,
        value_per_chip=0.0, capacity={"chat": 400}, lease_per_unit_year=8 * 20_000,
    )  # fmt: skip
    problem = PlanProblem(
        (2025, 2026), (system, lease), (PlanSite("dc"),), (PlanWorkload("chat", {2025: 20_000, 2026: 400_000}),)
    )
    result = solve_plan(problem)
    assert result.status is PlanStatus.OPTIMAL
    bought = [p for y in result.years for p in y.purchases]
    assert all(p.chips % (384 if p.option == "cm384" else 8) == 0 for p in bought)
    leased_2025 = sum(p.chips for p in bought if p.leased and p.year == 2025)
    assert leased_2025 * 400 >= 20_000 or any(p.option == "cm384" and p.year == 2025 for p in bought)
    assert result.years[1].stock["dc"].get("cloud", 0) == sum(p.chips for p in bought if p.leased and p.year == 2026)


def test_redeployment_moves_whole_units_where_allowed() -> None:
    nv = PlanOption(
        "nv", "nv", domestic=False, unit_chips=8, unit_price=1e9, unit_power_kw=3.2, tflops=148,
        value_per_chip=125_000, capacity={"chat": 400},
    )  # fmt: skip
    sites = (PlanSite("a", existing={"nv": 80}), PlanSite("b"))
    workload = PlanWorkload("chat", {2025: 0.0, 2026: 16_000}, sites=("b",))
    problem = PlanProblem((2025, 2026), (nv,), sites, (workload,), redeploy=True, move_cost_per_unit=5_000)
    result = solve_plan(problem)
    moves = [m for y in result.years for m in y.moves]
    assert moves and sum(m.chips for m in moves) == 40 and all(m.chips % 8 == 0 for m in moves)
    assert result.cost.moves == pytest.approx(5 * 5_000)


def test_fixed_decisions_are_kept(problem: PlanProblem) -> None:
    fixed = dataclasses.replace(problem, fixed=FixedDecisions(years=frozenset({2025}), buy={(2025, "sh", "cn"): 3}))
    result = solve_plan(fixed)
    first = {(p.site, p.option): p.units for p in result.years[0].purchases}
    assert first == {("sh", "cn"): 3}


def test_the_plan_does_not_depend_on_the_order_of_the_options(problem: PlanProblem) -> None:
    reordered = dataclasses.replace(problem, options=tuple(reversed(problem.options)))
    assert solve_plan(reordered).objective == pytest.approx(solve_plan(problem).objective, rel=problem.mip_gap)


def _capacity(problem: PlanProblem, result: PlanResult, year: int) -> float:
    options = {o.id: o for o in problem.options}
    plan_year = next(y for y in result.years if y.year == year)
    return sum(options[o].capacity["chat"] * n for held in plan_year.stock.values() for o, n in held.items())


def test_headroom_buys_capacity_above_demand_after_everything_else(problem: PlanProblem) -> None:
    plain = solve_plan(problem)
    roomy_problem = dataclasses.replace(problem, headroom=0.2)
    roomy = solve_plan(roomy_problem)
    assert roomy.status is PlanStatus.OPTIMAL and not roomy.violations
    for year in problem.years:
        demand = problem.workloads[0].demand[year]
        assert _capacity(roomy_problem, roomy, year) >= 1.2 * demand - 1e-6
    assert roomy.objective > plain.objective  # the margin costs money


def test_headroom_the_budget_cannot_pay_for_is_reported_and_breaks_nothing(problem: PlanProblem) -> None:
    budget = {year: 8e6 for year in problem.years}  # the plan without headroom spends 7.2 M at most in a year
    tight = dataclasses.replace(problem, headroom=2.0, budget=budget)  # three times the demand: more than 8 M buys
    result = solve_plan(tight)
    assert result.status is PlanStatus.OPTIMAL  # demand, targets and budget hold
    kinds = {v.kind for v in result.violations}
    assert kinds == {"headroom"}
    for year in result.years:
        assert year.capex <= budget[year.year] + 1e-6
        assert _capacity(tight, result, year.year) >= problem.workloads[0].demand[year.year] - 1e-6
