"""The plan as a mixed-integer program: columns, rows and the objective's parts (equations in docs/plan.md).

Per year t, site s and option o: ``buy`` or ``lease`` (integer units), ``retire`` (integer full servers of the chips
held at the start) and ``retire_partial`` (the last, partial server, 0/1), ``move`` (integer units between sites,
when allowed) and ``stock`` (chips); per (t, s, o, workload) ``alloc`` (chips serving it); per porting target a 0/1
``port``. Demand, the domestic-ratio targets and a soft budget have slack columns; which of them may be used, and
what is minimised, is the solver's business (:mod:`chipshift.plan.solve`): first everything at once at least cost,
then, only if that is infeasible, demand shortfall, target shortfall, budget overrun and cost in that order.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from chipshift.plan.economics import discount, horizon_end, period_discount, residual_share
from chipshift.plan.model import PlanOption, PlanProblem, PlanSite, PlanTarget, TargetMetric

MONEY_SCALE = 1e6
"""Money enters the solver in millions, to keep coefficients near 1."""
HOURS_PER_YEAR = 8760
INF = float("inf")

Key = tuple[int, str, str]
"""(year, site, option)."""


@dataclass
class Slack:
    """A slack column of a requirement the plan may fall short of, and what it stands for."""

    column: int
    kind: str
    """``demand``, ``target``, ``budget`` or ``headroom``."""
    year: int
    subject: str
    scale: float
    """Size of the requirement (demand, the scope's metric total, the budget): its weight in its phase is 1/scale."""


@dataclass
class LimitRow:
    """A row whose use against its limit is reported when tight."""

    row: int
    kind: str
    year: int
    subject: str
    limit: float


@dataclass
class Model:
    """Columns and rows in the shape highspy takes, with the maps back to the plan."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    entries_row: list[int] = field(default_factory=list)
    entries_col: list[int] = field(default_factory=list)
    entries_val: list[float] = field(default_factory=list)
    parts: dict[str, dict[int, float]] = field(default_factory=lambda: defaultdict(dict))
    """Cost part (``capex``, ``residual``, ``opex``, ``risk``, ``resale``, ``porting``, ``moves``) -> column ->
    coefficient in millions, as it enters the objective (credits negative)."""
    offset: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    """Constant part of each cost part, millions (existing chips kept to the end, valued at their resale)."""
    buy: dict[Key, int] = field(default_factory=dict)
    lease: dict[Key, int] = field(default_factory=dict)
    retire: dict[Key, int] = field(default_factory=dict)
    retire_partial: dict[Key, int] = field(default_factory=dict)
    stock: dict[Key, int] = field(default_factory=dict)
    move: dict[tuple[int, str, str, str], int] = field(default_factory=dict)
    """(year, from site, to site, option) -> column."""
    port: dict[str, int] = field(default_factory=dict)
    slacks: list[Slack] = field(default_factory=list)
    limits: list[LimitRow] = field(default_factory=list)

    @property
    def columns(self) -> int:
        return len(self.lower)

    def var(self, upper: float = INF, *, integer: bool = False, lower: float = 0.0) -> int:
        """Add a column ``lower <= x <= upper``."""
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.lower) - 1

    def row(self, terms: Iterable[tuple[int, float]], lower: float, upper: float) -> int:
        """Add a row ``lower <= sum(value * column) <= upper``."""
        index = len(self.row_lower)
        for col, val in terms:
            self.entries_row.append(index)
            self.entries_col.append(col)
            self.entries_val.append(val)
        self.row_lower.append(lower)
        self.row_upper.append(upper)
        return index

    def charge(self, part: str, column: int, money: float) -> None:
        """Add ``money`` (currency units) per unit of ``column`` to a cost part."""
        if money:
            self.parts[part][column] = self.parts[part].get(column, 0.0) + money / MONEY_SCALE

    def slack(self, kind: str, year: int, subject: str, scale: float) -> int:
        """A slack column, closed (upper bound 0) until the solver opens it."""
        col = self.var(0.0)
        self.slacks.append(Slack(col, kind, year, subject, max(scale, 1e-9)))
        return col

    def cost_vector(self) -> list[float]:
        """The objective of the cost phase: every part summed."""
        cost = [0.0] * self.columns
        for coefficients in self.parts.values():
            for col, value in coefficients.items():
                cost[col] += value
        return cost


def accepts(site: PlanSite, option: PlanOption, year: int | None = None) -> bool:
    """Whether new units of ``option`` may arrive at ``site`` (bought, leased or moved in), in ``year`` or ever."""
    if site.domestic_only and not option.domestic:
        return False
    return year is None or year not in site.blocked.get(option.id, {})


def can_deliver(problem: PlanProblem, site: PlanSite, option: PlanOption, year: int) -> bool:
    """Whether a unit of ``option`` may be delivered (or leased) at ``site`` in ``year``."""
    if not accepts(site, option, year) or (option.unit_price <= 0 and not option.leased):
        return False
    return option.available(year).allowed and year >= problem.years[0] + option.lead_time_years


def holds(problem: PlanProblem, site: PlanSite, option: PlanOption) -> bool:
    """Whether ``site`` can ever hold ``option``."""
    if site.existing.get(option.id, 0) > 0:
        return True
    if any(can_deliver(problem, site, option, year) for year in problem.years):
        return True
    return problem.redeploy and accepts(site, option) and any(s.existing.get(option.id, 0) for s in problem.sites)


def unit_bound(problem: PlanProblem, option: PlanOption, year: int) -> float:
    """Most units of an option worth delivering in one year: every demand served by it and every chip replaced."""
    chips = float(sum(sum(s.existing.values()) for s in problem.sites))
    for w in problem.workloads:
        cap = option.capacity.get(w.id, 0.0)
        if cap > 0:
            chips += max(w.demand.values(), default=0.0) / cap
    bound = math.ceil(chips / option.unit_chips) + 1
    cap_units = option.available(year).cap_units
    return float(bound if cap_units is None else min(bound, cap_units))


def unit_price(option: PlanOption, year: int) -> float:
    """Price of one unit delivered in ``year``, the year's factor included."""
    return option.unit_price * option.available(year).price_factor


def running_cost_per_chip(problem: PlanProblem, site: PlanSite, option: PlanOption) -> tuple[float, float]:
    """Yearly (electricity + O&M, risk charge) of one chip held at ``site``."""
    per_chip_kw = option.unit_power_kw / option.unit_chips
    energy = per_chip_kw * problem.pue * HOURS_PER_YEAR * site.electricity_per_kwh
    om = option.om_per_unit_year / option.unit_chips
    life = max(1, option.life_years)
    risk = problem.risk_weight * option.risk * option.value_per_chip / life
    return energy + om, risk


def build_model(problem: PlanProblem) -> Model:
    """The whole program for one problem."""
    m = Model()
    _add_fleet(m, problem)
    _add_moves(m, problem)
    _add_balances(m, problem)
    _add_ports(m, problem)
    allocations = _add_demand(m, problem)
    _add_porting_delay(m, problem, allocations)
    _add_limits(m, problem)
    _add_targets(m, problem)
    _add_forced(m, problem)
    fix_decisions(m, problem)
    return m


def _add_forced(m: Model, p: PlanProblem) -> None:
    """At least one unit of each forced option, in any year and at any site where it may be delivered."""
    for option_id in sorted(p.forced):
        delivered = [col for (_y, _s, oid), col in {**m.buy, **m.lease}.items() if oid == option_id]
        m.row(((col, 1.0) for col in delivered), 1.0, INF)


def _add_fleet(m: Model, p: PlanProblem) -> None:
    """buy / lease / retire / stock columns and their costs."""
    periods = period_discount(p.years, p.discount_rate)
    first = p.years[0]
    for site in p.sites:
        for o in p.options:
            if not holds(p, site, o):
                continue
            running, risk = running_cost_per_chip(p, site, o)
            for year in p.years:
                key = (year, site.id, o.id)
                d = discount(year, first, p.discount_rate)
                upper = unit_bound(p, o, year) if can_deliver(p, site, o, year) else 0.0
                if o.leased:
                    col = m.lease[key] = m.var(upper, integer=True)
                    m.charge("opex", col, periods[year] * (o.lease_per_unit_year or 0.0) * unit_price_factor(o, year))
                else:
                    col = m.buy[key] = m.var(upper, integer=True)
                    price = unit_price(o, year)
                    m.charge("capex", col, d * price)
                    m.charge("residual", col, -residual_share(year, p.years, o.life_years, p.discount_rate) * price)
                stock = m.stock[key] = m.var()
                m.charge("opex", stock, periods[year] * running)
                m.charge("risk", stock, periods[year] * risk)
            _add_retirements(m, p, site, o)


def unit_price_factor(option: PlanOption, year: int) -> float:
    """The year's price factor (fees and duties apply to leases too)."""
    return option.available(year).price_factor


def _add_retirements(m: Model, p: PlanProblem, site: PlanSite, o: PlanOption) -> None:
    """Retirement of the chips held at the start: whole servers, and the last partial one; each earns its resale."""
    have = site.existing.get(o.id, 0)
    if have <= 0:
        return
    full, partial = divmod(have, o.unit_chips)
    first, end = p.years[0], horizon_end(p.years)
    kept_value = o.resale_per_chip.get(end, 0.0) * discount(end, first, p.discount_rate)
    m.offset["resale"] -= have * kept_value / MONEY_SCALE
    fulls, partials = [], []
    for year in p.years:
        key = (year, site.id, o.id)
        gain = o.resale_per_chip.get(year, 0.0) * discount(year, first, p.discount_rate) - kept_value
        if full:
            col = m.retire[key] = m.var(float(full), integer=True)
            m.charge("resale", col, -gain * o.unit_chips)
            fulls.append(col)
        if partial:
            col = m.retire_partial[key] = m.var(1.0, integer=True)
            m.charge("resale", col, -gain * partial)
            partials.append(col)
    if fulls:
        m.row(((col, 1.0) for col in fulls), -INF, float(full))
    if partials:
        m.row(((col, 1.0) for col in partials), -INF, 1.0)


def _add_moves(m: Model, p: PlanProblem) -> None:
    """Units moved between sites (only where the scenario allows redeployment)."""
    if not p.redeploy:
        return
    first = p.years[0]
    for year in p.years[1:]:
        for o in p.options:
            if o.leased:
                continue
            for source in p.sites:
                if (year, source.id, o.id) not in m.stock:
                    continue
                for destination in p.sites:
                    if destination.id == source.id or (year, destination.id, o.id) not in m.stock:
                        continue
                    if not accepts(destination, o, year):
                        continue
                    col = m.move[year, source.id, destination.id, o.id] = m.var(integer=True)
                    m.charge("moves", col, discount(year, first, p.discount_rate) * p.move_cost_per_unit)


def _add_balances(m: Model, p: PlanProblem) -> None:
    """stock(t) = stock(t-1) + delivered - retired +- moved; a lease holds only the year it is paid."""
    moved: dict[Key, list[tuple[int, float]]] = defaultdict(list)
    for (year, source, destination, option_id), col in m.move.items():
        chips = float(p.option(option_id).unit_chips)
        moved[year, source, option_id].append((col, chips))
        moved[year, destination, option_id].append((col, -chips))
    for site in p.sites:
        for o in p.options:
            previous: int | None = None
            for year in p.years:
                key = (year, site.id, o.id)
                if key not in m.stock:
                    continue
                terms = [(m.stock[key], 1.0)]
                if key in m.lease:
                    m.row([*terms, (m.lease[key], -float(o.unit_chips))], 0.0, 0.0)
                    continue
                terms.append((m.buy[key], -float(o.unit_chips)))
                if key in m.retire:
                    terms.append((m.retire[key], float(o.unit_chips)))
                if key in m.retire_partial:
                    terms.append((m.retire_partial[key], float(site.existing[o.id] % o.unit_chips)))
                terms.extend(moved.get(key, ()))
                if previous is not None:
                    terms.append((previous, -1.0))
                start = float(site.existing.get(o.id, 0)) if previous is None else 0.0
                m.row(terms, start, start)
                previous = m.stock[key]


def _add_ports(m: Model, p: PlanProblem) -> None:
    """A 0/1 column per porting target not yet done; units of its stack can only be held if it is 1."""
    first = p.years[0]
    for target in p.ports:
        if target.done:
            continue
        col = m.port[target.id] = m.var(1.0, integer=True)
        m.charge("porting", col, discount(first, first, p.discount_rate) * target.cost)
    delivered = {**m.buy, **m.lease}
    most: dict[str, float] = defaultdict(float)
    for (_year, _site, option_id), col in delivered.items():
        most[option_id] += m.upper[col]
    for (_year, _site_id, option_id), stock in m.stock.items():
        o = p.option(option_id)
        if o.port not in m.port:
            continue
        existing = sum(s.existing.get(o.id, 0) for s in p.sites)
        bound = max(1.0, existing + o.unit_chips * most[o.id])
        m.row([(stock, 1.0), (m.port[o.port], -bound)], -INF, 0.0)


def _add_demand(m: Model, p: PlanProblem) -> dict[int, tuple[int, str, str]]:
    """Chips allocated to workloads, and demand rows with shortfall slacks. Returns column -> (year, site, option)."""
    allocations: dict[int, tuple[int, str, str]] = {}
    for year in p.years:
        by_stock: dict[int, list[int]] = defaultdict(list)
        for w in p.workloads:
            need = w.demand.get(year, 0.0)
            terms: list[tuple[int, float]] = []
            for site in p.sites:
                if w.sites and site.id not in w.sites:
                    continue
                for o in p.options:
                    cap = o.capacity.get(w.id, 0.0)
                    stock = m.stock.get((year, site.id, o.id))
                    if cap <= 0 or stock is None:
                        continue
                    x = m.var()
                    allocations[x] = (year, site.id, o.id)
                    by_stock[stock].append(x)
                    terms.append((x, cap))
            if need > 0 and p.headroom > 0:
                wanted = need * (1 + p.headroom)
                m.row([*terms, (m.slack("headroom", year, w.id, need * p.headroom), 1.0)], wanted, INF)
            if need > 0:
                terms.append((m.slack("demand", year, w.id, need), 1.0))
                m.row(terms, need, INF)
        for stock, xs in by_stock.items():
            m.row([(stock, -1.0), *((x, 1.0) for x in xs)], -INF, 0.0)
    return allocations


def _add_porting_delay(m: Model, p: PlanProblem, allocations: dict[int, tuple[int, str, str]]) -> None:
    """Chips of a stack not yet ported serve nothing before the port can be finished."""
    ready = {t.id: t.first_year for t in p.ports if not t.done}
    for col, (year, _site, option_id) in allocations.items():
        port = p.option(option_id).port
        if port in ready and year < ready[port]:
            m.upper[col] = 0.0


def _add_limits(m: Model, p: PlanProblem) -> None:
    """Budget (with an overrun slack), power and supply rows."""
    for year in p.years:
        if year in p.budget:
            limit = p.budget[year] / MONEY_SCALE
            terms = [
                (col, unit_price(p.option(oid), y) / MONEY_SCALE) for (y, _s, oid), col in m.buy.items() if y == year
            ]
            terms.append((m.slack("budget", year, "capex", max(limit, 1e-6)), -1.0))
            row = m.row(terms, -INF, limit)
            m.limits.append(LimitRow(row, "budget", year, "capex", limit))
        for site in p.sites:
            if site.power_kw is None:
                continue
            terms = [
                (m.stock[k], o.unit_power_kw / o.unit_chips * p.pue)
                for o in p.options
                if (k := (year, site.id, o.id)) in m.stock
            ]
            row = m.row(terms, -INF, site.power_kw)
            m.limits.append(LimitRow(row, "power", year, site.id, site.power_kw))
        for o in p.options:
            cap = o.available(year).cap_units
            if cap is None:
                continue
            delivered = m.lease if o.leased else m.buy
            terms = [(col, 1.0) for (y, _s, oid), col in delivered.items() if y == year and oid == o.id]
            if terms:
                row = m.row(terms, -INF, float(cap))
                m.limits.append(LimitRow(row, "supply", year, o.id, float(cap)))


def metric_value(option: PlanOption, metric: TargetMetric) -> float:
    """What one chip counts for under a target metric."""
    if metric is TargetMetric.COMPUTE:
        return option.tflops
    if metric is TargetMetric.VALUE:
        return option.value_per_chip
    return 1.0


def _add_targets(m: Model, p: PlanProblem) -> None:
    """Domestic share rows: sum over scope of (domestic - share) x metric x stock + slack >= 0."""
    for target in p.targets:
        for year in p.years:
            if year >= target.year:
                _target_row(m, p, target, year)


def _target_row(m: Model, p: PlanProblem, target: PlanTarget, year: int) -> None:
    terms = []
    scale = 0.0
    for site in p.sites:
        if site.id not in target.sites:
            continue
        for o in p.options:
            k = (year, site.id, o.id)
            if k not in m.stock:
                continue
            v = metric_value(o, target.metric)
            terms.append((m.stock[k], ((1.0 if o.domestic else 0.0) - target.share) * v))
            scale += v * max(site.existing.get(o.id, 0), o.unit_chips)
    if terms:
        terms.append((m.slack("target", year, target.name, max(scale, 1.0)), 1.0))
        m.row(terms, 0.0, INF)


def fix_decisions(m: Model, p: PlanProblem) -> None:
    """Hold the problem's fixed decisions: their years' purchases, leases and retirements, and the porting choice."""
    fixed = p.fixed
    if fixed is None:
        return
    for columns, values in (
        (m.buy, fixed.buy),
        (m.lease, fixed.lease),
        (m.retire, fixed.retire),
        (m.retire_partial, fixed.retire_partial),
    ):
        for key, col in columns.items():
            if key[0] in fixed.years:  # decided already: held even where a run's rules would now forbid it
                m.lower[col] = m.upper[col] = float(values.get(key, 0))
    if fixed.ports is not None:
        for target, col in m.port.items():
            m.lower[col] = m.upper[col] = 1.0 if target in fixed.ports else 0.0
