"""The multi-year plan as typed data: what the solver gets (:class:`PlanProblem`) and what it returns.

Money is in the scenario's cost currency throughout; power in kW; demand in each workload's own unit (output
tokens/s for inference, concurrent runs for training).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlanOption:
    """A chip type a site can hold: a candidate to buy, or a chip already in the fleet."""

    id: str
    """Catalog chip id (or candidate id)."""
    domestic: bool
    """Counts towards the domestic ratio."""
    price: float
    """Effective price per chip (tariff and overhead included); also its book value when new."""
    power_kw: float
    """Power per chip at the wall before PUE, kW (TDP x load factor)."""
    tflops: float
    """Dense BF16 TFLOPS per chip, for compute-share targets."""
    capacity: dict[str, float]
    """Demand units one chip serves, per workload id (missing: cannot serve it)."""
    unit: int = 8
    """Chips per purchase unit."""
    risk: float = 0.0
    """Strategic risk 0-1, priced through the plan's risk weight."""
    supply_per_year: float | None = None
    """Most chips obtainable per year, all sites together (None: not limited)."""
    buy_years: frozenset[int] | None = None
    """Years in which it may be bought (None: every year; empty: never)."""
    chip_id: str | None = None
    """Catalog chip id when ``id`` names a candidate or system (licence events match either)."""


@dataclass(frozen=True)
class PlanSite:
    """A site: its existing chips, power limit and tariff."""

    id: str
    existing: dict[str, int] = field(default_factory=dict)
    """Chips per option id held at the start."""
    existing_book_value: dict[str, float] = field(default_factory=dict)
    """Remaining book value per chip at the start, per option id."""
    power_kw: float | None = None
    """Facility power available to accelerators, kW including PUE (None: not limited)."""
    electricity_per_kwh: float = 0.6
    """Tariff."""
    sector: str | None = None
    """Sector, for scoped targets."""
    domestic_only: bool = False
    """New purchases must be domestic."""


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


@dataclass(frozen=True)
class PlanProblem:
    """Everything the MILP needs."""

    years: tuple[int, ...]
    options: tuple[PlanOption, ...]
    sites: tuple[PlanSite, ...]
    workloads: tuple[PlanWorkload, ...]
    targets: tuple[PlanTarget, ...] = ()
    budget: dict[int, float] = field(default_factory=dict)
    """Capex per year (missing year: not limited)."""
    pue: float = 1.25
    depreciation_years: int = 5
    risk_weight: float = 0.0
    """Cost per unit of risk per chip-year, as a share of the chip's yearly depreciation."""
    max_nodes: int = 50_000
    """Branch-and-bound nodes at which HiGHS stops: a limit on work, so the plan never depends on the machine's
    speed or load."""
    time_limit_s: float = 600.0
    """Wall-clock safety net only; the node limit and the gap decide when the solver stops."""
    mip_gap: float = 0.01
    threads: int = 1
    method: str = "auto"
    """``mip`` (branch and bound), ``round`` (LP relaxation, purchases rounded up, LP again) or ``auto`` (``mip``
    up to :data:`MIP_MAX_INTEGERS` integer columns, else ``round``)."""


@dataclass(frozen=True)
class LicenceEvent:
    """An export licence granted or revoked for a chip from a year on, happening in a run with a probability."""

    chip: str
    """Option id or catalog chip id."""
    status: str
    """``revoked`` or ``granted``."""
    year: int
    """From this year."""
    probability: float
    """Chance per run."""


@dataclass(frozen=True)
class UncertaintySpec:
    """What a Monte Carlo sweep draws: price and growth noise and licence events, from a seed."""

    runs: int
    """Number of runs."""
    seed: int
    """Seed; the same seed gives the same runs on any executor."""
    price_sigma: float
    """Log-normal sigma of price multipliers per option."""
    growth_sigma: float
    """Normal sigma added to each workload's yearly demand growth."""
    events: tuple[LicenceEvent, ...] = ()
    """Licence events."""


MIP_MAX_INTEGERS = 3000
"""Above this many integer columns ``auto`` uses LP rounding, whose gap to the LP bound is reported."""


class PlanStatus(enum.StrEnum):
    """How the solve ended."""

    OPTIMAL = "optimal"
    """Solved to the gap; every constraint met."""
    FEASIBLE = "feasible"
    """Stopped at the time limit with a plan that meets every constraint."""
    INFEASIBLE = "infeasible"
    """No plan meets every constraint; ``violations`` say which and by how much."""
    FAILED = "failed"
    """The solver found no plan at all."""


@dataclass(frozen=True)
class Violation:
    """A constraint the best plan had to break (an elastic slack above zero)."""

    kind: str
    """``demand``, ``budget``, ``power``, ``supply`` or ``target``."""
    year: int
    subject: str
    """Workload, site, chip or target name."""
    amount: float
    """By how much, in the constraint's unit."""
    relative: float
    """As a share of the constraint's right-hand side."""
    unit: str


@dataclass(frozen=True)
class Binding:
    """A limit the plan uses fully (a tight constraint: relaxing it would lower the cost)."""

    kind: str
    year: int
    subject: str
    used: float
    limit: float


@dataclass(frozen=True)
class YearPlan:
    """One year of the plan."""

    year: int
    buy: dict[str, dict[str, int]]
    """Site -> option -> chips bought."""
    retire: dict[str, dict[str, float]]
    """Site -> option -> chips retired."""
    stock: dict[str, dict[str, float]]
    """Site -> option -> chips held after the year's moves."""
    capex: float
    opex: float
    """Electricity."""
    write_off: float
    """Book value of retired chips."""
    domestic_share: dict[str, float]
    """Whole-fleet domestic share by metric (count, compute, value)."""


@dataclass(frozen=True)
class PlanResult:
    """The plan, its cost, and why it is or is not feasible."""

    status: PlanStatus
    objective: float
    years: list[YearPlan]
    violations: list[Violation]
    binding: list[Binding]
    solve_s: float
    variables: int
    constraints: int
    message: str = ""
    method: str = "mip"
    """How it was solved."""
    gap: float | None = None
    """Proven relative gap to the best bound (None when unknown)."""

    @property
    def feasible(self) -> bool:
        """True when every constraint is met."""
        return self.status in (PlanStatus.OPTIMAL, PlanStatus.FEASIBLE)

    def total_capex(self) -> float:
        """Capex over the horizon."""
        return sum(y.capex for y in self.years)
