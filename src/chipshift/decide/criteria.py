"""Hard gates and the decision matrix: one row per candidate, criteria grouped in four dimensions.

The criteria are chosen not to repeat one another: the commercial side is one figure, the total cost of ownership
per million tokens at the service target (what chips needed, capex and lifetime TCO each said in part), computed by
:func:`tco_per_chip_year` and :func:`tokens_per_chip_year` below; every criterion states its unit and direction.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from chipshift.decide.evidence import CandidateEvidence, WorkloadFit
from chipshift.decide.risk import StrategicRisk, strategic_risk


class Dimension(enum.StrEnum):
    """The four sides of the buyer's balance."""

    TECHNOLOGY = "technology"
    ECOSYSTEM = "ecosystem"
    COMMERCIAL = "commercial"
    STRATEGIC = "strategic"


@dataclass(frozen=True)
class Criterion:
    """One column of the decision matrix."""

    id: str
    """Stable id (``chips_needed``)."""
    dimension: Dimension
    """Which of the four dimensions it belongs to."""
    benefit: bool
    """True when more is better."""
    unit: str
    """Unit of its values."""


CRITERIA: tuple[Criterion, ...] = (
    Criterion("workloads_covered", Dimension.TECHNOLOGY, True, "share of workloads"),
    Criterion("demand_per_kw", Dimension.TECHNOLOGY, True, "first-year demand served per kW at the wall"),
    Criterion("porting_person_days", Dimension.ECOSYSTEM, False, "person-days"),
    Criterion("tco_per_mtok", Dimension.COMMERCIAL, False, "currency per million tokens"),
    Criterion("export_risk", Dimension.STRATEGIC, False, "0-1"),
    Criterion("china_risk", Dimension.STRATEGIC, False, "0-1"),
    Criterion("security_risk", Dimension.STRATEGIC, False, "0-1"),
    Criterion("supply_risk", Dimension.STRATEGIC, False, "0-1"),
)
"""The decision matrix's columns, in order."""

SECONDS_PER_YEAR = 3600 * 8760


@dataclass(frozen=True)
class Exclusion:
    """A candidate removed by a hard gate."""

    id: str
    """Candidate id."""
    reason: str
    """Why."""


@dataclass(frozen=True)
class CostInputs:
    """What the commercial criterion needs from the scenario (money in the cost currency)."""

    pue: float
    load_factor: float
    """Mean power draw as a share of TDP."""
    electricity_per_kwh: float
    depreciation_years: int
    """Economic life of a chip."""
    server_overhead: float
    """Host, network and storage cost as a share of a chip's price (chips only; systems are priced whole)."""
    tariff_by_country: dict[str, float]
    """Extra share of price by designer country."""
    discount_rate: float = 0.0
    """Cost of capital, for the yearly capital charge."""
    host_power_overhead: float = 0.0
    """Host, network and fans as a share of a chip's TDP (chips only)."""
    om_share_per_year: float = 0.0
    """Operations and maintenance per year as a share of the price."""
    utilisation: float = 1.0
    """Mean demand as a share of the peak the deployment is sized for."""
    day_rate: float = 0.0
    """Cost of one person-day of porting."""


def effective_price(candidate: CandidateEvidence, costs: CostInputs) -> float:
    """Price per chip with tariff, and server overhead for a chip (a system's price is taken as quoted)."""
    assert candidate.price_per_chip is not None
    tariff = costs.tariff_by_country.get(candidate.designer_country, 0.0)
    overhead = 0.0 if candidate.system else costs.server_overhead
    return candidate.price_per_chip * (1 + tariff) * (1 + overhead)


def energy_per_chip_year(candidate: CandidateEvidence, costs: CostInputs, tariff: float | None = None) -> float:
    """Electricity cost of one chip for one year at the wall: host overhead (chips) and PUE included."""
    host = 0.0 if candidate.system else costs.host_power_overhead
    kw = (candidate.power_w or 0.0) / 1000 * (1 + host)
    return kw * 8760 * costs.load_factor * costs.pue * (costs.electricity_per_kwh if tariff is None else tariff)


def capital_recovery(rate: float, life_years: int) -> float:
    """Yearly payment per unit of price that repays it over its life at ``rate``."""
    if rate == 0:
        return 1.0 / life_years
    return float(rate / (1 - (1 + rate) ** -life_years))


def tco_per_chip_year(candidate: CandidateEvidence, costs: CostInputs, chips: float) -> float:
    """Yearly cost of one chip: capital charge, electricity, O&M, and the porting spread over ``chips`` and its
    life (a lease replaces the first three)."""
    porting = (candidate.porting_person_days or 0.0) * costs.day_rate / max(chips, 1.0) / costs.depreciation_years
    if candidate.lease_per_chip_year is not None:
        return candidate.lease_per_chip_year + porting
    price = effective_price(candidate, costs)
    capital = price * capital_recovery(costs.discount_rate, costs.depreciation_years)
    return capital + energy_per_chip_year(candidate, costs) + price * costs.om_share_per_year + porting


def tokens_per_chip_year(fit: WorkloadFit, costs: CostInputs) -> float:
    """Tokens one chip produces (inference) or trains on (training) in a year at the service target."""
    return (fit.tokens_per_s_per_chip or 0.0) * SECONDS_PER_YEAR * costs.utilisation


