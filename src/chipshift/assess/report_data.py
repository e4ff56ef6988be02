"""An :class:`Assessment` as the report's typed :class:`ReportData`: the one place engine results become report data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, cast

import numpy as np
from pydantic import JsonValue

from chipshift import __version__
from chipshift.assess.options import cost_inputs, first_year_demand
from chipshift.assess.outlooks import SCENARIO_OUTLOOK
from chipshift.assess.pipeline import Assessment
from chipshift.assess.policy import applied_rules
from chipshift.assess.recommendation import reasons, recommendation
from chipshift.assess.report_codes import exclusion, fit_problem, sources, top_rules
from chipshift.decide import CandidateEvidence, Comparison, CostInputs, WeightRange, workload_tco_per_mtok
from chipshift.decide import WorkloadFit as EngineFit
from chipshift.plan import (
    MonteCarloSummary,
    Move,
    PlanProblem,
    PlanResult,
    Purchase,
    Retirement,
    TornadoBar,
    domestic_shares,
)
from chipshift.plan import Violation as PlanViolation
from chipshift.plan import YearPlan as PlanYear
from chipshift.report import model as rm

if TYPE_CHECKING:
    from chipshift.catalog.policy import Policy
    from chipshift.scan import ScanResult

SHARE_METRICS = ("count", "compute", "value")


def report_data(result: Assessment) -> rm.ReportData:
    """Everything the report shows, typed."""
    s = result.scenario
    plan, sweep, first = _plan_sections(result)
    candidates = [_candidate(e, result) for e in result.candidates]
    return rm.ReportData(
        tool=f"chipshift {__version__}",
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        title=s.name,
        years=list(s.years),
        currency=s.cost.currency,
        workloads=[_workload(w.model_dump(mode="json")) for w in s.workloads],
        targets=[rm.RatioTarget.model_validate(t.model_dump(mode="json")) for t in s.targets],
        fleet=_fleet(result),
        scan=_scan(result.scan, result.efforts) if result.scan is not None else None,
        candidates=candidates,
        fleet_chips=[_candidate(e, result) for e in result.fleet_only],
        comparison=comparison_section(result.comparison, {c.id: c.fits for c in candidates}),
        recommendation=first,
        plan=plan,
        ratio_path=_ratio_path(result),
        monte_carlo=sweep,
        rules=_rules(result),
        assumptions=_assumptions(result),
        sources=sources(result),
        notes=list(result.notes),
        timings_s=dict(result.timings),
    )


def _plan_sections(
    result: Assessment,
) -> tuple[rm.PlanSection | None, rm.MonteCarloSection | None, rm.Recommendation | None]:
    if result.plan is None or result.problem is None:
        return None, None, None
    problem, plan = result.problem, result.plan
    names = {e.id: e.name for e in result.candidates + result.fleet_only}
    section = plan_section(plan, problem, names)
    sweep = monte_carlo_section(result.monte_carlo, problem, plan, result.policy) if result.monte_carlo else None
    targets = target_outlook(problem, plan, result.monte_carlo)
    years = year_outlook(problem, result.monte_carlo)
    why = reasons(
        result.candidates, result.comparison, problem, plan, first_year_demand(result.scenario),
        cost_inputs(result.scenario), result.forced_npv_delta,
    )  # fmt: skip
    return section, sweep, recommendation(section, sweep, targets, years, why)


def _workload(dumped: dict[str, object]) -> rm.InferenceWorkload | rm.TrainingWorkload:
    if dumped["kind"] == "training":
        return rm.TrainingWorkload.model_validate(dumped)
    return rm.InferenceWorkload.model_validate(dumped)


def _fleet(result: Assessment) -> rm.FleetSection:
    fleet = result.fleet
    ratios = rm.FleetRatios.model_validate(fleet.ratios.to_dict()) if fleet.ratios is not None else None
    return rm.FleetSection(
        ratios=ratios, existing=fleet.existing, unmatched=fleet.unmatched, problems=list(fleet.problems)
    )


def _scan(scanned: ScanResult, efforts: dict[str, float]) -> rm.ScanSection:
    from chipshift.scan.rules import load_rules

    titles = {rule.id: rule.title for rule in load_rules().rules}
    return rm.ScanSection(
        roots=list(scanned.roots),
        files=scanned.files_scanned,
        lines=scanned.lines_scanned,
        findings=len(scanned.findings),
        effort_person_days=efforts,
        lock_in={target: scanned.lock_in_score(target) for target in efforts},
        top_rules=top_rules(scanned, titles),
    )


def _fit(e: CandidateEvidence, f: EngineFit, demand: dict[str, float], costs: CostInputs) -> rm.WorkloadFit:
    problem, missing = fit_problem(f.reason, f.fits)
    return rm.WorkloadFit(
        workload=f.workload,
        fits=f.fits,
        capacity_per_chip=f.capacity_per_chip,
        tokens_per_s_per_chip=f.tokens_per_s_per_chip,
        chips_per_replica=f.chips_per_replica,
        reason=f.reason,
        tco_per_mtok=workload_tco_per_mtok(e, f, demand, costs),
        problem=problem,
        missing_figure=missing,
        precision=f.precision,
    )


def _candidate(e: CandidateEvidence, result: Assessment) -> rm.Candidate:
    demand, costs = first_year_demand(result.scenario), cost_inputs(result.scenario)
    fits = [_fit(e, f, demand, costs) for f in e.fits]
    return rm.Candidate(
        id=e.id,
        chip_id=e.chip_id,
        name=e.name,
        vendor=e.vendor,
        domestic=e.domestic,
        designer_country=e.designer_country,
        unit_chips=e.unit_chips,
        price_per_chip=e.price_per_chip,
        price_source=e.price_source,
        power_w=e.power_w,
        dense_bf16_tflops=e.dense_bf16_tflops,
        fits=fits,
        porting_person_days=e.porting_person_days,
        scan_target=e.scan_target,
        export_class=e.export_class,
        export_status=e.export_status.value,
        export_note=e.export_note,
        closed_firmware=e.closed_firmware,
        closed_stack=e.closed_stack,
        remote_disable_note=e.remote_disable_note,
        foreign_fab=e.foreign_fab,
        supply_per_year=e.supply_per_year,
        can_buy=e.can_buy,
        notes=list(e.notes),
    )


def comparison_section(
    comparison: Comparison, fits: dict[str, list[rm.WorkloadFit]] | None = None
) -> rm.ComparisonSection:
    """The comparison as report data (also what ``chipshift compare --json`` prints); ``fits`` (candidate -> how it
    serves each workload) names the workloads a candidate gated for running none cannot run."""
    matrix = comparison.matrix
    rows = [
        rm.RankedCandidate(
            id=cid,
            criteria={c.id: float(matrix.values[i, j]) for j, c in enumerate(matrix.criteria)},
            topsis=comparison.topsis.scores[cid],
            weighted_sum=comparison.weighted_sum.scores[cid],
            risk_reasons=list(matrix.risks[cid].reasons),
        )
        for i, cid in enumerate(matrix.ids)
    ]
    return rm.ComparisonSection(
        excluded=[exclusion(e.id, e.reason, (fits or {}).get(e.id, [])) for e in comparison.excluded],
        criteria=[
            rm.CriterionInfo(id=c.id, dimension=c.dimension.value, benefit=c.benefit, unit=c.unit)
            for c in matrix.criteria
        ],
        candidates=rows,
        weights={d.value: w for d, w in comparison.weights.weights.items()},
        weights_method=comparison.weights.method,
        consistency_ratio=comparison.weights.consistency_ratio,
        topsis_order=list(comparison.topsis.order),
        weighted_sum_order=list(comparison.weighted_sum.order),
        sensitivity=[_weight_range(r) for r in comparison.sensitivity],
    )


def _weight_range(r: WeightRange) -> rm.WeightRange:
    return rm.WeightRange(
        dimension=r.dimension.value, weight=r.weight, low=r.low, high=r.high, top=r.top, below=r.below, above=r.above
    )


def plan_section(plan: PlanResult, problem: PlanProblem, names: dict[str, str]) -> rm.PlanSection:
    """The plan as report data (also what ``chipshift plan --json`` prints)."""
    years = [
        rm.YearPlan(
            year=y.year,
            purchases=[_unit_line(p, problem, names) for p in y.purchases],
            retirements=[_retirement_line(r, names) for r in y.retirements],
            moves=[_move_line(m, names) for m in y.moves],
            stock=y.stock,
            money=_year_money(y),
            domestic_share=y.domestic_share,
        )
        for y in plan.years
    ]
    return rm.PlanSection(
        status=plan.status.value,
        feasible=plan.feasible,
        cost=cost_parts(plan),
        years=years,
        violations=[_violation(v) for v in plan.violations],
        binding=[
            rm.Binding(kind=b.kind, year=b.year, subject=b.subject, used=b.used, limit=b.limit) for b in plan.binding
        ],
        ports=[
            rm.PortInfo(target=t.id, cost=t.cost, ready_year=t.first_year, done=t.done, chosen=t.id in plan.ports)
            for t in problem.ports
        ],
        phases=list(plan.phases),
        solve_s=plan.solve_s,
        variables=plan.variables,
        constraints=plan.constraints,
        message=plan.message,
        method=plan.method,
        gap=plan.gap,
    )


def cost_parts(plan: PlanResult) -> rm.CostParts:
    """The plan's net present value by part."""
    c = plan.cost
    return rm.CostParts(
        npv=c.npv,
        capex=c.capex,
        opex=c.opex,
        risk=c.risk,
        porting=c.porting,
        moves=c.moves,
        resale=c.resale,
        residual=c.residual,
    )


