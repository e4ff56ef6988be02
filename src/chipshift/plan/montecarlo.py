"""One future of the recommended plan: the draws, the problem as it is in that future, and what the plan came to.

Each run keeps the plan's first-year decisions (or all of them, ``fix="whole"``), draws a future (prices after the
first year, demand growth, licence events, supply shortfalls, delivery slips, the performance model's own error) and
lets later years be decided again at that future's prices, within the same rules: the recourse a planner really has.
All draws are made here from ``numpy.random.SeedSequence(seed).spawn(runs)`` before any run is sent to an executor,
so the same seed gives the same runs on any executor and any number of workers; each run's solve stops on nodes,
not on time, so it does not depend on the machine either.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from chipshift.plan.model import (
    Availability,
    FixedDecisions,
    PlanOption,
    PlanProblem,
    PlanResult,
    PlanStatus,
    UncertaintySpec,
)
from chipshift.plan.solve import solve_plan

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Draw:
    """The random inputs of one run (neutral values: factors 1, no events, no slips)."""

    run: int
    price_factor: dict[str, float]
    """Option id -> price multiplier for every year after the first."""
    growth_delta: dict[str, float]
    """Workload id -> change of yearly demand growth."""
    events: tuple[tuple[int, int], ...] = ()
    """The rule changes that happen: (index in the spec's events, year it happens)."""
    supply_factor: dict[str, float] = dataclasses.field(default_factory=dict)
    """Option id -> share of its allocation cap delivered (after the first year)."""
    slipped: frozenset[str] = frozenset()
    """Options whose deliveries slip by a year."""
    capacity_factor: dict[str, float] = dataclasses.field(default_factory=dict)
    """Option id -> measured / predicted capacity."""


def draws(problem: PlanProblem, spec: UncertaintySpec) -> list[Draw]:
    """All runs' draws, reproducible from the seed."""
    out = []
    errors = np.asarray(spec.capacity_error, dtype=float)
    for run, seq in enumerate(np.random.SeedSequence(spec.seed).spawn(spec.runs)):
        rng = np.random.default_rng(seq)
        prices = {o.id: float(np.exp(rng.normal(0.0, spec.price_sigma))) for o in problem.options}
        growth = {w.id: float(rng.normal(0.0, spec.growth_sigma)) for w in problem.workloads}
        happened = ((i, e.happens(rng.random)) for i, e in enumerate(spec.events))
        events = tuple((i, year) for i, year in happened if year is not None)
        supply = {o.id: 1.0 - float(rng.uniform(0.0, spec.supply_shortfall)) for o in problem.options}
        slipped = frozenset(o.id for o in problem.options if rng.random() < spec.lead_time_slip)
        capacity = {o.id: float(rng.choice(errors)) if errors.size else 1.0 for o in problem.options}
        out.append(Draw(run, prices, growth, events, supply, slipped, capacity))
    return out


def fixed_by(plan: PlanResult, problem: PlanProblem, whole: bool) -> FixedDecisions:
    """The plan's decisions for its first year (or every year), as decisions a run may not change."""
    years = [y for y in plan.years if whole or y.year == problem.years[0]]
    buy = {(p.year, p.site, p.option): p.units for y in years for p in y.purchases if not p.leased}
    lease = {(p.year, p.site, p.option): p.units for y in years for p in y.purchases if p.leased}
    retire: dict[tuple[int, str, str], int] = {}
    partial: dict[tuple[int, str, str], int] = {}
    units = {o.id: o.unit_chips for o in problem.options}
    for y in years:
        for r in y.retirements:
            full = r.chips // units[r.option]
            retire[r.year, r.site, r.option] = full
            partial[r.year, r.site, r.option] = r.servers - full
    return FixedDecisions(frozenset(y.year for y in years), buy, lease, retire, partial, frozenset(plan.ports))


def apply_draw(problem: PlanProblem, spec: UncertaintySpec, draw: Draw, fixed: FixedDecisions) -> PlanProblem:
    """The problem as it is in one run, with the plan's decisions held."""
    first = problem.years[0]
    workloads = tuple(
        dataclasses.replace(
            w, demand={y: d * (1 + draw.growth_delta.get(w.id, 0.0)) ** (y - first) for y, d in w.demand.items()}
        )
        for w in problem.workloads
    )
    options = tuple(_drawn_option(problem, spec, draw, o) for o in problem.options)
    return dataclasses.replace(problem, workloads=workloads, options=options, fixed=fixed, threads=1)


def _drawn_option(problem: PlanProblem, spec: UncertaintySpec, draw: Draw, o: PlanOption) -> PlanOption:
    first = problem.years[0]
    availability = {}
    for year in problem.years:
        base = o.available(year)
        if year == first:  # this year's prices, supply and rules are known when the plan is made
            availability[year] = base
            continue
        allowed = _allowed_after(spec, draw, o.id, year, base.allowed)
        cap = base.cap_units
        if cap is not None:
            cap = int(cap * draw.supply_factor.get(o.id, 1.0))
        factor = base.price_factor * draw.price_factor.get(o.id, 1.0)
        availability[year] = Availability(allowed, cap, factor, base.reason)
    capacity_factor = draw.capacity_factor.get(o.id, 1.0)
    return dataclasses.replace(
        o,
        availability=availability,
        lead_time_years=o.lead_time_years + (1 if o.id in draw.slipped else 0),
        capacity={w: c * capacity_factor for w, c in o.capacity.items()},
    )


def _allowed_after(spec: UncertaintySpec, draw: Draw, option: str, year: int, base: bool) -> bool:
    """Whether the option may be bought in ``year`` given the rule changes of the run that happened by then."""
    table = spec.allowed_after.get(option)
    if not table:
        return base
    happened = frozenset(i for i, when in draw.events if when <= year)
    touching = frozenset(i for key in table for i in key)
    after = table.get(happened & touching)
    return base if after is None or year not in after else after[year]


@dataclass(frozen=True)
class RunOutcome:
    """What the recommended plan came to in one future."""

    run: int
    status: PlanStatus
    npv: float
    capex: float
    demand_met: dict[int, bool]
    """Year -> every workload served."""
    budget_met: dict[int, bool]
    """Year -> no budget overrun."""
    targets_met: dict[str, dict[int, bool]]
    """Target name -> year -> met."""
    target_shortfall: dict[str, dict[int, float]]
    """Target name -> year -> share points short (0 when met)."""
    demand_shortfall: float
    """Largest share of a workload's demand not served in any year."""
    final_share: dict[str, float]
    events: tuple[tuple[str, int], ...]


def run_one(task: tuple[PlanProblem, UncertaintySpec, Draw, FixedDecisions]) -> RunOutcome:
    """Solve one run (a pure function, so any executor can call it)."""
    problem, spec, draw, fixed = task
    result = solve_plan(apply_draw(problem, spec, draw, fixed))
    happened = tuple((spec.events[i].name, year) for i, year in draw.events)
    return outcome_of(result, problem, draw.run, happened)


def outcome_of(result: PlanResult, problem: PlanProblem, run: int, events: tuple[tuple[str, int], ...]) -> RunOutcome:
    """A run's plan as an outcome."""
    short: dict[str, dict[int, float]] = {t.name: {} for t in problem.targets}
    demand_years: set[int] = set()
    budget_years: set[int] = set()
    worst_demand = 0.0
    for v in result.violations:
        if v.kind == "target":
            short[v.subject][v.year] = v.amount
        elif v.kind == "demand":
            demand_years.add(v.year)
            worst_demand = max(worst_demand, v.relative)
        elif v.kind == "budget":
            budget_years.add(v.year)
    targets_met = {
        t.name: {y: short[t.name].get(y, 0.0) <= 1e-6 for y in problem.years if y >= t.year} for t in problem.targets
    }
    return RunOutcome(
        run=run,
        status=result.status,
        npv=result.objective,
        capex=result.total_capex(),
        demand_met={y: y not in demand_years for y in problem.years},
        budget_met={y: y not in budget_years for y in problem.years if y in problem.budget},
        targets_met=targets_met,
        target_shortfall={name: {y: short[name].get(y, 0.0) for y in years} for name, years in targets_met.items()},
        demand_shortfall=worst_demand,
        final_share=dict(result.years[-1].domestic_share) if result.years else {},
        events=events,
    )
