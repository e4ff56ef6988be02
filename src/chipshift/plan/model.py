"""The multi-year plan as typed data: the solver's input (:class:`PlanProblem`) and output (:class:`PlanResult`).

Money is in the scenario's cost currency throughout (the solver works in millions); power in kW; demand in each
workload's own unit (output tokens/s for inference, concurrent runs for training). Quantities bought, leased, moved
and retired are whole purchase units (a server of 8 chips, a CloudMatrix of 384); stocks are whole chips. The
formulation is written out with its equations in ``docs/plan.md``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Availability:
    """Whether, how many and at what price an option can be delivered in one year (export rules, licences, supply)."""

    allowed: bool = True
    """False: no delivery that year (banned, licence refused or revoked)."""
    cap_units: int | None = None
    """Most units deliverable that year, all sites together (allocation, a licence's volume cap); None: no cap."""
    price_factor: float = 1.0
    """Multiplier on the unit price that year (a fee or duty passed on; a price preference)."""
    reason: str = ""
    """Why it is not allowed, or the conditions (for the report)."""


@dataclass(frozen=True)
class PlanOption:
    """A chip type a site can hold: a candidate to buy or lease, or a chip already in the fleet."""

    id: str
    """Candidate id (chip or system) or the catalog chip id of a fleet chip."""
    chip_id: str
    """Catalog chip id (licence events match either id)."""
    domestic: bool
    """Counts towards the domestic ratio."""
    unit_chips: int
    """Chips per purchase unit (a server, or a whole system such as a CloudMatrix 384)."""
    unit_price: float
    """Price of one unit with server overhead (chips) or as quoted (systems), before yearly factors; 0: not for sale."""
    unit_power_kw: float
    """Wall power of one unit at mean load, before PUE, kW."""
    tflops: float
    """Dense BF16/FP16 TFLOPS per chip, for compute-share targets."""
    value_per_chip: float
    """What one chip counts for under a value-share target (its price, or the register's)."""
    capacity: dict[str, float]
    """Demand units one chip serves, per workload id (missing: cannot serve it)."""
    om_per_unit_year: float = 0.0
    """Operations and maintenance per unit per year (staff, spares, support contract)."""
    lease_per_unit_year: float | None = None
    """A leased option (cloud rental): paid per unit-year, nothing bought, nothing carried over; None: bought."""
    life_years: int = 5
    """Economic life of a unit bought: residual values at the end of the horizon follow from it."""
    lead_time_years: int = 0
    """Years between order and delivery: the first delivery can be in the first plan year plus this."""
    availability: dict[int, Availability] = field(default_factory=dict)
    """Per plan year; a year not listed is allowed with no cap and no price factor."""
    port: str | None = None
    """Porting target its software stack needs (None: runs the code as it is, e.g. CUDA)."""
    risk: float = 0.0
    """Strategic risk 0-1, priced through the plan's risk weight."""
    resale_per_chip: dict[int, float] = field(default_factory=dict)
    """Value of one existing chip sold at the start of a plan year, and at the end of the horizon (the year after the
    last): what retiring it earns and keeping it forgoes. Missing: 0."""

    def available(self, year: int) -> Availability:
        """Availability in one year."""
        return self.availability.get(year, Availability())

    @property
    def leased(self) -> bool:
        """True for a cloud rental."""
        return self.lease_per_unit_year is not None


@dataclass(frozen=True)
class PlanSite:
    """A site: its existing chips, power limit, tariff and the rules that apply to it."""

    id: str
    existing: dict[str, int] = field(default_factory=dict)
    """Chips per option id held at the start."""
    power_kw: float | None = None
    """Facility power available to accelerators, kW including PUE (None: not limited)."""
    electricity_per_kwh: float = 0.6
    """Tariff."""
    sector: str | None = None
    """Sector, for scoped targets."""
    domestic_only: bool = False
    """New purchases, leases and moves in must be domestic (a state-funded data centre)."""
    blocked: dict[str, dict[int, str]] = field(default_factory=dict)
    """Option -> years in which it may not be bought, leased or moved in here, with the rule behind each."""


@dataclass(frozen=True)
class PlanWorkload:
    """Demand that must be served each year."""

    id: str
    demand: dict[int, float]
    """Demand per year."""
    sites: tuple[str, ...] = ()
    """Sites that may serve it (empty: any)."""


class TargetMetric(enum.StrEnum):
    """What a domestic-ratio target counts."""

    COUNT = "count"
    COMPUTE = "compute"
    VALUE = "value"


@dataclass(frozen=True)
class PlanTarget:
    """Domestic share of ``metric`` at least ``share`` over ``sites`` from ``year`` on."""

    name: str
    year: int
    metric: TargetMetric
    share: float
    sites: tuple[str, ...]
    """Sites in scope (resolved from a site or sector scope)."""
    scope: str = "fleet"
    """The site or sector it was given for, or ``fleet``."""


@dataclass(frozen=True)
class PortingProject:
    """Porting the organisation's code to one software stack: a one-off cost and a delay."""

    id: str
    """Scan target (``ascend``, ``cambricon``, ...)."""
    cost: float
    """Person-days times the day rate, paid in the first plan year if the plan ports."""
    first_year: int
    """First year a workload can run on the stack if the plan ports (the first plan year plus the porting time)."""
    done: bool = False
    """Already ported (the fleet runs the stack, or the scenario says so): no cost, no delay."""


@dataclass(frozen=True)
class FixedDecisions:
    """Decisions taken already (the recommended plan's first year, in a Monte Carlo run): units per (year, site,
    option) for purchases and leases, full servers and partial lots retired, and porting targets chosen."""

    years: frozenset[int] = frozenset()
    """Years whose decisions are fixed (a key missing in these years means 0)."""
    buy: dict[tuple[int, str, str], int] = field(default_factory=dict)
    lease: dict[tuple[int, str, str], int] = field(default_factory=dict)
    retire: dict[tuple[int, str, str], int] = field(default_factory=dict)
    retire_partial: dict[tuple[int, str, str], int] = field(default_factory=dict)
    ports: frozenset[str] | None = None
    """Porting targets chosen (None: not fixed)."""


@dataclass(frozen=True)
class PlanProblem:
    """Everything the MILP needs."""

    years: tuple[int, ...]
    """Plan years, ascending; each lasts until the next (the last, one year)."""
    options: tuple[PlanOption, ...]
    sites: tuple[PlanSite, ...]
    workloads: tuple[PlanWorkload, ...]
    targets: tuple[PlanTarget, ...] = ()
    ports: tuple[PortingProject, ...] = ()
    budget: dict[int, float] = field(default_factory=dict)
    """Purchase budget per year (missing year: not limited)."""
    budget_hard: bool = True
    """True: never spent past; False: an overrun is allowed, kept as small as possible after the targets."""
    pue: float = 1.25
    discount_rate: float = 0.0
    """Yearly rate for the net present value."""
    risk_weight: float = 0.0
    """Cost per unit of risk per chip-year, as a share of the chip's yearly depreciation."""
    headroom: float = 0.0
    """Capacity sought above each demand, as a share (for the performance model's error): sought after demand,
    targets and the budget, so missing it never breaks the plan; demand itself is met at 100%."""
    redeploy: bool = False
    """Whether units may move between sites."""
    move_cost_per_unit: float = 0.0
    """Cost of moving one unit between sites."""
    fixed: FixedDecisions | None = None
    """Decisions that may not change."""
    forced: frozenset[str] = frozenset()
    """Options of which at least one unit must be bought or leased (to show what choosing them costs)."""
    max_nodes: int = 50_000
    """Branch-and-bound nodes at which HiGHS stops: a limit on work, so the plan never depends on the machine's
    speed or load."""
    time_limit_s: float = 600.0
    """Wall-clock safety net only; the node limit and the gap decide when the solver stops."""
    mip_gap: float = 0.01
    threads: int = 1
    method: str = "auto"
    """``mip`` (branch and bound), ``round`` (LP relaxation, integers rounded, small MIP) or ``auto`` (``mip`` up to
    :data:`MIP_MAX_INTEGERS` integer columns, else ``round``)."""

    def option(self, option_id: str) -> PlanOption:
        """The option with this id."""
        return next(o for o in self.options if o.id == option_id)


MIP_MAX_INTEGERS = 3000
"""Above this many integer columns ``auto`` uses LP rounding, whose gap to the LP bound is reported."""


@dataclass(frozen=True)
class PolicyEvent:
    """A change of the rules that may happen in a run (a licence revoked, a bill enacted, a block lifted), with its
    chance in each plan year if it has not happened before. What it opens or closes, alone or together with other
    events, is the spec's :attr:`UncertaintySpec.allowed_after`."""

    name: str
    """What happens (``nvidia-h20 revoked 2026``, ``us-safe-chips-act enacted``)."""
    chances: Mapping[int, float]
    """Plan year -> probability that it happens that year (from then on it holds)."""
    source: str = ""
    """Where the event and its probability come from."""
    subject: str = ""
    """What it is about, for readers: a policy rule id, or the chip of a scenario's licence event."""
    change: str = ""
    """``ends`` or ``enacted`` (a rule), ``revoked`` or ``granted`` (a licence)."""

    def happens(self, uniform: Callable[[], float]) -> int | None:
        """The year it happens in one run (None: not within the plan), from one uniform draw per year tried."""
        for year in sorted(self.chances):
            if uniform() < self.chances[year]:
                return year
        return None

    def first_year(self) -> int | None:
        """The first year it can happen (the tornado's "it happens" case)."""
        return min((y for y, p in self.chances.items() if p > 0), default=None)


@dataclass(frozen=True)
class UncertaintySpec:
    """What a Monte Carlo sweep draws, from a seed: price and demand noise, licence events, supply shortfalls,
    lead-time slips and the performance model's own error."""

    runs: int
    """Number of runs."""
    seed: int
    """Seed; the same seed gives the same runs on any executor and any number of workers."""
    price_sigma: float
    """Log-normal sigma of price multipliers per option, per year after the first."""
    growth_sigma: float
    """Normal sigma added to each workload's yearly demand growth."""
    events: tuple[PolicyEvent, ...] = ()
    """Rule changes: the scenario's licence events and the policy rules' outlooks."""
    allowed_after: Mapping[str, Mapping[frozenset[int], Mapping[int, bool]]] = field(default_factory=dict)
    """Option id -> the events that have happened (indices into ``events``, only those that can touch it) -> year
    -> whether it may be bought. Worked out with the rules changed together, so a licence revoked and a block
    lifted in the same run close the chip, whichever came first."""
    supply_shortfall: float = 0.0
    """Largest share of an allocation cap that may not be delivered (uniform between 0 and this)."""
    lead_time_slip: float = 0.0
    """Chance per option that its deliveries slip by a year."""
    capacity_error: tuple[float, ...] = ()
    """Ratios measured / predicted of the performance model (from ``chipshift validate``); each run draws one per
    option and multiplies its capacity by it. Empty: no model error."""
    fix: str = "first-year"
    """``first-year``: the first year's decisions are the plan's, later years are decided again in each run at the
    run's prices (the recourse a planner has); ``whole``: every decision is the plan's."""


class PlanStatus(enum.StrEnum):
    """How the solve ended."""

    OPTIMAL = "optimal"
    """Every constraint met; solved to the gap."""
    FEASIBLE = "feasible"
    """Every constraint met; stopped at the node limit with the gap reported."""
    OVER_BUDGET = "over-budget"
    """Demand and targets met only by spending past a budget the scenario allows to be exceeded."""
    TARGETS_MISSED = "targets-missed"
    """Demand met within the hard limits; some domestic-ratio targets cannot be: the shortfalls are stated."""
    INFEASIBLE = "infeasible"
    """Demand cannot be met within the hard limits (budget, power, supply, rules): the shortfall is stated."""
    FAILED = "failed"
    """The solver found no plan at all."""


ACCEPTABLE = frozenset({PlanStatus.OPTIMAL, PlanStatus.FEASIBLE, PlanStatus.OVER_BUDGET})
"""Statuses under which the plan meets demand and every target."""


@dataclass(frozen=True)
class Violation:
    """What the best plan could not meet, and by how much."""

    kind: str
    """``demand``, ``target``, ``budget`` or ``headroom`` (capacity above demand the plan could not add)."""
    year: int
    subject: str
    """Workload, target name, or ``capex``."""
    amount: float
    """By how much, in ``unit``."""
    relative: float
    """As a share of the requirement (the demand, the target share, the budget)."""
    unit: str


@dataclass(frozen=True)
class Binding:
    """A limit the plan uses fully (relaxing it would lower the cost or the shortfall)."""

    kind: str
    """``budget``, ``power`` or ``supply``."""
    year: int
    subject: str
    used: float
    limit: float


@dataclass(frozen=True)
class Purchase:
    """Units bought (or leased) for one site in one year."""

    year: int
    site: str
    option: str
    units: int
    chips: int
    cost: float
    """Capex (or the year's lease), price factors included."""
    leased: bool = False


@dataclass(frozen=True)
class Retirement:
    """Existing chips retired (and sold) at one site at the start of one year."""

    year: int
    site: str
    option: str
    chips: int
    servers: int
    """Servers retired (a partial server counts as one)."""
    resale: float
    """What selling them earns."""


@dataclass(frozen=True)
class Move:
    """Units moved between sites at the start of one year."""

    year: int
    source: str
    destination: str
    option: str
    units: int
    chips: int


@dataclass(frozen=True)
class YearPlan:
    """One year of the plan."""

    year: int
    purchases: list[Purchase]
    retirements: list[Retirement]
    moves: list[Move]
    stock: dict[str, dict[str, int]]
    """Site -> option -> chips held after the year's moves."""
    capex: float
    """Purchases delivered this year."""
    opex: float
    """Electricity, O&M and leases this year (undiscounted)."""
    resale: float
    """What retirements earn this year."""
    porting: float
    """Porting paid this year."""
    budget: float | None
    """The year's purchase budget (None: not limited)."""
    domestic_share: dict[str, float]
    """Whole-fleet domestic share by metric (count, compute, value)."""

    @property
    def buy(self) -> dict[str, dict[str, int]]:
        """Site -> option -> chips bought or leased."""
        out: dict[str, dict[str, int]] = {}
        for p in self.purchases:
            out.setdefault(p.site, {})[p.option] = out.get(p.site, {}).get(p.option, 0) + p.chips
        return out

    @property
    def retire(self) -> dict[str, dict[str, int]]:
        """Site -> option -> chips retired."""
        out: dict[str, dict[str, int]] = {}
        for r in self.retirements:
            out.setdefault(r.site, {})[r.option] = out.get(r.site, {}).get(r.option, 0) + r.chips
        return out


@dataclass(frozen=True)
class CostBreakdown:
    """The plan's net present value, by part (each discounted to the first plan year)."""

    capex: float
    opex: float
    """Electricity, O&M and leases."""
    risk: float
    """The risk weight's charge."""
    porting: float
    moves: float
    resale: float
    """Retired chips sold, and existing chips kept, valued at the end of the horizon (a credit)."""
    residual: float
    """Economic value left in units bought, at the end of the horizon (a credit)."""

    @property
    def npv(self) -> float:
        """Total."""
        return self.capex + self.opex + self.risk + self.porting + self.moves - self.resale - self.residual


@dataclass(frozen=True)
class PlanResult:
    """The plan, its cost, and what it cannot meet."""

    status: PlanStatus
    cost: CostBreakdown
    years: list[YearPlan]
    violations: list[Violation]
    binding: list[Binding]
    ports: tuple[str, ...]
    """Porting targets the plan pays for."""
    solve_s: float
    variables: int
    constraints: int
    message: str = ""
    method: str = "mip"
    gap: float | None = None
    """Proven relative gap to the best bound of the last phase (None when unknown)."""
    phases: tuple[str, ...] = ()
    """The solves it took: ``cost``; or ``demand``, ``target``, ``budget``, ``cost`` when something could not be met."""

    @property
    def feasible(self) -> bool:
        """True when demand and every target are met."""
        return self.status in ACCEPTABLE

    @property
    def objective(self) -> float:
        """Net present value of the plan."""
        return self.cost.npv

    def total_capex(self) -> float:
        """Capex over the horizon, undiscounted."""
        return sum(y.capex for y in self.years)
