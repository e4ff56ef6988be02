"""The plan as a mixed-integer program: variables, constraints with elastic slacks, and the objective.

Per year t, site s and option o: ``buy`` (integer purchase units), ``retire`` (existing chips only, cumulative up
to what the site held at the start) and ``stock``; per (t, s, o, workload): ``alloc`` (chips serving it). Every
limit has a slack with a penalty far above any real cost, so the model always solves; a slack above zero is a
violated constraint, reported with its size (see :mod:`chipshift.plan.solve`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from chipshift.plan.model import PlanOption, PlanProblem, PlanSite, PlanTarget, TargetMetric

MONEY_SCALE = 1e6
"""Money enters the solver in millions, to keep coefficients near 1."""
PENALTY = 1e5
"""Objective cost (in millions) of violating a constraint by its whole right-hand side."""


@dataclass
class Slack:
    """A slack column and what it stands for."""

    column: int
    kind: str
    year: int
    subject: str
    scale: float
    unit: str


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

    cost: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    entries_row: list[int] = field(default_factory=list)
    entries_col: list[int] = field(default_factory=list)
    entries_val: list[float] = field(default_factory=list)
    buy: dict[tuple[int, str, str], int] = field(default_factory=dict)
    retire: dict[tuple[int, str, str], int] = field(default_factory=dict)
    stock: dict[tuple[int, str, str], int] = field(default_factory=dict)
    slacks: list[Slack] = field(default_factory=list)
    limits: list[LimitRow] = field(default_factory=list)

    def var(self, cost: float, upper: float = float("inf"), *, integer: bool = False) -> int:
        """Add a non-negative column."""
        self.cost.append(cost)
        self.lower.append(0.0)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.cost) - 1

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

    def slack(self, kind: str, year: int, subject: str, scale: float, unit: str) -> int:
        """A penalised slack column, its penalty normalised by the constraint's size."""
        scale = max(scale, 1e-9)
        col = self.var(PENALTY / scale)
        self.slacks.append(Slack(col, kind, year, subject, scale, unit))
        return col


INF = float("inf")


def book_value(price: float, age_years: float, life: int) -> float:
    """Straight-line book value."""
    return max(0.0, price * (1 - age_years / life))


def _holds(problem: PlanProblem, site: PlanSite, option: PlanOption) -> bool:
    return site.existing.get(option.id, 0) > 0 or _can_buy_ever(problem, site, option)


def _can_buy_ever(problem: PlanProblem, site: PlanSite, option: PlanOption) -> bool:
    if site.domestic_only and not option.domestic:
        return False
    return any(_can_buy(option, year) for year in problem.years)


def _can_buy(option: PlanOption, year: int) -> bool:
    return option.buy_years is None or year in option.buy_years


def buy_bound(p: PlanProblem, option: PlanOption) -> float:
    """Most units of an option worth buying in one year: supply, or all demand and all existing chips replaced."""
    chips: float = sum(sum(s.existing.values()) for s in p.sites)
    for w in p.workloads:
        cap = option.capacity.get(w.id, 0.0)
        if cap > 0:
            chips += max(w.demand.values(), default=0.0) / cap
    bound = math.ceil(chips / option.unit) + 1
    if option.supply_per_year is not None:
        bound = min(bound, math.floor(option.supply_per_year / option.unit))
    return float(bound)


def _add_fleet(m: Model, p: PlanProblem) -> None:
    """buy / retire / stock columns, the stock balance and the retirement limit."""
    horizon_end = p.years[-1]
    for site in p.sites:
        for o in p.options:
            if not _holds(p, site, o):
                continue
            have = float(site.existing.get(o.id, 0))
            bv0 = site.existing_book_value.get(o.id, 0.0)
            energy = o.power_kw * p.pue * 8760 * site.electricity_per_kwh
            risk = p.risk_weight * o.risk * o.price / p.depreciation_years
            most = buy_bound(p, o)
            previous: int | None = None
            retired: list[int] = []
            for year in p.years:
                allowed = _can_buy(o, year) and not (site.domestic_only and not o.domestic)
                salvage = book_value(o.price, horizon_end - year + 1, p.depreciation_years)
                buy_cost = (o.price - salvage) * o.unit / MONEY_SCALE
                buy = m.var(buy_cost, most if allowed else 0.0, integer=True)
                age = year - p.years[0]
                retire = m.var(
                    book_value(bv0, age, max(1, p.depreciation_years)) / MONEY_SCALE if have else 0.0,
                    INF if have else 0.0,
                )
                stock = m.var((energy + risk) / MONEY_SCALE)
                terms = [(stock, 1.0), (buy, -float(o.unit)), (retire, 1.0)]
                if previous is not None:
                    terms.append((previous, -1.0))
                rhs = have if previous is None else 0.0
                m.row(terms, rhs, rhs)
                retired.append(retire)
                if have:
                    m.row(((r, 1.0) for r in retired), -INF, have)
                m.buy[year, site.id, o.id] = buy
                m.retire[year, site.id, o.id] = retire
                m.stock[year, site.id, o.id] = stock
                previous = stock


