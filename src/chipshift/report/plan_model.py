"""The report's data about the plan: units bought and retired, money by year, what it cannot meet, how it holds over
the Monte Carlo futures, and the recommendation in a planner's words.

Part of :class:`chipshift.report.model.ReportData`, which re-exports every type here. Money is in the report's
currency, shares are 0-1.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class UnitLine(_Data):
    """Whole units bought, leased, retired or moved at one site in one year."""

    year: int
    site: str
    option: str
    """Candidate or chip id."""
    name: str
    """Display name."""
    units: int
    """Servers, systems or leased servers (a partial server retired counts as one)."""
    unit_kind: Literal["server", "system", "lease"]
    chips: int
    money: float
    """Capex, the year's lease, or the resale a retirement earns; 0 for a move."""
    destination: str | None = None
    """Where a move goes."""


class YearMoney(_Data):
    """One year's money, undiscounted."""

    year: int
    capex: float
    budget: float | None
    """The purchase budget (None: not limited)."""
    opex: float
    """Electricity, O&M and leases."""
    resale: float
    porting: float


class CostParts(_Data):
    """The plan's net present value by part, each discounted to the first plan year."""

    npv: float
    capex: float
    opex: float
    risk: float
    porting: float
    moves: float
    resale: float
    """A credit."""
    residual: float
    """A credit: economic value left in units bought at the end of the horizon."""


class PortInfo(_Data):
    """Porting the code to one stack."""

    target: str
    cost: float
    ready_year: int
    done: bool
    """Already ported (no cost)."""
    chosen: bool
    """The plan pays for it."""


class YearPlan(_Data):
    """One year of the plan, in whole units and chips."""

    year: int
    purchases: list[UnitLine]
    retirements: list[UnitLine]
    moves: list[UnitLine]
    stock: dict[str, dict[str, int]]
    """Site -> option -> chips held after the year's moves."""
    money: YearMoney
    domestic_share: dict[str, float]


class Violation(_Data):
    """What the best plan could not meet, and by how much."""

    kind: str
    """``demand``, ``target`` or ``budget``."""
    year: int
    subject: str
    amount: float
    relative: float
    unit: str


class Binding(_Data):
    """A limit the plan uses fully."""

    kind: str
    year: int
    subject: str
    used: float
    limit: float


class PlanSection(_Data):
    """The multi-year plan."""

    status: str
    """``optimal``, ``feasible``, ``over-budget``, ``targets-missed``, ``infeasible`` or ``failed``."""
    feasible: bool
    """Demand and every target met."""
    cost: CostParts
    years: list[YearPlan]
    violations: list[Violation]
    binding: list[Binding]
    ports: list[PortInfo]
    phases: list[str]
    solve_s: float
    variables: int
    constraints: int
    message: str
    method: str
    gap: float | None

    @property
    def objective(self) -> float:
        """Net present value."""
        return self.cost.npv

    @property
    def capex_total(self) -> float:
        """Capex over the horizon, undiscounted."""
        return sum(year.money.capex for year in self.years)


class RatioPoint(_Data):
    """Domestic share at one point of the path (now, then each plan year), by metric."""

    label: str
    count: float | None
    compute: float | None
    value: float | None


class TargetOutlook(_Data):
    """One target in one year: what the plan reaches and how likely it is to hold."""

    target: str
    """The target's name (``fleet: count >= 80% from 2027``)."""
    scope: str
    """The site or sector it covers, or ``fleet``."""
    metric: str
    year: int
    required: float
    planned: float
    """The plan's share in the target's scope."""
    met: bool
    probability: float | None
    """Share of the sweep's futures in which it is met (None: no sweep)."""
    expected_shortfall: float | None
    """Mean share points short over the futures (None: no sweep)."""


class YearOutlook(_Data):
    """How likely demand and the budget are to hold in one year."""

    year: int
    demand_probability: float | None
    budget_probability: float | None
    """None: no budget that year, or no sweep."""


