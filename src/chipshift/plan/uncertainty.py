"""The recommended plan under uncertainty: how often it meets demand, each target and the budget, at what cost, and
which inputs drive its tail (see :mod:`chipshift.plan.montecarlo` for one run, :mod:`chipshift.plan.tornado`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from chipshift.plan.executors import Progress, get_executor
from chipshift.plan.model import PlanProblem, PlanResult, PolicyEvent, UncertaintySpec
from chipshift.plan.montecarlo import RunOutcome, draws, fixed_by, run_one
from chipshift.plan.tornado import TornadoBar, tornado


@dataclass(frozen=True)
class MonteCarloSummary:
    """Every run's outcome, in run order, and the tornado of what drives the plan's tail."""

    runs: list[RunOutcome]
    seed: int
    executor: str
    fix: str
    """Which of the plan's decisions each run kept (``first-year`` or ``whole``)."""
    tornado: list[TornadoBar]
    events: tuple[PolicyEvent, ...] = ()
    """The rule changes drawn (the spec's)."""
    touches: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Event name -> options whose availability it can change."""


def run_monte_carlo(
    problem: PlanProblem,
    plan: PlanResult,
    spec: UncertaintySpec,
    *,
    executor: str = "local",
    workers: int | None = None,
    progress: Progress | None = None,
) -> MonteCarloSummary:
    """Run the recommended ``plan`` through ``spec.runs`` futures on the chosen executor, then the tornado."""
    pool = get_executor(executor, workers)
    fixed = fixed_by(plan, problem, whole=spec.fix == "whole")
    tasks = [(problem, spec, draw, fixed) for draw in draws(problem, spec)]
    outcomes = pool.map(run_one, tasks, progress=progress)
    bars = tornado(problem, spec, fixed, pool)
    touches = {
        event.name: tuple(o for o, table in spec.allowed_after.items() if any(i in key for key in table))
        for i, event in enumerate(spec.events)
    }
    return MonteCarloSummary(outcomes, spec.seed, pool.name, spec.fix, bars, spec.events, touches)
