"""plan: the multi-year purchase and retirement plan as a mixed-integer program solved with HiGHS, and a Monte Carlo
sweep over prices, demand growth and licence events.

plan takes a :class:`PlanProblem` (built by the pipeline from a scenario and the candidates' evidence) and returns a
:class:`PlanResult`; it knows nothing of scenario files or rankings.
"""

from chipshift.plan.executors.interface import Executor, ExecutorKind, get_executor
from chipshift.plan.model import (
    Binding,
    LicenceEvent,
    PlanOption,
    PlanProblem,
    PlanResult,
    PlanSite,
    PlanStatus,
    PlanTarget,
    PlanWorkload,
    TargetMetric,
    UncertaintySpec,
    Violation,
    YearPlan,
)
from chipshift.plan.montecarlo import MonteCarloSummary, run_monte_carlo
from chipshift.plan.solve import solve_plan

__all__ = [
    "Binding",
    "Executor",
    "ExecutorKind",
    "LicenceEvent",
    "MonteCarloSummary",
    "PlanOption",
    "PlanProblem",
    "PlanResult",
    "PlanSite",
    "PlanStatus",
    "PlanTarget",
    "PlanWorkload",
    "TargetMetric",
    "UncertaintySpec",
    "Violation",
    "YearPlan",
    "get_executor",
    "run_monte_carlo",
    "solve_plan",
]