def _violation(v: PlanViolation) -> rm.Violation:
    return rm.Violation(kind=v.kind, year=v.year, subject=v.subject, amount=v.amount, relative=v.relative, unit=v.unit)


def _unit_line(p: Purchase, problem: PlanProblem, names: dict[str, str]) -> rm.UnitLine:
    option = problem.option(p.option)
    kind: Literal["server", "system", "lease"] = (
        "lease" if p.leased else ("system" if option.unit_chips > 64 else "server")
    )
    return rm.UnitLine(
        year=p.year, site=p.site, option=p.option, name=names.get(p.option, p.option), units=p.units,
        unit_kind=kind, chips=p.chips, money=p.cost,
    )  # fmt: skip


def _retirement_line(r: Retirement, names: dict[str, str]) -> rm.UnitLine:
    return rm.UnitLine(
        year=r.year, site=r.site, option=r.option, name=names.get(r.option, r.option), units=r.servers,
        unit_kind="server", chips=r.chips, money=r.resale,
    )  # fmt: skip


def _move_line(m: Move, names: dict[str, str]) -> rm.UnitLine:
    return rm.UnitLine(
        year=m.year, site=m.source, option=m.option, name=names.get(m.option, m.option), units=m.units,
        unit_kind="server", chips=m.chips, money=0.0, destination=m.destination,
    )  # fmt: skip


