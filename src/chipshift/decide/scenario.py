"""The scenario file: one YAML document that says what to compare and plan (see ``docs/scenario.md``).

Loaded with :func:`load_scenario`; every error names the file, the line and the field. Relative paths in the file
(inventories, repositories) are resolved against the file's directory.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chipshift.catalog.loader import _dotted, _line_of
from chipshift.errors import InputFileError


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
    input_tokens: int = Field(1024, gt=0)
    """Mean prompt length in tokens."""
    output_tokens: int = Field(256, gt=0)
    """Mean answer length in tokens."""
    ttft_ms: float | None = Field(None, gt=0)
    """Time-to-first-token target, milliseconds."""
    tpot_ms: float | None = Field(None, gt=0)
    """Time-per-output-token target, milliseconds."""
    output_tokens_per_s: float = Field(gt=0)
    """Demand in the first plan year: output tokens per second at peak."""
    growth_per_year: float = Field(0.0, ge=-0.9)
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
    tokens: float = Field(gt=0)
    """Tokens per run."""
    days: float = Field(gt=0)
    """Wall-clock days a run may take."""
    seq_len: int = Field(4096, gt=0)
    """Sequence length in tokens."""
    concurrent_runs: float = Field(1.0, gt=0)
    """Runs that must be in progress at the same time in the first plan year."""
    growth_per_year: float = Field(0.0, ge=-0.9)
    """Growth of concurrent runs per year."""
    sites: list[str] = Field(default_factory=list)
    """Sites that may run it (empty: any site)."""


class PriceInput(_Model):
    """A price the user supplies (the catalog's prices are mostly unknown)."""

    value: float = Field(gt=0)
    """Price per chip (or per system for a system candidate) in ``currency``."""
    currency: str = "CNY"
    """ISO 4217 code."""
    source: str
    """Where the figure comes from (quote, tender, assumption)."""


class Candidate(_Model):
    """A chip or system the organisation could buy."""

    id: str
    """Catalog chip or system id or alias."""
    price: PriceInput | None = None
    """Overrides the catalog price."""
    supply_per_year: int | None = Field(None, ge=0)
    """Most chips obtainable per year (None: not limited)."""
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

    year: int
    """First year the target applies."""
    metric: RatioMetric = RatioMetric.COUNT
    """Count, compute (dense BF16) or value."""
    min_share: float = Field(ge=0, le=1)
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
    power_kw: float | None = Field(None, gt=0)
    """Facility power available to accelerators, kW including PUE (None: not limited)."""
    electricity_per_kwh: float | None = Field(None, ge=0)
    """Tariff at this site; None: the scenario default."""
    state_funded: bool = False
    """New purchases must be domestic (state-funded data centres, Nov 2025 rule)."""


class CostAssumptions(_Model):
    """Inputs of the total cost of ownership."""

    currency: str = "CNY"
    """Currency of every money figure in the report."""
    exchange_rates: dict[str, float] = Field(default_factory=lambda: {"USD": 7.1})
    """Units of ``currency`` per unit of another currency."""
    electricity_per_kwh: float = Field(0.6, ge=0)
    """Default tariff."""
    pue: float = Field(1.25, ge=1)
    """Power usage effectiveness."""
    load_factor: float = Field(0.7, gt=0, le=1)
    """Mean power draw as a share of TDP."""
    depreciation_years: int = Field(5, ge=1)
    """Straight-line life of an accelerator."""
    server_overhead: float = Field(0.0, ge=0)
    """Extra cost per chip for host, network and storage, as a share of the chip price."""
    source: str = "scenario defaults; see docs/scenario.md"
    """Where these assumptions come from."""


class LicenceChange(_Model):
    """An export licence granted or revoked from a year on."""

    chip: str
    """Catalog chip id."""
    status: Literal["granted", "revoked"]
    """What happens."""
    year: int
    """From this year."""


class Regulatory(_Model):
    """Switches for regulatory events the user wants to assume."""

    licences: list[LicenceChange] = Field(default_factory=list)
    """Export licence changes."""
    location_verification_mandated: bool = False
    """US-designed chips must carry location verification (proposed Chip Security Act)."""
    tariff: dict[str, float] = Field(default_factory=dict)
    """Extra share of price on chips by designer country (``{US: 0.25}``)."""
    state_funded_domestic_only: bool = True
    """State-funded sites buy domestic chips only."""


class Gates(_Model):
    """Hard gates applied before any ranking."""

    procurement_list: list[str] | None = None
    """If given, only these chips may be bought."""
    banned: dict[str, str] = Field(default_factory=dict)
    """Chip id to reason (banned from critical infrastructure, say)."""


class AhpInput(_Model):
    """Weights derived by AHP from a pairwise matrix or a ranking of the four dimensions."""

    matrix: list[list[float]] | None = None
    """Saaty pairwise matrix in the order technology, ecosystem, commercial, strategic."""
    ranking: list[int] | None = None
    """Rank of each dimension (1 = most important) in the same order."""

    @model_validator(mode="after")
    def _one_of(self) -> AhpInput:
        if (self.matrix is None) == (self.ranking is None):
            raise ValueError("give exactly one of 'matrix' or 'ranking'")
        return self


class Weights(_Model):
    """Weights of the four dimensions, given directly or by AHP."""

    technology: float = Field(0.25, ge=0)
    """Throughput, chips needed, tokens per watt."""
    ecosystem: float = Field(0.25, ge=0)
    """Porting effort from the code scan."""
    commercial: float = Field(0.25, ge=0)
    """Capex and TCO."""
    strategic: float = Field(0.25, ge=0)
    """Export-control, security and supply risk."""
    ahp: AhpInput | None = None
    """If given, replaces the direct weights."""


class PlanOptions(_Model):
    """Solver options."""

    risk_weight: float = Field(0.0, ge=0)
    """Money per unit of strategic risk per chip-year, as a share of the chip's yearly depreciation."""
    server_size: int = Field(8, ge=1)
    """Chips bought per unit (one server)."""
    time_limit_s: float = Field(20.0, gt=0)
    """Solver time limit."""
    mip_gap: float = Field(0.01, ge=0)
    """Relative optimality gap at which the solver stops."""


class MonteCarloEvent(_Model):
    """A regulatory event that happens with a probability in a Monte Carlo run."""

    chip: str
    """Catalog chip id."""
    status: Literal["revoked", "granted"] = "revoked"
    """What happens."""
    year: int
    """From this year."""
    probability: float = Field(ge=0, le=1)
    """Chance per run."""


class MonteCarlo(_Model):
    """Uncertainty swept by Monte Carlo."""

    runs: int = Field(0, ge=0)
    """Number of runs (0: none)."""
    seed: int = 1
    """Seed; the same seed gives the same runs."""
    price_sigma: float = Field(0.15, ge=0)
    """Log-normal sigma of price multipliers per candidate."""
    growth_sigma: float = Field(0.1, ge=0)
    """Normal sigma added to each workload's demand growth."""
    events: list[MonteCarloEvent] = Field(default_factory=list)
    """Regulatory events."""


class Scenario(_Model):
    """Everything ``chipshift assess`` needs."""

    name: str
    """Title of the report."""
    years: list[int] = Field(min_length=1)
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
    budget_per_year: dict[int, float] = Field(default_factory=dict)
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
    """Solver options."""
    monte_carlo: MonteCarlo = Field(default_factory=MonteCarlo)
    """Uncertainty sweep."""

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        if self.years != sorted(set(self.years)):
            raise ValueError("years must be ascending and distinct")
        ids = [w.id for w in self.workloads]
        if len(ids) != len(set(ids)):
            raise ValueError("workload ids must be distinct")
        return self

    def resolve_paths(self, base: Path) -> Scenario:
        """The same scenario with relative inventory and repository paths made relative to ``base``."""
        return self.model_copy(
            update={
                "inventories": [p if p.is_absolute() else base / p for p in self.inventories],
                "repositories": [p if p.is_absolute() else base / p for p in self.repositories],
            }
        )


def parse_scenario(text: str, path: str = "<scenario>") -> Scenario:
    """Validate scenario text; errors name ``path``, the line and the field."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        raise InputFileError(path, f"not valid YAML: {getattr(error, 'problem', error)}", line=line) from None
    if not isinstance(data, dict):
        raise InputFileError(path, "expected a mapping with 'name', 'years', 'workloads', 'candidates'", line=1)
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        first, *others = error.errors()
        location = _without_union_tags(list(first["loc"]))
        problem = first["msg"] + _more_problems(others)
        raise InputFileError(path, problem, line=_line_of(node, location), field=_dotted(location)) from None


def _more_problems(others: list[Any], shown: int = 3) -> str:
    """The other validation errors, briefly, so that one run shows every mistake."""
    if not others:
        return ""
    parts = [f"'{_dotted(_without_union_tags(list(e['loc'])))}': {e['msg']}" for e in others[:shown]]
    more = f" and {len(others) - shown} more" if len(others) > shown else ""
    return "; also " + "; ".join(parts) + more


def _without_union_tags(location: list[int | str]) -> list[int | str]:
    """Drop pydantic's union member names (``InferenceWorkload``) so the location follows the YAML."""
    return [step for step in location if not (isinstance(step, str) and step[:1].isupper())]


def load_scenario(path: Path) -> Scenario:
    """Read, validate and resolve a scenario file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(str(path), f"cannot read: {error}") from None
    return parse_scenario(text, str(path)).resolve_paths(Path(path).resolve().parent)
