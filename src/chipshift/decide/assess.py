"""The whole pipeline over one scenario: fleet, scan, perf, compare, plan and Monte Carlo.

Each step reports through a ``progress`` callback; the result is plain typed data that report writers turn into
text. A step whose engine is missing is recorded as "not supported yet", never faked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chipshift.catalog import Catalog
from chipshift.decide.compare import Comparison, compare, compare_options
from chipshift.decide.evidence import CandidateEvidence
from chipshift.decide.fleet_input import FleetInput, read_fleet
from chipshift.decide.inputs import evidence_for, scan_efforts, scan_target_for
from chipshift.decide.scenario import Scenario
from chipshift.plan.model import PlanResult

Progress = Callable[[str], None]


@dataclass
class Assessment:
    """Everything ``assess`` found, for the report."""

    scenario: Scenario
    fleet: FleetInput
    efforts: dict[str, float]
    scan: dict[str, Any] | None
    candidates: list[CandidateEvidence]
    fleet_only: list[CandidateEvidence]
    comparison: Comparison
    plan: PlanResult | None = None
    monte_carlo: dict[str, Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _scan_targets(scenario: Scenario, catalog: Catalog) -> list[str]:
    from chipshift.decide.inputs import resolve

    targets = []
    for c in scenario.candidates:
        chip, _ = resolve(catalog, c.id)
        target = scan_target_for(chip, c)
        if target and target not in targets:
            targets.append(target)
    return targets


def _scan(scenario: Scenario, catalog: Catalog) -> tuple[dict[str, float], dict[str, Any] | None]:
    efforts, result = scan_efforts(scenario.repositories, _scan_targets(scenario, catalog))
    if result is None:
        return efforts, None
    summary = {
        "roots": [str(p) for p in scenario.repositories],
        "files": getattr(result, "files_scanned", 0),
        "lines": getattr(result, "lines_scanned", 0),
        "findings": len(getattr(result, "findings", [])),
        "effort_person_days": efforts,
        "lock_in": {t: result.lock_in_score(t) for t in efforts},  # type: ignore[attr-defined]
        "top_rules": _top_rules(result),
    }
    return efforts, summary


def _top_rules(result: Any) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    messages: dict[str, str] = {}
    for f in result.findings:
        counts[f.rule_id] = counts.get(f.rule_id, 0) + 1
        messages.setdefault(f.rule_id, f.message)
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])[:10]
    return [{"rule": r, "count": n, "message": messages[r]} for r, n in ranked]


def gather(
    scenario: Scenario, catalog: Catalog, fleet: FleetInput, efforts: dict[str, float]
) -> tuple[list[CandidateEvidence], list[CandidateEvidence]]:
    """Evidence for every candidate and every fleet chip that is not a candidate."""
    candidates = [evidence_for(c.id, c, scenario, catalog, efforts) for c in scenario.candidates]
    named = {c.id for c in candidates}
    fleet_chips = sorted({chip for per_site in fleet.existing.values() for chip in per_site} - named)
    fleet_only = [evidence_for(chip, None, scenario, catalog, efforts) for chip in fleet_chips]
    return candidates, fleet_only


def assess(
    scenario: Scenario,
    catalog: Catalog,
    *,
    progress: Progress | None = None,
    executor: str = "local",
    workers: int | None = None,
    plan: bool = True,
    monte_carlo: bool = True,
) -> Assessment:
    """Run every step; ``executor`` runs the Monte Carlo (``local`` or ``ray``).

    ``plan=False`` stops after the comparison; ``monte_carlo=False`` skips the sweep even when the scenario asks
    for runs.
    """
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    say("fleet: reading inventories")
    fleet = read_fleet(scenario, catalog)
    timings["fleet"], t = time.perf_counter() - t, time.perf_counter()
    say("scan: looking for CUDA lock-in")
    efforts, scan = _scan(scenario, catalog)
    timings["scan"], t = time.perf_counter() - t, time.perf_counter()
    say("perf: sizing every candidate for every workload")
    candidates, fleet_only = gather(scenario, catalog, fleet, efforts)
    timings["perf"], t = time.perf_counter() - t, time.perf_counter()
    say("compare: gates, TOPSIS, weighted sum, sensitivity")
    options = compare_options(scenario)
    comparison = compare(candidates, options)
    timings["compare"], t = time.perf_counter() - t, time.perf_counter()
    result = Assessment(scenario, fleet, efforts, scan, candidates, fleet_only, comparison, timings=timings)
    if not plan:
        return result
    say("plan: solving the multi-year MILP with HiGHS")
    _plan(result, options.costs)
    timings["plan"], t = time.perf_counter() - t, time.perf_counter()
    if monte_carlo and scenario.monte_carlo.runs:
        say(f"monte carlo: {scenario.monte_carlo.runs} runs on the {executor} executor")
        _monte_carlo(result, executor, workers)
        timings["monte_carlo"] = time.perf_counter() - t
    return result


def problem_of(result: Assessment, costs: Any) -> Any:
    """The plan problem of an assessment."""
    from chipshift.plan.build import build_problem

    risks = {cid: r.total for cid, r in result.comparison.matrix.risks.items()}
    return build_problem(
        result.scenario,
        result.candidates,
        result.fleet_only,
        result.fleet,
        costs,
        buyable=set(result.comparison.matrix.ids),
        risks=risks,
    )


def _plan(result: Assessment, costs: Any) -> None:
    from chipshift.plan.solve import solve_plan

    result.plan = solve_plan(problem_of(result, costs))


def _monte_carlo(result: Assessment, executor: str, workers: int | None) -> None:
    from chipshift.decide.compare import cost_inputs
    from chipshift.plan.montecarlo import run_monte_carlo

    problem = problem_of(result, cost_inputs(result.scenario))
    result.monte_carlo = run_monte_carlo(
        problem, result.scenario.monte_carlo, executor=executor, workers=workers
    ).to_dict()
