"""Monte Carlo over prices, demand growth and regulatory events: one independent plan solve per run.

Every run's draws are made here from ``numpy.random.SeedSequence(seed).spawn(runs)``, before any run is sent to an
executor, so the same seed gives the same runs on any executor and any number of workers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chipshift.decide.scenario import MonteCarlo
from chipshift.plan.executors import get_executor
from chipshift.plan.model import PlanProblem
from chipshift.plan.solve import solve_plan


@dataclass(frozen=True)
class Draw:
    """The random inputs of one run."""

    run: int
    price_factor: dict[str, float]
    """Option id -> price multiplier."""
    growth_delta: dict[str, float]
    """Workload id -> change of yearly growth."""
    events: tuple[int, ...]
    """Indices of the scenario's events that happen in this run."""


def draws(problem: PlanProblem, spec: MonteCarlo) -> list[Draw]:
    """All runs' draws, reproducible from the seed."""
    out = []
    for run, seq in enumerate(np.random.SeedSequence(spec.seed).spawn(spec.runs)):
        rng = np.random.default_rng(seq)
        prices = {o.id: float(np.exp(rng.normal(0.0, spec.price_sigma))) for o in problem.options}
        growth = {w.id: float(rng.normal(0.0, spec.growth_sigma)) for w in problem.workloads}
        events = tuple(i for i, e in enumerate(spec.events) if rng.random() < e.probability)
        out.append(Draw(run, prices, growth, events))
    return out


def apply_draw(problem: PlanProblem, spec: MonteCarlo, draw: Draw) -> PlanProblem:
    """The problem as it is in one run."""
    first = problem.years[0]
    workloads = tuple(
        dataclasses.replace(
            w, demand={y: d * (1 + draw.growth_delta[w.id]) ** (y - first) for y, d in w.demand.items()}
        )
        for w in problem.workloads
    )
    options = []
    for o in problem.options:
        allowed = set(problem.years) if o.buy_years is None else set(o.buy_years)
        for i in draw.events:
            event = spec.events[i]
            if event.chip in (o.id, o.chip_id):
                later = {y for y in problem.years if y >= event.year}
                allowed = allowed - later if event.status == "revoked" else allowed | later
        buy = None if allowed == set(problem.years) else frozenset(allowed)
        options.append(dataclasses.replace(o, price=o.price * draw.price_factor[o.id], buy_years=buy))
    method = problem.method  # as the main plan: LP rounding alone was 18-41% above the optimum on the example
    return dataclasses.replace(problem, workloads=workloads, options=tuple(options), threads=1, method=method)


def run_one(task: tuple[PlanProblem, MonteCarlo, Draw]) -> dict[str, Any]:
    """Solve one run (a pure function, so any executor can call it)."""
    problem, spec, draw = task
    result = solve_plan(apply_draw(problem, spec, draw))
    last = result.years[-1].domestic_share if result.years else {}
    return {
        "run": draw.run,
        "feasible": result.feasible,
        "objective": result.objective,
        "capex": result.total_capex(),
        "gap": result.gap,
        "final_share": last,
        "events": [spec.events[i].chip + " " + spec.events[i].status for i in draw.events],
        "violations": [f"{v.kind} {v.year} {v.subject}" for v in result.violations],
    }


@dataclass
class MonteCarloSummary:
    """Distribution of plan outcomes over the runs."""

    runs: list[dict[str, Any]]
    seed: int
    executor: str
    percentiles: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the report."""
        feasible = [r for r in self.runs if r["feasible"]]
        costs = np.array([r["objective"] for r in feasible]) if feasible else np.array([0.0])
        return {
            "runs": len(self.runs),
            "seed": self.seed,
            "executor": self.executor,
            "feasible_share": len(feasible) / len(self.runs) if self.runs else 0.0,
            "cost_p5": float(np.percentile(costs, 5)),
            "cost_p50": float(np.percentile(costs, 50)),
            "cost_p95": float(np.percentile(costs, 95)),
            "costs": [float(c) for c in costs],
            "infeasible_causes": _causes(self.runs),
            "detail": self.runs,
        }


def _causes(runs: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in runs:
        for v in r["violations"]:
            kind = v.split()[0]
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def run_monte_carlo(
    problem: PlanProblem, spec: MonteCarlo, *, executor: str = "local", workers: int | None = None
) -> MonteCarloSummary:
    """Solve every run on the chosen executor."""
    pool = get_executor(executor, workers)
    tasks = [(problem, spec, d) for d in draws(problem, spec)]
    return MonteCarloSummary(pool.map(run_one, tasks), spec.seed, pool.name)