def _year_money(y: PlanYear) -> rm.YearMoney:
    return rm.YearMoney(year=y.year, capex=y.capex, budget=y.budget, opex=y.opex, resale=y.resale, porting=y.porting)


def monte_carlo_section(
    summary: MonteCarloSummary, problem: PlanProblem, plan: PlanResult, policy: Policy | None = None
) -> rm.MonteCarloSection:
    """The recommended plan over the sweep's futures (``policy`` words the rule changes drawn)."""
    runs = summary.runs
    npv = np.array([r.npv for r in runs]) if runs else np.array([0.0])
    all_met = [
        all(r.demand_met.values()) and all(r.budget_met.values())
        and all(met for years in r.targets_met.values() for met in years.values())
        for r in runs
    ]  # fmt: skip
    return rm.MonteCarloSection(
        runs=len(runs),
        seed=summary.seed,
        executor=summary.executor,
        fix=summary.fix,
        npv=[float(v) for v in npv],
        npv_p5=float(np.percentile(npv, 5)),
        npv_p50=float(np.percentile(npv, 50)),
        npv_p95=float(np.percentile(npv, 95)),
        npv_mean=float(np.mean(npv)),
        all_met_share=sum(all_met) / len(runs) if runs else 0.0,
        years=year_outlook(problem, summary),
        targets=target_outlook(problem, plan, summary),
        tornado=[_risk(bar) for bar in summary.tornado],
        rule_changes=rule_changes(summary, policy),
    )


def rule_changes(summary: MonteCarloSummary, policy: Policy | None) -> list[rm.RuleChange]:
    """The rule changes the sweep drew, with how often each happened."""
    rules = {r.id: r for r in policy.rules} if policy else {}
    runs = summary.runs
    out = []
    for event in summary.events:
        happened = sum(any(name == event.name for name, _ in r.events) for r in runs) / len(runs) if runs else 0.0
        rule = rules.get(event.subject)
        outlook = rule.outlook if rule else None
        change = cast(Literal["ends", "enacted", "revoked", "granted"], event.change)
        kind: Literal["outlook", "scenario-chance", "scenario-event"] = (
            "scenario-event" if rule is None else "scenario-chance" if event.source == SCENARIO_OUTLOOK else "outlook"
        )
        from_outlook = outlook is not None and kind == "outlook"
        out.append(rm.RuleChange(
            subject=event.subject, change=change, title=rule.title if rule else event.subject,
            title_zh=rule.title_zh if rule else event.subject, chances=dict(event.chances), happened_share=happened,
            candidates=list(summary.touches.get(event.name, ())), why=event.source,
            why_zh=outlook.why_zh if outlook and from_outlook else event.source, why_kind=kind,
            confidence=outlook.confidence.value if outlook and from_outlook else None,
        ))  # fmt: skip
    return out


