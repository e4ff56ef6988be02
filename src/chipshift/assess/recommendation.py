"""The recommendation: the plan in a planner's words, and why each candidate is or is not in it.

The ranking and the plan answer different questions (which chip scores best on the weighted criteria; what is the
cheapest way to meet demand and the targets under the rules), so the report says, per candidate, what kept it out
of the plan or put it in: a gate, a site's rule, a year without a licence, its supply, its cost per token against
what the plan bought, or that nothing more was needed. For the top-ranked candidate left out, the pipeline also
solves the plan with at least one unit of it forced in, so the price of choosing it is a number.
"""

from __future__ import annotations

import dataclasses
import re

from chipshift.decide import CandidateEvidence, Comparison, CostInputs, tco_per_mtok
from chipshift.plan import PlanProblem, PlanResult, accepts, solve_plan
from chipshift.report import model as rm

TOP_RISKS = 3


def recommendation(
    plan: rm.PlanSection,
    sweep: rm.MonteCarloSection | None,
    targets: list[rm.TargetOutlook],
    years: list[rm.YearOutlook],
    why: list[rm.Reason],
) -> rm.Recommendation:
    """The first screen of the report."""
    lines = [line for y in plan.years for line in y.purchases]
    return rm.Recommendation(
        status=plan.status,
        feasible=plan.feasible,
        purchases=[line for line in lines if line.unit_kind != "lease"],
        leases=[line for line in lines if line.unit_kind == "lease"],
        retirements=[line for y in plan.years for line in y.retirements],
        moves=[line for y in plan.years for line in y.moves],
        ports=[p for p in plan.ports if p.chosen],
        cost=plan.cost,
        money=[y.money for y in plan.years],
        targets=targets,
        years=years,
        risks=_top_risks(sweep),
        shortfalls=plan.violations,
        why=why,
    )


def _top_risks(sweep: rm.MonteCarloSection | None) -> list[rm.Risk]:
    if sweep is None:
        return []
    return [risk for risk in sweep.tornado if risk.misses or risk.swing > 0][:TOP_RISKS]


def reasons(
    candidates: list[CandidateEvidence],
    comparison: Comparison,
    problem: PlanProblem,
    plan: PlanResult,
    demand: dict[str, float],
    costs: CostInputs,
    forced_npv_delta: dict[str, float],
) -> list[rm.Reason]:
    """Why each candidate is in the plan or not, in the ranking's order (gated candidates last)."""
    bought: dict[str, int] = {}
    for year in plan.years:
        for p in year.purchases:
            bought[p.option] = bought.get(p.option, 0) + p.units
    tco = {c.id: tco_per_mtok(c, demand, costs) for c in candidates}
    priced = [(value, i) for i in bought if (value := tco.get(i)) is not None]
    cheapest = min(priced, default=None)
    excluded = {e.id: e.reason for e in comparison.excluded}
    order = [*comparison.topsis.order, *(c.id for c in candidates if c.id not in comparison.topsis.order)]
    by_id = {c.id: c for c in candidates}
    out = []
    for cid in order:
        if cid not in by_id:
            continue
        reason = _reason(by_id[cid], excluded, bought, problem, tco.get(cid), cheapest)
        out.append(reason.model_copy(update={"forced_npv_delta": forced_npv_delta.get(cid)}))
    return out


def _reason(
    candidate: CandidateEvidence,
    excluded: dict[str, str],
    bought: dict[str, int],
    problem: PlanProblem,
    tco: float | None,
    cheapest: tuple[float, str] | None,
) -> rm.Reason:
    cid = candidate.id
    if cid in excluded:
        return rm.Reason(candidate=cid, code="gated", detail=excluded[cid], rules=_rule_ids(excluded[cid]))
    if cid in bought:
        return rm.Reason(candidate=cid, code="bought", detail="", units=bought[cid], tco_per_mtok=tco)
    option = problem.option(cid)
    allowed = [y for y in problem.years if option.available(y).allowed]
    if not allowed:
        why = next((option.available(y).reason for y in problem.years if option.available(y).reason), "")
        return rm.Reason(candidate=cid, code="no-licence", detail=why, rules=_rule_ids(why))
    if not any(accepts(site, option) for site in problem.sites):
        return rm.Reason(candidate=cid, code="site-rule", detail="")
    if all(option.available(y).cap_units == 0 for y in allowed):
        return rm.Reason(candidate=cid, code="supply", detail="")
    if cheapest is not None and tco is not None and tco > cheapest[0]:
        return rm.Reason(
            candidate=cid, code="costlier", detail="", tco_per_mtok=tco, against=cheapest[1],
            against_tco_per_mtok=cheapest[0],
        )  # fmt: skip
    return rm.Reason(candidate=cid, code="not-needed", detail="", tco_per_mtok=tco)


_RULE_ID = re.compile(r"\(((?:us|cn)-[a-z0-9-]+)\)")


def _rule_ids(text: str) -> list[str]:
    """The policy rule ids a gate's or refusal's text names (``(us-3a090a-2023)``), in order."""
    return list(dict.fromkeys(_RULE_ID.findall(text)))


def forced_delta(problem: PlanProblem, plan: PlanResult, candidate: str) -> float | None:
    """What the plan costs more with at least one unit of ``candidate`` (None when it cannot be bought at all)."""
    option = problem.option(candidate)
    deliverable = any(option.available(y).allowed for y in problem.years) and any(
        accepts(site, option) for site in problem.sites
    )
    if not deliverable or not plan.years:
        return None
    forced = solve_plan(dataclasses.replace(problem, forced=problem.forced | {candidate}))
    if not forced.years:
        return None
    return forced.objective - plan.objective
