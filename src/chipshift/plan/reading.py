"""Read a HiGHS solution back into a :class:`PlanResult`: whole units, whole chips, money per year and per part.

Integer columns are rounded to the nearest whole number and every stock is recomputed from them, so the plan the
report shows adds up exactly (no 71.69 chips retired).
"""

from __future__ import annotations

import numpy as np

from chipshift.plan.milp import MONEY_SCALE, Model, metric_value, running_cost_per_chip, unit_price
from chipshift.plan.model import (
    Binding,
    CostBreakdown,
    Move,
    PlanOption,
    PlanProblem,
    PlanResult,
    PlanStatus,
    Purchase,
    Retirement,
    TargetMetric,
    Violation,
    YearPlan,
)

TIGHT = 0.999
"""Use of a limit at or above which it is reported as binding."""

Stock = dict[str, dict[str, int]]


def read_result(
    problem: PlanProblem,
    model: Model,
    x: np.ndarray | None,
    status: PlanStatus,
    solve_s: float,
    method: str,
    gap: float | None,
    phases: tuple[str, ...],
    message: str,
) -> PlanResult:
    """The plan in the solution ``x`` (None: no plan, an empty result with the message)."""
    if x is None:
        empty = CostBreakdown(0, 0, 0, 0, 0, 0, 0)
        return PlanResult(status, empty, [], [], [], (), solve_s, model.columns, len(model.row_lower), message, method)
    values = _rounded(model, x)
    ports = tuple(sorted(t.id for t in problem.ports if t.done or values[model.port[t.id]] > 0.5))
    years = _year_plans(problem, model, values, ports)
    return PlanResult(
        status=status,
        cost=_breakdown(model, values),
        years=years,
        violations=_violations(problem, model, values, years),
        binding=_binding(model, values),
        ports=ports,
        solve_s=solve_s,
        variables=model.columns,
        constraints=len(model.row_lower),
        message=message,
        method=method,
        gap=gap,
        phases=phases,
    )


def _rounded(model: Model, x: np.ndarray) -> np.ndarray:
    values = np.array(x, dtype=float)
    integer = np.asarray(model.integer, dtype=bool)
    values[integer] = np.round(values[integer])
    return values


def _breakdown(model: Model, values: np.ndarray) -> CostBreakdown:
    def part(name: str) -> float:
        coefficients = model.parts.get(name, {})
        total = sum(c * values[col] for col, c in coefficients.items()) + model.offset.get(name, 0.0)
        return float(total * MONEY_SCALE)

    return CostBreakdown(
        capex=part("capex"),
        opex=part("opex"),
        risk=part("risk"),
        porting=part("porting"),
        moves=part("moves"),
        resale=-part("resale"),
        residual=-part("residual"),
    )


def _year_plans(problem: PlanProblem, model: Model, values: np.ndarray, ports: tuple[str, ...]) -> list[YearPlan]:
    options = {o.id: o for o in problem.options}
    stock: Stock = {s.id: {oid: n for oid, n in s.existing.items() if n} for s in problem.sites}
    plans = []
    for index, year in enumerate(problem.years):
        purchases = _purchases(problem, model, values, year)
        retirements = _retirements(problem, model, values, year)
        moves = _moves(problem, model, values, year)
        stock = _next_stock(stock, purchases, retirements, moves, options)
        capex = sum(p.cost for p in purchases if not p.leased)
        opex = sum(p.cost for p in purchases if p.leased) + _running(problem, stock, options)
        porting = sum(t.cost for t in problem.ports if t.id in ports and not t.done) if index == 0 else 0.0
        plans.append(
            YearPlan(
                year=year,
                purchases=purchases,
                retirements=retirements,
                moves=moves,
                stock=stock,
                capex=capex,
                opex=opex,
                resale=sum(r.resale for r in retirements),
                porting=porting,
                budget=problem.budget.get(year),
                domestic_share=domestic_shares(stock, options),
            )
        )
    return plans


def _purchases(problem: PlanProblem, model: Model, values: np.ndarray, year: int) -> list[Purchase]:
    out = []
    for columns, leased in ((model.buy, False), (model.lease, True)):
        for (y, site, oid), col in columns.items():
            units = int(values[col])
            if y != year or units <= 0:
                continue
            o = problem.option(oid)
            each = (o.lease_per_unit_year or 0.0) * o.available(year).price_factor if leased else unit_price(o, year)
            out.append(Purchase(year, site, oid, units, units * o.unit_chips, units * each, leased))
    return sorted(out, key=lambda p: (p.site, p.option))


