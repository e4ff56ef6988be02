"""decide: hard gates, then TOPSIS and weighted-sum rankings over four dimensions, with weight sensitivity.

decide takes typed evidence about each candidate (:class:`CandidateEvidence`, filled by the pipeline from catalog,
perf, scan and fleet) and options (:class:`CompareOptions`); it knows nothing of scenario files or plans.
"""

from chipshift.decide.compare import CompareOptions, Comparison, compare
from chipshift.decide.criteria import (
    CRITERIA,
    CostInputs,
    Criterion,
    DecisionMatrix,
    Dimension,
    Exclusion,
    capital_recovery,
    chips_needed,
    effective_price,
    energy_per_chip_year,
    tco_per_chip_year,
    tco_per_mtok,
    tokens_per_chip_year,
    workload_tco_per_mtok,
)
from chipshift.decide.evidence import BLOCKED_STATUSES, CandidateEvidence, ExportStatus, WorkloadFit
from chipshift.decide.ranking import DimensionWeights, Ranking, WeightRange, ahp_weights, direct_weights
from chipshift.decide.risk import StrategicRisk, risk_points

__all__ = [
    "BLOCKED_STATUSES",
    "CRITERIA",
    "CandidateEvidence",
    "CompareOptions",
    "Comparison",
    "CostInputs",
    "Criterion",
    "DecisionMatrix",
    "Dimension",
    "DimensionWeights",
    "Exclusion",
    "ExportStatus",
    "Ranking",
    "StrategicRisk",
    "WeightRange",
    "WorkloadFit",
    "ahp_weights",
    "capital_recovery",
    "chips_needed",
    "compare",
    "direct_weights",
    "effective_price",
    "energy_per_chip_year",
    "risk_points",
    "tco_per_chip_year",
    "tco_per_mtok",
    "tokens_per_chip_year",
    "workload_tco_per_mtok",
]