def _risk(bar: TornadoBar) -> rm.Risk:
    kind = cast(Literal["price", "growth", "event", "supply", "delivery", "performance"], bar.kind)
    return rm.Risk(
        kind=kind, subject=bar.subject, low_label=bar.low_label, high_label=bar.high_label, npv_low=bar.npv_low,
        npv_high=bar.npv_high, base_npv=bar.base_npv, misses=bar.misses_low or bar.misses_high, swing=bar.swing,
        change=cast(Literal["ends", "enacted", "revoked", "granted"], bar.change) if bar.change else None,
    )  # fmt: skip


def year_outlook(problem: PlanProblem, summary: MonteCarloSummary | None) -> list[rm.YearOutlook]:
    """Per year, the share of futures in which demand and the budget hold."""
    out = []
    for year in problem.years:
        demand = budget = None
        if summary is not None and summary.runs:
            demand = sum(r.demand_met.get(year, True) for r in summary.runs) / len(summary.runs)
            if year in problem.budget:
                budget = sum(r.budget_met.get(year, True) for r in summary.runs) / len(summary.runs)
        out.append(rm.YearOutlook(year=year, demand_probability=demand, budget_probability=budget))
    return out


def target_outlook(problem: PlanProblem, plan: PlanResult, summary: MonteCarloSummary | None) -> list[rm.TargetOutlook]:
    """Per target and year: the plan's share, whether it is met, and how likely it is to hold."""
    options = {o.id: o for o in problem.options}
    stock = {y.year: y.stock for y in plan.years}
    out = []
    for target in problem.targets:
        for year in problem.years:
            if year < target.year or year not in stock:
                continue
            planned = domestic_shares(stock[year], options, target.sites)[target.metric.value]
            probability = shortfall = None
            if summary is not None and summary.runs:
                runs = summary.runs
                probability = sum(r.targets_met[target.name].get(year, True) for r in runs) / len(runs)
                shortfall = sum(r.target_shortfall[target.name].get(year, 0.0) for r in runs) / len(runs)
            out.append(
                rm.TargetOutlook(
                    target=target.name, scope=target.scope, metric=target.metric.value, year=year,
                    required=target.share,
                    planned=planned, met=planned >= target.share - 1e-6, probability=probability,
                    expected_shortfall=shortfall,
                )
            )  # fmt: skip
    return out


def _ratio_path(result: Assessment) -> list[rm.RatioPoint]:
    path = []
    if result.fleet.ratios is not None:
        overall = result.fleet.ratios.overall
        now: dict[str, float | None] = {metric.value: share.ratio for metric, share in overall.items()}
        path.append(rm.RatioPoint(label="now", **{m: now.get(m) for m in SHARE_METRICS}))
    if result.plan:
        for year in result.plan.years:
            share = year.domestic_share
            path.append(rm.RatioPoint(label=str(year.year), **{m: share.get(m) for m in SHARE_METRICS}))
    return path


def _rules(result: Assessment) -> list[rm.RuleApplied]:
    """The policy rules that touch a candidate or fleet chip in a plan year, in date order."""
    policy = result.policy
    if policy is None:
        return []
    out = []
    for applied in applied_rules(result.chips, policy, result.scenario):
        rule = policy.rule(applied.rule_id)
        source = policy.sources.get(rule.source)
        where = "" if source is None else source.title + (f" <{source.url}>" if source.url else "")
        out.append(
            rm.RuleApplied(
                id=rule.id, jurisdiction=rule.jurisdiction.value, kind=rule.kind.value, status=rule.status.value,
                effective=rule.effective.isoformat(), ends=rule.ends.isoformat() if rule.ends else None,
                title=rule.title, title_zh=rule.title_zh, summary=rule.summary, summary_zh=rule.summary_zh,
                confidence=rule.confidence.value, source=where or rule.source, chips=list(applied.chips),
                years=list(applied.years),
            )
        )  # fmt: skip
    return sorted(out, key=lambda r: (r.effective, r.id))


def _assumptions(result: Assessment) -> dict[str, JsonValue]:
    s = result.scenario
    return {
        "cost": s.cost.model_dump(mode="json"),
        "regulatory": s.regulatory.model_dump(mode="json"),
        "plan": s.plan.model_dump(mode="json"),
        "porting": s.porting.model_dump(mode="json"),
        "resale": {chip: r.model_dump(mode="json") for chip, r in s.resale.items()},
        "monte_carlo": s.monte_carlo.model_dump(mode="json"),
        "budget_per_year": {str(k): v for k, v in s.budget_per_year.items()},
        "sites": [x.model_dump(mode="json") for x in s.sites],
        "gates": s.gates.model_dump(mode="json"),
    }
