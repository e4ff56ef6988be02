"""The scenario file: one YAML document that says what to compare and plan (see ``docs/scenario.md``).

Loaded with :func:`load_scenario`; every error names the file, the line and the field. Relative paths in the file
(inventories, repositories) are resolved against the file's directory.
"""

from __future__ import annotations

import enum
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from chipshift.catalog.domestic import DomesticRule
from chipshift.datafiles import dotted, line_of, load_yaml, validate_model
from chipshift.errors import InputFileError
from chipshift.files import MiB, read_input_text
from chipshift.quantities import (
    FiniteFloat,
    Fraction,
    Money,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    PositiveMoney,
    Year,
    capped,
)

MAX_MONTE_CARLO_RUNS = 10_000
"""Most Monte Carlo runs a scenario may ask for (each one solves the plan again)."""

MAX_SIGMA = 3.0
"""Largest price or growth sigma of the Monte Carlo (a price sigma of 3 already spans a factor of 400 either way)."""

SAATY_SCALE = (*range(1, 10), *(1 / k for k in range(2, 10)))
"""Values an AHP pairwise matrix may hold: 1 to 9 and their reciprocals (written to two decimals, 0.33 for 1/3)."""

PolicySector = Literal[
    "government", "state-enterprise", "finance", "energy", "telecom", "transport", "water", "healthcare",
    "defence-industry", "research", "internet", "cloud", "manufacturing", "automotive", "commercial",
]  # fmt: skip
"""The buyer sectors the policy rules know (``chipshift.catalog.policy.Sector``; a test keeps the two equal)."""

