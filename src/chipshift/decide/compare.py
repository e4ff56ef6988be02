"""``compare``: hard gates first, then TOPSIS and weighted-sum rankings over four dimensions, with sensitivity."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chipshift.decide.criteria import (
    CostInputs,
    DecisionMatrix,
    Dimension,
    Exclusion,
    apply_gates,
    decision_matrix,
)
from chipshift.decide.evidence import CandidateEvidence
from chipshift.decide.ranking import (
    DimensionWeights,
    Ranking,
    WeightRange,
    ahp_weights,
    direct_weights,
    rank,
    sensitivity,
)
from chipshift.decide.scenario import Scenario


@dataclass(frozen=True)
class CompareOptions:
    """Everything compare needs besides the evidence."""

    demand: dict[str, float]
    """First-year demand per workload (tokens/s or concurrent runs)."""
    costs: CostInputs
    weights: DimensionWeights
    procurement_list: list[str] | None = None
    banned: dict[str, str] = field(default_factory=dict)
    revoked_at_start: set[str] = field(default_factory=set)
    location_mandate: bool = False


@dataclass(frozen=True)
class Comparison:
    """The outcome of compare."""

    excluded: list[Exclusion]
    matrix: DecisionMatrix
    weights: DimensionWeights
    topsis: Ranking
    weighted_sum: Ranking
    sensitivity: list[WeightRange]

    @property
    def top(self) -> str | None:
        """The TOPSIS winner."""
        return self.topsis.order[0] if self.topsis.order else None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the report."""
        rows = []
        for i, cid in enumerate(self.matrix.ids):
            values = {c.id: float(self.matrix.values[i, j]) for j, c in enumerate(self.matrix.criteria)}
            risk = self.matrix.risks[cid]
            rows.append(
                {
                    "id": cid,
                    "criteria": values,
                    "topsis": self.topsis.scores[cid],
                    "weighted_sum": self.weighted_sum.scores[cid],
                    "risk_reasons": list(risk.reasons),
                }
            )
        return {
            "excluded": [{"id": e.id, "reason": e.reason} for e in self.excluded],
            "criteria": [
                {"id": c.id, "dimension": c.dimension.value, "benefit": c.benefit, "unit": c.unit}
                for c in self.matrix.criteria
            ],
            "candidates": rows,
            "weights": {d.value: w for d, w in self.weights.weights.items()},
            "weights_method": self.weights.method,
            "consistency_ratio": self.weights.consistency_ratio,
            "topsis_order": self.topsis.order,
            "weighted_sum_order": self.weighted_sum.order,
            "sensitivity": [
                {
                    "dimension": r.dimension.value,
                    "weight": r.weight,
                    "low": r.low,
                    "high": r.high,
                    "top": r.top,
                    "below": r.below,
                    "above": r.above,
                }
                for r in self.sensitivity
            ],
        }


def compare(candidates: list[CandidateEvidence], options: CompareOptions) -> Comparison:
    """Gate, score and rank the candidates."""
    kept, excluded = apply_gates(
        [c for c in candidates if c.can_buy],
        procurement_list=options.procurement_list,
        banned=options.banned,
        revoked_at_start=options.revoked_at_start,
    )
    matrix = decision_matrix(kept, options.demand, options.costs, location_mandate=options.location_mandate)
    dims = options.weights.weights
    return Comparison(
        excluded=excluded,
        matrix=matrix,
        weights=options.weights,
        topsis=rank(matrix, dims, "topsis"),
        weighted_sum=rank(matrix, dims, "weighted-sum"),
        sensitivity=sensitivity(matrix, dims, "topsis"),
    )


def scenario_weights(scenario: Scenario) -> DimensionWeights:
    """The scenario's weights, direct or by AHP."""
    w = scenario.weights
    if w.ahp is not None:
        return ahp_weights(w.ahp.matrix, w.ahp.ranking)
    return direct_weights(
        {
            Dimension.TECHNOLOGY: w.technology,
            Dimension.ECOSYSTEM: w.ecosystem,
            Dimension.COMMERCIAL: w.commercial,
            Dimension.STRATEGIC: w.strategic,
        }
    )


def cost_inputs(scenario: Scenario) -> CostInputs:
    """The scenario's TCO inputs."""
    c = scenario.cost
    return CostInputs(
        c.pue,
        c.load_factor,
        c.electricity_per_kwh,
        c.depreciation_years,
        c.server_overhead,
        dict(scenario.regulatory.tariff),
    )


def first_year_demand(scenario: Scenario) -> dict[str, float]:
    """Demand of each workload in the first plan year."""
    return {w.id: (w.output_tokens_per_s if w.kind == "inference" else w.concurrent_runs) for w in scenario.workloads}


def compare_options(scenario: Scenario) -> CompareOptions:
    """Compare options from a scenario."""
    start = scenario.years[0]
    revoked = {lc.chip for lc in scenario.regulatory.licences if lc.status == "revoked" and lc.year <= start}
    return CompareOptions(
        demand=first_year_demand(scenario),
        costs=cost_inputs(scenario),
        weights=scenario_weights(scenario),
        procurement_list=scenario.gates.procurement_list,
        banned=dict(scenario.gates.banned),
        revoked_at_start=revoked,
        location_mandate=scenario.regulatory.location_verification_mandated,
    )
