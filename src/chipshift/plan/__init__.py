"""plan: the multi-year purchase and retirement plan as a mixed-integer program solved with HiGHS, and a Monte Carlo
sweep over prices, demand growth and licence events.

plan takes a :class:`PlanProblem` (built by the pipeline from a scenario and the candidates' evidence) and returns a
:class:`PlanResult`; it knows nothing of scenario files or rankings.
"""

from chipshift.plan.executors import Executor, ExecutorKind, get_executor
from chipshift.plan.milp import accepts
from chipshift.plan.model import (
    ACCEPTABLE,
    Availability,
    Binding,
    CostBreakdown,
    FixedDecisions,
    Move,
    PlanOption,
    PlanProblem,
    PlanResult,
    PlanSite,
    PlanStatus,
    PlanTarget,
    PlanWorkload,
    PolicyEvent,
    PortingProject,
    Purchase,
    Retirement,
    TargetMetric,
    UncertaintySpec,
    Violation,
    YearPlan,
)
from chipshift.plan.montecarlo import Draw, RunOutcome
from chipshift.plan.reading import domestic_shares
from chipshift.plan.solve import solve_plan
from chipshift.plan.tornado import TornadoBar
from chipshift.plan.uncertainty import MonteCarloSummary, run_monte_carlo

__all__ = [
    "ACCEPTABLE",
    "Availability",
    "Binding",
    "CostBreakdown",
    "Draw",
    "Executor",
    "ExecutorKind",
    "FixedDecisions",
    "MonteCarloSummary",
    "Move",
    "PlanOption",
    "PlanProblem",
    "PlanResult",
    "PlanSite",
    "PlanStatus",
    "PlanTarget",
    "PlanWorkload",
    "PolicyEvent",
    "PortingProject",
    "Purchase",
    "Retirement",
    "RunOutcome",
    "TargetMetric",
    "TornadoBar",
    "UncertaintySpec",
    "Violation",
    "YearPlan",
    "accepts",
    "domestic_shares",
    "get_executor",
    "run_monte_carlo",
    "solve_plan",
]
