"""Hard gates and the decision matrix: one row per candidate, criteria grouped in four dimensions."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from chipshift.decide.evidence import BLOCKED_STATUSES, CandidateEvidence
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
    Criterion("chips_needed", Dimension.TECHNOLOGY, False, "chips"),
    Criterion("throughput_per_kw", Dimension.TECHNOLOGY, True, "demand units per kW"),
    Criterion("porting_person_days", Dimension.ECOSYSTEM, False, "person-days"),
    Criterion("capex", Dimension.COMMERCIAL, False, "currency"),
    Criterion("tco_life", Dimension.COMMERCIAL, False, "currency"),
    Criterion("export_risk", Dimension.STRATEGIC, False, "0-1"),
    Criterion("security_risk", Dimension.STRATEGIC, False, "0-1"),
    Criterion("supply_risk", Dimension.STRATEGIC, False, "0-1"),
)


@dataclass(frozen=True)
class Exclusion:
    """A candidate removed by a hard gate."""

    id: str
    """Candidate id."""
    reason: str
    """Why."""


@dataclass(frozen=True)
class CostInputs:
    """What the commercial criteria need from the scenario."""

    pue: float
    load_factor: float
    electricity_per_kwh: float
    depreciation_years: int
    server_overhead: float
    tariff_by_country: dict[str, float]


def effective_price(candidate: CandidateEvidence, costs: CostInputs) -> float:
    """Price per chip with tariff and server overhead, in the cost currency."""
    assert candidate.price_per_chip is not None
    tariff = costs.tariff_by_country.get(candidate.designer_country, 0.0)
    return candidate.price_per_chip * (1 + tariff) * (1 + costs.server_overhead)


def energy_per_chip_year(candidate: CandidateEvidence, costs: CostInputs, tariff: float | None = None) -> float:
    """Electricity cost of one chip for one year, facility overhead (PUE) included."""
    kw = (candidate.power_w or 0.0) / 1000
    return kw * 8760 * costs.load_factor * costs.pue * (costs.electricity_per_kwh if tariff is None else tariff)


def apply_gates(
    candidates: list[CandidateEvidence],
    *,
    procurement_list: list[str] | None,
    banned: dict[str, str],
    revoked_at_start: set[str],
) -> tuple[list[CandidateEvidence], list[Exclusion]]:
    """Keep what may be bought and runs every workload; say why each other candidate is out."""
    kept: list[CandidateEvidence] = []
    excluded: list[Exclusion] = []
    for c in candidates:
        reason = _gate_reason(c, procurement_list, banned, revoked_at_start)
        if reason is None:
            kept.append(c)
        else:
            excluded.append(Exclusion(c.id, reason))
    return kept, excluded


def _gate_reason(
    c: CandidateEvidence, procurement_list: list[str] | None, banned: dict[str, str], revoked: set[str]
) -> str | None:
    if c.id in banned or c.chip_id in banned:
        return f"banned: {banned.get(c.id) or banned[c.chip_id]}"
    if procurement_list is not None and not {c.id, c.chip_id} & set(procurement_list):
        return "not on the procurement list"
    if c.export_status in BLOCKED_STATUSES:
        return f"cannot be exported to China ({c.export_status.value}: {c.export_note})"
    if c.chip_id in revoked:
        return "export licence revoked in the first plan year (scenario)"
    if c.fits and not any(fit.fits for fit in c.fits):
        by_reason: dict[str, list[str]] = {}
        for f in c.fits:
            by_reason.setdefault(f.reason or "does not fit", []).append(f.workload)
        return "cannot run any workload: " + "; ".join(f"{', '.join(w)}: {r}" for r, w in by_reason.items())
    if c.price_per_chip is None:
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


def decision_matrix(
    kept: list[CandidateEvidence], demand: dict[str, float], costs: CostInputs, *, location_mandate: bool
) -> DecisionMatrix:
    """Fill every criterion for every kept candidate."""
    rows: list[list[float]] = []
    risks: dict[str, StrategicRisk] = {}
    for c in kept:
        need = chips_needed(c, demand)
        risk = strategic_risk(
            c, location_mandate=location_mandate, chips_needed=need, designer_us=c.designer_country == "US"
        )
        risks[c.id] = risk
        kw = need * (c.power_w or 0.0) / 1000
        served = sum(demand.get(f.workload, 0.0) for f in c.fits if f.fits)
        covered = sum(f.fits for f in c.fits) / len(c.fits) if c.fits else 1.0
        capex = need * effective_price(c, costs)
        tco = capex + need * energy_per_chip_year(c, costs) * costs.depreciation_years
        rows.append(
            [
                covered,
                need,
                served / kw if kw else 0.0,
                c.porting_person_days or 0.0,
                capex,
                tco,
                risk.export,
                risk.security,
                risk.supply,
            ]
        )
    values = np.array(rows, dtype=float).reshape(len(kept), len(CRITERIA))
    return DecisionMatrix([c.id for c in kept], list(CRITERIA), values, risks)
