"""``compare``: hard gates first, then TOPSIS and weighted-sum rankings over four dimensions, with sensitivity."""

from __future__ import annotations

from dataclasses import dataclass, field

from chipshift.decide.criteria import (
    CostInputs,
    DecisionMatrix,
    Exclusion,
    apply_gates,
    decision_matrix,
)
from chipshift.decide.evidence import CandidateEvidence
from chipshift.decide.ranking import DimensionWeights, Ranking, WeightRange, rank, sensitivity


@dataclass(frozen=True)
class CompareOptions:
    """Everything compare needs besides the evidence."""

    demand: dict[str, float]
    """First-year demand per workload (tokens/s or concurrent runs)."""
    costs: CostInputs
    weights: DimensionWeights
    procurement_list: list[str] | None = None
    banned: dict[str, str] = field(default_factory=dict)
    """The buyer's own bans: candidate or chip id -> reason."""
    blocked: dict[str, str] = field(default_factory=dict)
    """Candidates no plan year allows (policy rules, licence changes) -> the rules."""


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


def compare(candidates: list[CandidateEvidence], options: CompareOptions) -> Comparison:
    """Gate, score and rank the candidates."""
    kept, excluded = apply_gates(
        [c for c in candidates if c.can_buy],
        procurement_list=options.procurement_list,
        banned=options.banned,
        blocked=options.blocked,
    )
    matrix = decision_matrix(kept, options.demand, options.costs)
    dims = options.weights.weights
    return Comparison(
        excluded=excluded,
        matrix=matrix,
        weights=options.weights,
        topsis=rank(matrix, dims, "topsis"),
        weighted_sum=rank(matrix, dims, "weighted-sum"),
        sensitivity=sensitivity(matrix, dims, "topsis"),
    )