Growth = Annotated[FiniteFloat, Field(ge=-0.9, le=10)]
"""Growth per year as a share: -0.9 (a tenth is left) to 10 (eleven times as much each year)."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InferenceWorkload(_Model):
    """A model served to users at a demand and under latency targets."""

    id: str
    """Name used in the report."""
    kind: Literal["inference"] = "inference"
    model: str
    """Model id known to perf (``qwen3-32b``, ``deepseek-r1``)."""
    precision: str = "bf16"
    """Weights and compute precision."""
    precisions: list[str] = Field(default_factory=list)
    """Other precisions the model's owner accepts for this workload (its quality checked at them); each candidate
    runs the one, of these and ``precision``, that its chip has units for and that serves the most tokens per chip."""
    input_tokens: PositiveInt = 1024
    """Mean prompt length in tokens."""
    output_tokens: PositiveInt = 256
    """Mean answer length in tokens."""
    ttft_ms: PositiveFloat | None = None
    """Time-to-first-token target, milliseconds."""
    tpot_ms: PositiveFloat | None = None
    """Time-per-output-token target, milliseconds."""
    output_tokens_per_s: PositiveFloat
    """Demand in the first plan year: output tokens per second at peak."""
    growth_per_year: Growth = 0.0
    """Demand growth per year (0.3 = +30% a year)."""
    sites: list[str] = Field(default_factory=list)
    """Sites that may serve it (empty: any site)."""


class TrainingWorkload(_Model):
    """A training run that must finish within a number of days, repeated each year."""

    id: str
    """Name used in the report."""
    kind: Literal["training"]
    model: str
    """Model id known to perf."""
    precision: str = "bf16"
    """Compute precision."""
    precisions: list[str] = Field(default_factory=list)
    """Other precisions accepted for this run; each candidate trains at the fastest its chip has units for."""
    tokens: PositiveFloat
    """Tokens per run."""
    days: PositiveFloat
    """Wall-clock days a run may take."""
    seq_len: PositiveInt = 4096
    """Sequence length in tokens."""
    concurrent_runs: PositiveFloat = 1.0
    """Runs that must be in progress at the same time in the first plan year."""
    growth_per_year: Growth = 0.0
    """Growth of concurrent runs per year."""
    sites: list[str] = Field(default_factory=list)
    """Sites that may run it (empty: any site)."""


class PriceInput(_Model):
    """A price the user supplies (the catalog's prices are mostly unknown)."""

    value: PositiveMoney
    """Price per chip (or per system for a system candidate) in ``currency``."""
    currency: str = "CNY"
    """ISO 4217 code."""
    source: str
    """Where the figure comes from (quote, tender, assumption)."""


class Candidate(_Model):
    """A chip or system the organisation could buy (or lease)."""

    id: str
    """Catalog chip or system id or alias."""
    label: str | None = None
    """Name of this candidate in the report and the plan, for a second candidate of the same chip (its lease)."""
    price: PriceInput | None = None
    """Overrides the catalog price (per chip, or per system for a system candidate)."""
    supply_per_year: NonNegativeInt | None = None
    """Most chips obtainable per year, every year (None: not limited)."""
    allocation: dict[Year, NonNegativeInt] = Field(default_factory=dict)
    """Chips obtainable in given years (a vendor's allocation), overriding ``supply_per_year`` for those years."""
    lead_time_years: Annotated[NonNegativeInt, Field(le=10)] = 0
    """Years from order to delivery: the first delivery is in the first plan year plus this."""
    lease_per_card_hour: PositiveMoney | None = None
    """Rent it instead (cloud capacity): price per chip-hour in ``lease_currency``; nothing is bought."""
    lease_currency: str = "CNY"
    """ISO 4217 code of ``lease_per_card_hour``."""
    source: str | None = None
    """Where the supply, lead time and lease figures come from."""
    perf_stack: str | None = None
    """Serving stack perf assumes (``vllm``, ``mindie``); None: perf's default."""
    scan_target: str | None = None
    """Scan target for porting effort; None: derived from the chip's software stack."""


class Scope(_Model):
    """Which part of the fleet a target covers (all of it when empty)."""

    site: str | None = None
    """One site."""
    sector: str | None = None
    """One sector."""


class RatioMetric(enum.StrEnum):
    """What a domestic-ratio target counts."""

    COUNT = "count"
    COMPUTE = "compute"
    VALUE = "value"


class RatioTarget(_Model):
    """Domestic share at least ``min_share`` from ``year`` on."""

    year: Year
    """First year the target applies."""
    metric: RatioMetric = RatioMetric.COUNT
    """Count, compute (dense BF16) or value."""
    min_share: Fraction
    """Minimum domestic share."""
    scope: Scope = Field(default_factory=Scope)
    """Part of the fleet it covers."""
    source: str | None = None
    """Where the target comes from."""


class Site(_Model):
    """A data centre or plant."""

    id: str
    """Site name as in the inventories."""
    sector: str | None = None
    """Sector (``ai-datacenter``, ``automotive``)."""
    power_kw: PositiveFloat | None = None
    """Facility power available to accelerators, kW including PUE (None: not limited)."""
    electricity_per_kwh: Money | None = None
    """Tariff at this site; None: the scenario default."""
    state_funded: bool = False
    """New purchases must be domestic (state-funded data centres, Nov 2025 rule)."""
    policy_sector: PolicySector | None = None
    """The buyer's sector as the policy rules read it (``regulatory.sector`` when not given)."""
    critical_infrastructure: bool = False
    """The site is critical information infrastructure (cybersecurity review rules apply)."""


class CostAssumptions(_Model):
    """Inputs of the total cost of ownership."""

    currency: str = "CNY"
    """Currency of every money figure in the report."""
    exchange_rates: dict[str, PositiveFloat] = Field(default_factory=lambda: {"USD": 7.1})
    """Units of ``currency`` per unit of another currency."""
    electricity_per_kwh: Money = 0.6
    """Default tariff."""
    pue: FiniteFloat = Field(1.25, ge=1, le=10)
    """Power usage effectiveness."""
    load_factor: Fraction = Field(0.7, gt=0)
    """Mean power draw as a share of TDP."""
    depreciation_years: PositiveInt = Field(5, le=100)
    """Straight-line life of an accelerator."""
    server_overhead: NonNegativeFloat = 0.0
    """Extra cost per chip for host, network and storage, as a share of the chip price (chips only: a system's
    price is taken as quoted)."""
    host_power_overhead: NonNegativeFloat = Field(0.25, le=5)
    """Host, network and fans, as a share of the chips' TDP (chips only: a system's power is at the wall)."""
    om_share_per_year: Fraction = 0.0
    """Operations and maintenance per year as a share of the purchase price."""
    mean_utilisation: Fraction = Field(0.6, gt=0)
    """Mean demand as a share of the peak the plan sizes for: what turns capacity into tokens per year."""
    discount_rate: Annotated[FiniteFloat, Field(ge=0, le=1)] = 0.08
    """Yearly rate for the net present value (the organisation's cost of capital)."""
    source: str = "scenario defaults; see docs/scenario.md"
    """Where these assumptions come from."""

    @field_validator("exchange_rates")
    @classmethod
    def _codes_upper(cls, rates: dict[str, float]) -> dict[str, float]:
        return {code.upper(): rate for code, rate in rates.items()}


class LicenceChange(_Model):
    """An export licence granted or revoked from a year on."""

    chip: str
    """Catalog chip id."""
    status: Literal["granted", "revoked"]
    """What happens."""
    year: Year
    """From this year."""
    source: str | None = None
    """Where the change comes from."""


class Regulatory(_Model):
    """Switches for regulatory events the user wants to assume."""

    licences: list[LicenceChange] = Field(default_factory=list)
    """Export licence changes."""
    location_verification_mandated: bool = False
    """US-designed chips must carry location verification (proposed Chip Security Act)."""
    tariff: dict[str, NonNegativeFloat] = Field(default_factory=dict)
    """Extra share of price on chips by designer country (``{US: 0.25}``)."""
    state_funded_domestic_only: bool = True
    """State-funded sites buy domestic chips only, from the first plan year (the policy rule of Nov 2025 applies by
    its own date anyway)."""
    sector: PolicySector = "commercial"
    """The buyer's sector as the policy rules read it (``chipshift policy list`` shows the rules by sector)."""
    critical_infrastructure: bool = False
    """The buyer operates critical information infrastructure."""
    rules_off: list[str] = Field(default_factory=list)
    """Policy rules this scenario sets aside (a reported rule you have reason to doubt), by id."""
    assume_enacted: dict[str, date] = Field(default_factory=dict)
    """Proposed policy rules assumed enacted, by id, from a date (``location_verification_mandated`` assumes the Chip
    Security Act from the first plan year)."""
    pass_on_fees: bool = True
    """Licence fees and duties (the H20's 15% revenue share, the 25% duty) are passed on in the price."""


class Gates(_Model):
    """Hard gates applied before any ranking."""

    procurement_list: list[str] | None = None
    """If given, only these chips may be bought."""
    banned: dict[str, str] = Field(default_factory=dict)
    """Chip id to reason (banned from critical infrastructure, say)."""


class AhpInput(_Model):
    """Weights derived by AHP from a pairwise matrix or a ranking of the four dimensions."""

    matrix: list[list[PositiveFloat]] | None = None
    """Saaty pairwise matrix in the order technology, ecosystem, commercial, strategic."""
    ranking: list[Annotated[PositiveInt, Field(le=4)]] | None = Field(None, min_length=4, max_length=4)
    """Rank of each dimension (1 = most important) in the same order."""

    @field_validator("matrix")
    @classmethod
    def _saaty(cls, matrix: list[list[float]] | None) -> list[list[float]] | None:
        if matrix is None:
            return None
        if len(matrix) != 4 or any(len(row) != 4 for row in matrix):
            raise ValueError("must be 4 x 4 (technology, ecosystem, commercial, strategic)")
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                if not any(abs(value - allowed) <= 0.01 for allowed in SAATY_SCALE):
                    raise ValueError(f"entry [{i}][{j}] is {value:g}; use 1 to 9 or their reciprocals (0.5 ... 0.11)")
                if i == j and value != 1:
                    raise ValueError(f"entry [{i}][{i}] on the diagonal must be 1, not {value:g}")
                if abs(matrix[j][i] - 1 / value) > 0.01:
                    raise ValueError(f"entry [{j}][{i}] must be the reciprocal of [{i}][{j}] ({1 / value:.2f})")
        return matrix

    @model_validator(mode="after")
    def _one_of(self) -> AhpInput:
        if (self.matrix is None) == (self.ranking is None):
            raise ValueError("give exactly one of 'matrix' or 'ranking'")
        return self


class Weights(_Model):
    """Weights of the four dimensions, given directly or by AHP."""

    technology: NonNegativeFloat = 0.25
    """Throughput, chips needed, tokens per watt."""
    ecosystem: NonNegativeFloat = 0.25
    """Porting effort from the code scan."""
    commercial: NonNegativeFloat = 0.25
    """Capex and TCO."""
    strategic: NonNegativeFloat = 0.25
    """Export-control, security and supply risk."""
    ahp: AhpInput | None = None
    """If given, replaces the direct weights."""


class PlanOptions(_Model):
    """How the plan is solved and what it may do."""

    risk_weight: NonNegativeFloat = 0.0
    """Money per unit of strategic risk per chip-year, as a share of the chip's yearly depreciation."""
    server_size: PositiveInt = Field(8, le=100_000)
    """Chips bought per unit (one server)."""
    max_nodes: PositiveInt = 50_000
    """Branch-and-bound nodes at which the solver stops with the best plan found: a limit on work, so the same
    scenario gives the same plan on any machine."""
    time_limit_s: PositiveFloat = 600.0
    """Wall-clock safety net, seconds; the node limit and ``mip_gap`` decide when the solver stops."""
    mip_gap: NonNegativeFloat = 0.01
    """Relative optimality gap at which the solver stops."""
    budget_hard: bool = True
    """True: the budget is never exceeded (a plan that would need more misses targets or demand, and says so);
    False: it may be, by as little as possible, once demand and the targets are met."""
    redeploy: bool = False
    """Whether servers may move between sites."""
    move_cost_per_server: Money = 0.0
    """Cost of moving one server (or system) between sites."""
    headroom: Annotated[NonNegativeFloat, Field(le=2)] = 0.0
    """Capacity sought above each workload's demand, as a share (0.2: 20% more), against the performance model's own
    error (``chipshift validate --cv``); sought after demand, targets and the budget, never at their expense."""


class MonteCarloEvent(_Model):
    """A regulatory event that happens with a probability in a Monte Carlo run."""

    chip: str
    """Catalog chip id."""
    status: Literal["revoked", "granted"] = "revoked"
    """What happens."""
    year: Year
    """From this year."""
    probability: Fraction
    """Chance per run."""


class MonteCarlo(_Model):
    """The recommended plan under uncertainty: futures drawn, recourse allowed after the first year."""

    runs: Annotated[NonNegativeInt, capped(MAX_MONTE_CARLO_RUNS, "each run solves the plan's later years again")] = 200
    """Number of runs (0: none)."""
    seed: NonNegativeInt = 1
    """Seed; the same seed gives the same runs."""
    price_sigma: NonNegativeFloat = Field(0.15, le=MAX_SIGMA)
    """Log-normal sigma of price multipliers per candidate."""
    growth_sigma: NonNegativeFloat = Field(0.1, le=MAX_SIGMA)
    """Normal sigma added to each workload's demand growth."""
    events: list[MonteCarloEvent] = Field(default_factory=list)
    """Licence events of the scenario's own, each at a year with a chance per run."""
    rule_outlooks: bool = True
    """Draw the policy rules' outlooks: each year after the first, a licence may be revoked, a block lifted, a
    proposed rule enacted, with the chance the rule's ``outlook`` gives (``chipshift policy show ID``)."""
    outlook_probability: dict[str, Fraction] = Field(default_factory=dict)
    """Rule id -> chance per year that it ends (or, proposed, is enacted), replacing the rule's own outlook; 0 never;
    a rule without an outlook may be given one here."""
    supply_shortfall: Fraction = 0.2
    """Largest share of a candidate's allocation that may not be delivered in a year (drawn uniformly)."""
    lead_time_slip: Fraction = 0.1
    """Chance that a candidate's deliveries slip by a year."""
    model_error: bool = True
    """Draw each candidate's capacity error from the performance model's errors on published measurements."""
    fix: Literal["first-year", "whole"] = "first-year"
    """Which of the plan's decisions a run keeps: its first year (later years are decided again at the run's prices)
    or all of them."""


class Porting(_Model):
    """What porting the scanned code costs and how long it takes."""

    day_rate: Money = 2500.0
    """Cost of one person-day in the cost currency."""
    team_size: Annotated[PositiveFloat, Field(le=10_000)] = 4.0
    """People porting at the same time."""
    working_days_per_year: Annotated[PositiveFloat, Field(le=366)] = 220.0
    """Working days in a year."""
    done: list[str] | None = None
    """Scan targets already ported (None: the stacks the fleet already runs)."""
    source: str = "chipshift defaults; see docs/scenario.md"
    """Where these figures come from."""


class ResaleInput(_Model):
    """What a chip in the fleet sells for: its value in the first plan year and how fast it falls."""

    value: Money
    """Price one chip fetches in the first plan year, in ``currency``."""
    currency: str = "CNY"
    """ISO 4217 code."""
    yearly_decline: Fraction = 0.25
    """Share of the first-year value lost each year (straight line to zero)."""
    source: str
    """Where the figure comes from (a broker quote, a market report, an assumption)."""


class Scenario(_Model):
    """Everything ``chipshift assess`` needs."""

    name: str
    """Title of the report."""
    years: list[Year] = Field(min_length=1)
    """Plan years, ascending."""
    workloads: list[InferenceWorkload | TrainingWorkload] = Field(min_length=1)
    """What must run."""
    candidates: list[Candidate] = Field(min_length=1)
    """What could be bought."""
    inventories: list[Path] = Field(default_factory=list)
    """Inventory files (any format fleet reads)."""
    repositories: list[Path] = Field(default_factory=list)
    """Code to scan for CUDA lock-in."""
    targets: list[RatioTarget] = Field(default_factory=list)
    """Domestic-ratio targets."""
    domestic: DomesticRule = Field(default_factory=DomesticRule)
    """What counts as domestic, for the fleet's ratios and for the candidates alike (default: designer in CN)."""
    budget_per_year: dict[Year, Money] = Field(default_factory=dict)
    """Capex budget per year in the cost currency (missing year: not limited)."""
    sites: list[Site] = Field(default_factory=list)
    """Sites with power limits and tariffs (inventory sites not listed get defaults)."""
    cost: CostAssumptions = Field(default_factory=CostAssumptions)
    """TCO inputs."""
    regulatory: Regulatory = Field(default_factory=Regulatory)
    """Assumed regulatory events."""
    gates: Gates = Field(default_factory=Gates)
    """Hard gates."""
    weights: Weights = Field(default_factory=Weights)
    """Weights of the four dimensions."""
    plan: PlanOptions = Field(default_factory=PlanOptions)
    """How the plan is solved and what it may do."""
    porting: Porting = Field(default_factory=Porting)
    """Porting cost and speed."""
    resale: dict[str, ResaleInput] = Field(default_factory=dict)
    """Resale value per fleet chip id (a chip without one sells for nothing)."""
    monte_carlo: MonteCarlo = Field(default_factory=MonteCarlo)
    """Uncertainty sweep."""
    _origin: tuple[str, yaml.Node | None] = PrivateAttr(default=("<scenario>", None))

    def error(self, where: tuple[str | int, ...], problem: str) -> InputFileError:
        """An error at a field of the scenario, naming its file and line when it was read from one."""
        name, root = self._origin
        return InputFileError(name, problem, line=line_of(root, where), field=dotted(where))

    def with_origin(self, name: str, root: yaml.Node | None) -> Scenario:
        """This scenario, remembering the file and the parsed nodes it came from (for :meth:`error`)."""
        self._origin = (name, root)
        return self

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        if self.years != sorted(set(self.years)):
            raise ValueError("years must be ascending and distinct")
        ids = [w.id for w in self.workloads]
        if len(ids) != len(set(ids)):
            raise ValueError("workload ids must be distinct")
        names = [c.label or c.id for c in self.candidates]
        if len(names) != len(set(names)):
            raise ValueError("candidates must be distinct: give a second candidate of the same chip a 'label'")
        return self

    def resolve_paths(self, base: Path) -> Scenario:
        """The same scenario with relative inventory and repository paths made relative to ``base``."""
        return self.model_copy(
            update={
                "inventories": [p if p.is_absolute() else base / p for p in self.inventories],
                "repositories": [p if p.is_absolute() else base / p for p in self.repositories],
            }
        )


SCENARIO_LIMIT_BYTES = 16 * MiB
"""Largest scenario file read (the example is 5 KB)."""

_EXPECTED = "expected a mapping with 'name', 'years', 'workloads', 'candidates'"


def parse_scenario(text: str, path: str = "<scenario>") -> Scenario:
    """Validate scenario text; errors name ``path``, the line and the field."""
    data, root = load_yaml(text, path)
    return validate_model(Scenario, {} if data is None else data, root, path, expected=_EXPECTED).with_origin(
        path, root
    )


def load_scenario(path: Path) -> Scenario:
    """Read, validate and resolve a scenario file; a repository that does not exist is an error at its line."""
    name = str(path)
    text = read_input_text(path, limit_bytes=SCENARIO_LIMIT_BYTES, what="file")
    data, root = load_yaml(text, name)
    scenario = validate_model(Scenario, {} if data is None else data, root, name, expected=_EXPECTED)
    resolved = scenario.resolve_paths(Path(path).resolve().parent).with_origin(name, root)
    for index, repository in enumerate(resolved.repositories):
        if not repository.exists():
            raise resolved.error(("repositories", index), f"repository '{repository}' does not exist")
    return resolved