class Risk(_Data):
    """One uncertain input of the tornado: the plan's cost at its low and high value."""

    kind: Literal["price", "growth", "event", "supply", "delivery", "performance"]
    subject: str
    """The candidate, workload or event it moves."""
    low_label: str
    """The low value, language-neutral (``×0.83``, ``−13%``, ``✗``, ``+0``)."""
    high_label: str
    npv_low: float
    npv_high: float
    base_npv: float
    misses: bool
    """Whether one of its values makes a target or demand go unmet."""
    swing: float
    change: Literal["ends", "enacted", "revoked", "granted"] | None = None
    """For a rule change: what happens to the rule."""


class RuleChange(_Data):
    """A change of the rules the sweep drew: what, how likely each year, how often it happened, what it touches."""

    subject: str
    """The policy rule's id, or the chip of a scenario's own licence event."""
    change: Literal["ends", "enacted", "revoked", "granted"]
    title: str
    """The rule's title (English), or the chip for a licence event."""
    title_zh: str
    """The rule's title (Chinese)."""
    chances: dict[int, float]
    """Plan year -> chance it happens that year if it has not before."""
    happened_share: float
    """Share of the sweep's futures in which it happened."""
    candidates: list[str]
    """Candidates it can open or close (with the other changes drawn)."""
    why: str
    """Why that chance (English; whose judgement in brackets)."""
    why_zh: str
    """The same (Chinese), without the confidence."""
    why_kind: Literal["outlook", "scenario-chance", "scenario-event"] = "outlook"
    """Where the chance comes from: the rule's outlook, a chance the scenario sets for the rule
    (``monte_carlo.outlook_probability``), or the scenario's own licence event (``monte_carlo.events``)."""
    confidence: str | None = None
    """The outlook's confidence (``estimate`` ...), for ``outlook``."""


class MonteCarloSection(_Data):
    """The recommended plan over the sweep's futures."""

    runs: int
    seed: int
    executor: str
    fix: str
    """``first-year`` (later years decided again in each future) or ``whole``."""
    npv: list[float]
    """Each run's net present value, in run order."""
    npv_p5: float
    npv_p50: float
    npv_p95: float
    npv_mean: float
    all_met_share: float
    """Share of futures meeting demand, every target and the budget in every year."""
    years: list[YearOutlook]
    targets: list[TargetOutlook]
    tornado: list[Risk]
    rule_changes: list[RuleChange] = Field(default_factory=list)
    """The changes of the rules drawn (policy outlooks and the scenario's licence events)."""


class Reason(_Data):
    """Why a candidate is or is not in the plan."""

    candidate: str
    code: Literal["bought", "gated", "site-rule", "no-licence", "costlier", "supply", "not-needed"]
    detail: str
    """The gate's reason or the rules, in English (the figures are in the fields below, for any language)."""
    units: int | None = None
    """Units the plan buys or leases."""
    tco_per_mtok: float | None = None
    """Its cost per million tokens."""
    against: str | None = None
    """The candidate it is compared with (the plan's cheapest per token)."""
    against_tco_per_mtok: float | None = None
    rules: list[str] = Field(default_factory=list)
    """Policy rules behind a gate or a refusal (their titles are in ``ReportData.rules``)."""
    forced_npv_delta: float | None = None
    """What the plan would cost more if at least one unit of it had to be bought (None: not computed)."""


class Recommendation(_Data):
    """What to do: the plan in a planner's words, its cost, how likely it is to hold, and why these candidates."""

    status: str
    feasible: bool
    purchases: list[UnitLine]
    leases: list[UnitLine]
    retirements: list[UnitLine]
    moves: list[UnitLine]
    ports: list[PortInfo]
    cost: CostParts
    money: list[YearMoney]
    targets: list[TargetOutlook]
    years: list[YearOutlook]
    risks: list[Risk]
    """The inputs that drive the tail most (at most three)."""
    shortfalls: list[Violation]
    why: list[Reason]
