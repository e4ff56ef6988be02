"""The whole pipeline over one scenario: fleet, scan, perf, compare, plan and Monte Carlo.

Each step reports through a ``progress`` callback; the result is an :class:`Assessment` of typed engine results,
which :func:`chipshift.assess.report_data.report_data` turns into the report's :class:`chipshift.report.ReportData`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chipshift.assess.checks import check_scenario
from chipshift.assess.evidence import evidence_for, resolve, scan_efforts, scan_target_for
from chipshift.assess.fleet import FleetInput, read_fleet
from chipshift.assess.options import compare_options, cost_inputs, uncertainty_spec
from chipshift.assess.outlooks import drawn_rules
from chipshift.assess.plan_problem import build_problem
from chipshift.assess.policy import YearStatus, candidate_years, scenario_policy, site_blocks
from chipshift.assess.recommendation import forced_delta
from chipshift.assess.scenario import Scenario
from chipshift.catalog import Catalog, Chip
from chipshift.catalog.policy import Policy
from chipshift.decide import CandidateEvidence, Comparison, CostInputs, compare
from chipshift.errors import ChipshiftError
from chipshift.plan import Availability, MonteCarloSummary, PlanProblem, PlanResult, UncertaintySpec

if TYPE_CHECKING:  # the scanner is imported when a scenario has repositories
    from chipshift.scan import ScanResult

Progress = Callable[[str], None]
"""Called with one line per step."""


@dataclass
class Assessment:
    """Everything ``assess`` found, as the engines returned it."""

    scenario: Scenario
    fleet: FleetInput
    efforts: dict[str, float]
    """Porting effort in person-days per scan target."""
    scan: ScanResult | None
    """The scan of the scenario's repositories (None without repositories)."""
    candidates: list[CandidateEvidence]
    fleet_only: list[CandidateEvidence]
    comparison: Comparison
    policy: Policy | None = None
    """The policy rules with the scenario's assumptions."""
    chips: list[Chip] = field(default_factory=list)
    """The catalog chips of the candidates and the fleet."""
    years_open: dict[str, dict[int, YearStatus]] = field(default_factory=dict)
    """Candidate -> plan year -> whether the rules (and the scenario's licence changes) let it be bought."""
    site_blocks: dict[str, dict[str, dict[int, str]]] = field(default_factory=dict)
    """Site -> candidate -> years the rules refuse it to that site's buyer, with why."""
    problem: PlanProblem | None = None
    """The plan problem solved (None when no plan was asked for)."""
    plan: PlanResult | None = None
    forced_npv_delta: dict[str, float] = field(default_factory=dict)
    """Candidate -> what the plan would cost more with at least one unit of it (the top-ranked, when left out)."""
    monte_carlo: MonteCarloSummary | None = None
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def scan_targets(scenario: Scenario, catalog: Catalog) -> list[str]:
    """Scan targets of the candidates' stacks, in the order of the candidates."""
    targets = []
    for candidate in scenario.candidates:
        chip, _ = resolve(catalog, candidate.id)
        target = scan_target_for(chip, candidate, catalog)
        if target and target not in targets:
            targets.append(target)
    return targets


def gather(
    scenario: Scenario, catalog: Catalog, fleet: FleetInput, efforts: dict[str, float], policy: Policy
) -> tuple[list[CandidateEvidence], list[CandidateEvidence]]:
    """Evidence for every candidate and every fleet chip that is not a candidate."""
    candidates = [evidence_for(c.id, c, scenario, catalog, efforts, policy) for c in scenario.candidates]
    named = {c.id for c in candidates}
    fleet_chips = sorted({chip for per_site in fleet.existing.values() for chip in per_site} - named)
    fleet_only = [evidence_for(chip, None, scenario, catalog, efforts, policy) for chip in fleet_chips]
    return candidates, fleet_only


def open_years(
    candidates: list[CandidateEvidence], scenario: Scenario, catalog: Catalog, policy: Policy
) -> tuple[dict[str, dict[int, YearStatus]], dict[str, dict[str, dict[int, str]]]]:
    """Per candidate, the years it may be bought; per site, the years a site's own buyer may not."""
    years: dict[str, dict[int, YearStatus]] = {}
    blocks: dict[str, dict[str, dict[int, str]]] = {}
    for e in candidates:
        chip = catalog.chip(e.chip_id)
        years[e.id] = candidate_years(chip, (e.id, e.chip_id), scenario, policy)
        for site in scenario.sites:
            found = site_blocks(chip, scenario, policy, site)
            if found:
                blocks.setdefault(site.id, {})[e.id] = found
    return years, blocks


def blocked_every_year(years_open: dict[str, dict[int, YearStatus]]) -> dict[str, str]:
    """Candidates no plan year allows, with the rules of the last year (a gate)."""
    return {
        cid: "; ".join(dict.fromkeys(status.reason for status in years.values()))
        for cid, years in years_open.items()
        if not any(status.allowed for status in years.values())
    }