def _retirements(problem: PlanProblem, model: Model, values: np.ndarray, year: int) -> list[Retirement]:
    out = []
    for site in problem.sites:
        for oid, have in site.existing.items():
            o = problem.option(oid)
            key = (year, site.id, oid)
            servers = int(values[model.retire[key]]) if key in model.retire else 0
            partial = int(values[model.retire_partial[key]]) if key in model.retire_partial else 0
            chips = servers * o.unit_chips + partial * (have % o.unit_chips)
            if chips:
                resale = chips * o.resale_per_chip.get(year, 0.0)
                out.append(Retirement(year, site.id, oid, chips, servers + partial, resale))
    return out


def _moves(problem: PlanProblem, model: Model, values: np.ndarray, year: int) -> list[Move]:
    out = []
    for (y, source, destination, oid), col in model.move.items():
        units = int(values[col])
        if y == year and units > 0:
            out.append(Move(year, source, destination, oid, units, units * problem.option(oid).unit_chips))
    return out


def _next_stock(
    stock: Stock,
    purchases: list[Purchase],
    retirements: list[Retirement],
    moves: list[Move],
    options: dict[str, PlanOption],
) -> Stock:
    """Stock after a year's moves; leases hold only their year."""
    after = {site: {oid: n for oid, n in held.items() if not options[oid].leased} for site, held in stock.items()}
    for p in purchases:
        after.setdefault(p.site, {})[p.option] = after.get(p.site, {}).get(p.option, 0) + p.chips
    for r in retirements:
        after[r.site][r.option] -= r.chips
    for m in moves:
        after[m.source][m.option] -= m.chips
        after.setdefault(m.destination, {})[m.option] = after.get(m.destination, {}).get(m.option, 0) + m.chips
    return {site: {oid: n for oid, n in held.items() if n > 0} for site, held in after.items()}


def _running(problem: PlanProblem, stock: Stock, options: dict[str, PlanOption]) -> float:
    sites = {s.id: s for s in problem.sites}
    total = 0.0
    for site_id, held in stock.items():
        for oid, chips in held.items():
            running, _risk = running_cost_per_chip(problem, sites[site_id], options[oid])
            total += chips * running
    return total


def domestic_shares(
    stock: Stock, options: dict[str, PlanOption], sites: tuple[str, ...] | None = None
) -> dict[str, float]:
    """Domestic share by metric of the chips held (at ``sites``, or everywhere)."""
    shares = {}
    for metric in TargetMetric:
        domestic = total = 0.0
        for site, held in stock.items():
            if sites is not None and site not in sites:
                continue
            for oid, chips in held.items():
                value = metric_value(options[oid], metric) * chips
                total += value
                domestic += value if options[oid].domestic else 0.0
        shares[metric.value] = domestic / total if total > 0 else 0.0
    return shares


def _violations(problem: PlanProblem, model: Model, values: np.ndarray, years: list[YearPlan]) -> list[Violation]:
    found = []
    options = {o.id: o for o in problem.options}
    stock_by_year = {y.year: y.stock for y in years}
    for slack in model.slacks:
        amount = float(values[slack.column])
        if amount <= 1e-7 * slack.scale:
            continue
        if slack.kind == "target":
            target = next(t for t in problem.targets if t.name == slack.subject)
            share = domestic_shares(stock_by_year[slack.year], options, target.sites)[target.metric.value]
            short = max(0.0, target.share - share)
            if short > 1e-6:
                found.append(Violation("target", slack.year, slack.subject, short, short / target.share, "share"))
        elif slack.kind == "budget":
            money = amount * MONEY_SCALE
            found.append(Violation("budget", slack.year, "capex", money, amount / slack.scale, "money"))
        elif slack.kind == "headroom":
            found.append(Violation("headroom", slack.year, slack.subject, amount, amount / slack.scale, "demand units"))
        else:
            found.append(Violation("demand", slack.year, slack.subject, amount, amount / slack.scale, "demand units"))
    return sorted(found, key=lambda v: (-v.relative, v.year))


def _binding(model: Model, values: np.ndarray) -> list[Binding]:
    activity = np.zeros(len(model.row_lower))
    np.add.at(activity, model.entries_row, np.asarray(model.entries_val) * values[model.entries_col])
    found = []
    for limit in model.limits:
        used = float(activity[limit.row])
        if limit.kind == "budget":  # the row holds the overrun slack with -1: add it back for the spend
            used += sum(float(values[s.column]) for s in model.slacks if s.kind == "budget" and s.year == limit.year)
        if limit.limit > 0 and used >= TIGHT * limit.limit:
            scale = MONEY_SCALE if limit.kind == "budget" else 1.0
            found.append(Binding(limit.kind, limit.year, limit.subject, used * scale, limit.limit * scale))
    return found