def _add_demand(m: Model, p: PlanProblem) -> None:
    """Allocation of chips to workloads, and demand rows with shortfall slacks."""
    for year in p.years:
        alloc_by_stock: dict[int, list[int]] = {}
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
                    x = m.var(0.0)
                    alloc_by_stock.setdefault(stock, []).append(x)
                    terms.append((x, cap))
            if need > 0:
                terms.append((m.slack("demand", year, w.id, need, "demand units"), 1.0))
                m.row(terms, need, INF)
        for stock, xs in alloc_by_stock.items():
            m.row([(stock, -1.0), *((x, 1.0) for x in xs)], -INF, 0.0)


def _add_limits(m: Model, p: PlanProblem) -> None:
    """Budget, power and supply rows, each with an overrun slack."""
    for year in p.years:
        if year in p.budget:
            limit = p.budget[year]
            terms = [
                (m.buy[k], o.price * o.unit / MONEY_SCALE)
                for o in p.options
                for s in p.sites
                if (k := (year, s.id, o.id)) in m.buy
            ]
            terms.append((m.slack("budget", year, "capex", max(limit, 1.0) / MONEY_SCALE, "money (millions)"), -1.0))
            row = m.row(terms, -INF, limit / MONEY_SCALE)
            m.limits.append(LimitRow(row, "budget", year, "capex", limit / MONEY_SCALE))
        for site in p.sites:
            if site.power_kw is None:
                continue
            terms = [(m.stock[k], o.power_kw * p.pue) for o in p.options if (k := (year, site.id, o.id)) in m.stock]
            terms.append((m.slack("power", year, site.id, site.power_kw, "kW"), -1.0))
            row = m.row(terms, -INF, site.power_kw)
            m.limits.append(LimitRow(row, "power", year, site.id, site.power_kw))
        for o in p.options:
            if o.supply_per_year is None:
                continue
            terms = [(m.buy[k], float(o.unit)) for s in p.sites if (k := (year, s.id, o.id)) in m.buy]
            if not terms:
                continue
            terms.append((m.slack("supply", year, o.id, max(o.supply_per_year, 1.0), "chips"), -1.0))
            row = m.row(terms, -INF, o.supply_per_year)
            m.limits.append(LimitRow(row, "supply", year, o.id, o.supply_per_year))


def metric_value(option: PlanOption, metric: TargetMetric) -> float:
    """What one chip counts for under a target metric."""
    if metric is TargetMetric.COMPUTE:
        return option.tflops
    if metric is TargetMetric.VALUE:
        return option.price
    return 1.0


def _add_targets(m: Model, p: PlanProblem) -> None:
    """Domestic share rows: sum over scope of (domestic - share) x metric x stock >= 0, with a shortfall slack."""
    for target in p.targets:
        for year in p.years:
            if year < target.year:
                continue
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
            scale += v * max(site.existing.get(o.id, 0), o.unit)
    if not terms:
        return
    terms.append((m.slack("target", year, target.name, max(scale, 1.0), f"{target.metric.value} units"), 1.0))
    m.row(terms, 0.0, INF)


def build_model(problem: PlanProblem) -> Model:
    """The whole program for one problem."""
    m = Model()
    _add_fleet(m, problem)
    _add_demand(m, problem)
    _add_limits(m, problem)
    _add_targets(m, problem)
    return m