def apply_gates(
    candidates: list[CandidateEvidence],
    *,
    procurement_list: list[str] | None,
    banned: dict[str, str],
    blocked: dict[str, str],
) -> tuple[list[CandidateEvidence], list[Exclusion]]:
    """Keep what may be bought in some plan year and runs a workload; say why each other candidate is out.

    ``blocked`` holds the candidates the policy rules (and the scenario's licence changes) refuse in every plan
    year, with the rules; a candidate refused only in some years stays, and the plan keeps it out of those years.
    """
    kept: list[CandidateEvidence] = []
    excluded: list[Exclusion] = []
    for c in candidates:
        reason = _gate_reason(c, procurement_list, banned, blocked)
        if reason is None:
            kept.append(c)
        else:
            excluded.append(Exclusion(c.id, reason))
    return kept, excluded


def _gate_reason(
    c: CandidateEvidence, procurement_list: list[str] | None, banned: dict[str, str], blocked: dict[str, str]
) -> str | None:
    if c.id in banned or c.chip_id in banned:
        return f"banned: {banned.get(c.id) or banned[c.chip_id]}"
    if procurement_list is not None and not {c.id, c.chip_id} & set(procurement_list):
        return "not on the procurement list"
    if c.id in blocked:
        return f"no plan year allows it: {blocked[c.id]}"
    if c.fits and not any(fit.fits for fit in c.fits):
        by_reason: dict[str, list[str]] = {}
        for f in c.fits:
            by_reason.setdefault(f.reason or "does not fit", []).append(f.workload)
        return "cannot run any workload: " + "; ".join(f"{', '.join(w)}: {r}" for r, w in by_reason.items())
    if c.price_per_chip is None and c.lease_per_chip_year is None:
        return "no price known: the catalog has none; give one under candidates[].price"
    return None


def chips_needed(candidate: CandidateEvidence, demand: dict[str, float]) -> float:
    """Chips to meet the first-year demand of the workloads it can run, whole replicas, summed."""
    total = 0.0
    for fit in candidate.fits:
        if not fit.fits:
            continue
        need = demand.get(fit.workload, 0.0) / fit.capacity_per_chip
        total += math.ceil(need / fit.chips_per_replica) * fit.chips_per_replica
    return total


@dataclass(frozen=True)
class DecisionMatrix:
    """Candidates by criteria, with the strategic risk behind the three risk columns."""

    ids: list[str]
    criteria: list[Criterion]
    values: np.ndarray
    risks: dict[str, StrategicRisk]


def tco_per_mtok(candidate: CandidateEvidence, demand: dict[str, float], costs: CostInputs) -> float | None:
    """Cost per million tokens over the workloads it runs, each weighted by the chips its first-year demand needs."""
    if candidate.price_per_chip is None and candidate.lease_per_chip_year is None:
        return None
    chips = {f.workload: demand.get(f.workload, 0.0) / f.capacity_per_chip for f in candidate.fits if f.fits}
    total = sum(chips.values())
    tokens = sum(chips[f.workload] * tokens_per_chip_year(f, costs) for f in candidate.fits if f.fits)
    if tokens <= 0:
        return None
    return total * tco_per_chip_year(candidate, costs, total) / (tokens / 1e6)


def workload_tco_per_mtok(
    candidate: CandidateEvidence, fit: WorkloadFit, demand: dict[str, float], costs: CostInputs
) -> float | None:
    """Cost per million tokens of one workload on one candidate (None when it does not fit or has no price)."""
    if not fit.fits or (candidate.price_per_chip is None and candidate.lease_per_chip_year is None):
        return None
    tokens = tokens_per_chip_year(fit, costs)
    if tokens <= 0:
        return None
    chips = sum(demand.get(f.workload, 0.0) / f.capacity_per_chip for f in candidate.fits if f.fits)
    return tco_per_chip_year(candidate, costs, chips) / (tokens / 1e6)


def decision_matrix(kept: list[CandidateEvidence], demand: dict[str, float], costs: CostInputs) -> DecisionMatrix:
    """Fill every criterion for every kept candidate."""
    rows: list[list[float]] = []
    risks: dict[str, StrategicRisk] = {}
    for c in kept:
        need = chips_needed(c, demand)
        risk = strategic_risk(c, chips_needed=need)
        risks[c.id] = risk
        host = 0.0 if c.system else costs.host_power_overhead
        kw = need * (c.power_w or 0.0) / 1000 * (1 + host) * costs.pue
        served = sum(demand.get(f.workload, 0.0) for f in c.fits if f.fits)
        covered = sum(f.fits for f in c.fits) / len(c.fits) if c.fits else 1.0
        tco = tco_per_mtok(c, demand, costs)
        rows.append(
            [
                covered,
                served / kw if kw else 0.0,
                c.porting_person_days or 0.0,
                0.0 if tco is None else tco,
                risk.export,
                risk.china,
                risk.security,
                risk.supply,
            ]
        )
    values = np.array(rows, dtype=float).reshape(len(kept), len(CRITERIA))
    return DecisionMatrix([c.id for c in kept], list(CRITERIA), values, risks)