class _Clock:
    """Seconds per step, for the report's timings."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self.started = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.timings[step] = now - self.started
        self.started = now


def assess(
    scenario: Scenario,
    catalog: Catalog,
    *,
    progress: Progress | None = None,
    executor: str = "local",
    workers: int | None = None,
    plan: bool = True,
    monte_carlo: bool = True,
    sweep_progress: Callable[[int, int], None] | None = None,
    force: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
) -> Assessment:
    """Run every step; ``executor`` runs the Monte Carlo (``local`` or ``ray``).

    ``plan=False`` stops after the comparison; ``monte_carlo=False`` skips the sweep even when the scenario asks
    for runs; ``sweep_progress`` hears (runs done, runs in total) during the sweep. ``force`` names candidates of
    which the plan must buy at least one unit, ``exclude`` candidates it may not buy: the report then shows what
    that choice costs against the scenario's own plan.
    """
    say = progress or (lambda _message: None)
    timings: dict[str, float] = {}
    clock = _Clock(timings)
    check_scenario(scenario, catalog)
    say("fleet: reading inventories")
    fleet = read_fleet(scenario, catalog)
    clock.lap("fleet")
    say("scan: looking for CUDA lock-in")
    efforts, scanned = scan_efforts(scenario.repositories, scan_targets(scenario, catalog), catalog)
    clock.lap("scan")
    say("perf: sizing every candidate for every workload")
    policy = scenario_policy(scenario, catalog)
    candidates, fleet_only = gather(scenario, catalog, fleet, efforts, policy)
    clock.lap("perf")
    say("compare: policy rules per year, gates, TOPSIS, weighted sum, sensitivity")
    years_open, blocks = open_years(candidates, scenario, catalog, policy)
    options = compare_options(scenario, blocked_every_year(years_open))
    comparison = compare(candidates, options)
    clock.lap("compare")
    result = Assessment(scenario, fleet, efforts, scanned, candidates, fleet_only, comparison, timings=timings)
    result.policy, result.years_open, result.site_blocks = policy, years_open, blocks
    result.chips = [catalog.chip(chip) for chip in dict.fromkeys(e.chip_id for e in candidates + fleet_only)]
    if not plan:
        return result
    say("plan: solving the multi-year MILP with HiGHS")
    from chipshift.plan import run_monte_carlo, solve_plan

    problem = choose(problem_of(result, options.costs), force, exclude)
    result.problem = problem
    result.plan = solve_plan(problem)
    result.forced_npv_delta = _price_of_the_top(result, problem, result.plan)
    clock.lap("plan")
    if monte_carlo and scenario.monte_carlo.runs and result.plan.years:
        say(f"monte carlo: {scenario.monte_carlo.runs} futures of the recommended plan on the {executor} executor")
        spec = uncertainty_of(result)
        result.monte_carlo = run_monte_carlo(
            problem, result.plan, spec, executor=executor, workers=workers, progress=sweep_progress
        )
        clock.lap("monte_carlo")
    return result


def uncertainty_of(result: Assessment) -> UncertaintySpec:
    """What the sweep draws for an assessment: the scenario's Monte Carlo section, the rule changes of its policy
    (the rules' outlooks, the scenario's licence events) worked out for its candidates, and the performance model's
    own error: measured / predicted capacity on the published measurements, each predicted with its source left out
    of the fit (``chipshift validate --cv``; one draw per candidate, for all its workloads)."""
    chips = {chip.id: chip for chip in result.chips}
    buyable = [(e.id, e.chip_id, chips[e.chip_id]) for e in result.candidates]
    policy = result.policy if result.policy is not None else Policy((), {})
    rules = drawn_rules(result.scenario, policy, buyable)
    result.notes.extend(note for note in rules.notes if note not in result.notes)
    from chipshift.perf import capacity_error_ratios

    return uncertainty_spec(result.scenario, rules, capacity_error=capacity_error_ratios())


def choose(problem: PlanProblem, force: tuple[str, ...], exclude: tuple[str, ...]) -> PlanProblem:
    """The problem with candidates forced in (at least one unit) or excluded (never bought), checked."""
    if not force and not exclude:
        return problem
    ids = {o.id for o in problem.options if o.unit_price > 0 or o.leased}
    for wanted in (*force, *exclude):
        if wanted not in ids:
            raise ChipshiftError(f"--force/--exclude: '{wanted}' is not a candidate that can be bought ({sorted(ids)})")
    options = tuple(
        dataclasses.replace(o, availability={y: Availability(False, reason="--exclude") for y in problem.years})
        if o.id in exclude
        else o
        for o in problem.options
    )
    for wanted in force:
        option = next(o for o in options if o.id == wanted)
        if not any(option.available(y).allowed for y in problem.years):
            raise ChipshiftError(f"--force {wanted}: it cannot be bought in any plan year")
    return dataclasses.replace(problem, options=options, forced=frozenset(force))


def _price_of_the_top(result: Assessment, problem: PlanProblem, plan: PlanResult) -> dict[str, float]:
    """What choosing the top-ranked candidate would cost, when the plan leaves it out."""
    top = result.comparison.top
    bought = {p.option for y in plan.years for p in y.purchases}
    if top is None or top in bought or top in problem.forced:
        return {}
    delta = forced_delta(problem, plan, top)
    return {} if delta is None else {top: delta}


def problem_of(result: Assessment, costs: CostInputs | None = None) -> PlanProblem:
    """The plan problem of an assessment (the scenario's cost inputs unless ``costs`` is given)."""
    risks = {cid: r.total for cid, r in result.comparison.matrix.risks.items()}
    return build_problem(
        result.scenario,
        result.candidates,
        result.fleet_only,
        result.fleet,
        costs or cost_inputs(result.scenario),
        buyable=set(result.comparison.matrix.ids),
        risks=risks,
        efforts=result.efforts,
        years_open=result.years_open,
        site_blocks=result.site_blocks,
    )
