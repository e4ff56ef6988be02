"""An :class:`Assessment` as the report's typed :class:`ReportData`: the one place engine results become report data."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
from pydantic import JsonValue

from chipshift import __version__
from chipshift.assess.pipeline import Assessment
from chipshift.decide import CandidateEvidence, Comparison, WeightRange, risk_points
from chipshift.report import model as rm

if TYPE_CHECKING:
    from chipshift.plan import MonteCarloSummary, PlanResult
    from chipshift.scan import ScanResult

SHARE_METRICS = ("count", "compute", "value")


def report_data(result: Assessment) -> rm.ReportData:
    """Everything the report shows, typed."""
    s = result.scenario
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
        candidates=[_candidate(e) for e in result.candidates],
        fleet_chips=[_candidate(e) for e in result.fleet_only],
        comparison=comparison_section(result.comparison),
        plan=plan_section(result.plan) if result.plan else None,
        ratio_path=_ratio_path(result),
        monte_carlo=monte_carlo_section(result.monte_carlo) if result.monte_carlo else None,
        assumptions=_assumptions(result),
        sources=_sources(result),
        notes=list(result.notes),
        timings_s=dict(result.timings),
    )


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
    counts = Counter(f.rule_id for f in scanned.findings)
    messages: dict[str, str] = {}
    for finding in scanned.findings:
        messages.setdefault(finding.rule_id, finding.message)
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])[:10]
    return rm.ScanSection(
        roots=list(scanned.roots),
        files=scanned.files_scanned,
        lines=scanned.lines_scanned,
        findings=len(scanned.findings),
        effort_person_days=efforts,
        lock_in={target: scanned.lock_in_score(target) for target in efforts},
        top_rules=[rm.TopRule(rule=rule, count=count, message=messages[rule]) for rule, count in ranked],
    )


def _candidate(e: CandidateEvidence) -> rm.Candidate:
    fits = [
        rm.WorkloadFit(
            workload=f.workload,
            fits=f.fits,
            capacity_per_chip=f.capacity_per_chip,
            tokens_per_s_per_chip=f.tokens_per_s_per_chip,
            chips_per_replica=f.chips_per_replica,
            reason=f.reason,
        )
        for f in e.fits
    ]
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


def comparison_section(comparison: Comparison) -> rm.ComparisonSection:
    """The comparison as report data (also what ``chipshift compare --json`` prints)."""
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
        excluded=[rm.Exclusion(id=e.id, reason=e.reason) for e in comparison.excluded],
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


def plan_section(plan: PlanResult) -> rm.PlanSection:
    """The plan as report data (also what ``chipshift plan --json`` prints)."""
    years = [
        rm.YearPlan(
            year=y.year, buy=y.buy, retire=y.retire, stock=y.stock, capex=y.capex, opex=y.opex,
            write_off=y.write_off, domestic_share=y.domestic_share,
        )
        for y in plan.years
    ]  # fmt: skip
    violations = [
        rm.Violation(kind=v.kind, year=v.year, subject=v.subject, amount=v.amount, relative=v.relative, unit=v.unit)
        for v in plan.violations
    ]
    binding = [
        rm.Binding(kind=b.kind, year=b.year, subject=b.subject, used=b.used, limit=b.limit) for b in plan.binding
    ]
    return rm.PlanSection(
        status=plan.status.value,
        objective=plan.objective,
        solve_s=plan.solve_s,
        variables=plan.variables,
        constraints=plan.constraints,
        message=plan.message,
        method=plan.method,
        gap=plan.gap,
        years=years,
        violations=violations,
        binding=binding,
    )


def monte_carlo_section(summary: MonteCarloSummary) -> rm.MonteCarloSection:
    """The sweep's distribution as report data."""
    runs = [
        rm.MonteCarloRun(
            run=r.run, feasible=r.feasible, objective=r.objective, capex=r.capex, gap=r.gap,
            final_share=r.final_share, events=list(r.events), violations=list(r.violations),
        )
        for r in summary.runs
    ]  # fmt: skip
    feasible = [r.objective for r in summary.runs if r.feasible]
    costs = np.array(feasible) if feasible else np.array([0.0])
    causes = Counter(v.split()[0] for r in summary.runs for v in r.violations)
    return rm.MonteCarloSection(
        runs=len(summary.runs),
        seed=summary.seed,
        executor=summary.executor,
        feasible_share=len(feasible) / len(summary.runs) if summary.runs else 0.0,
        cost_p5=float(np.percentile(costs, 5)),
        cost_p50=float(np.percentile(costs, 50)),
        cost_p95=float(np.percentile(costs, 95)),
        costs=[float(c) for c in costs],
        infeasible_causes=dict(causes),
        detail=runs,
    )


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


def _sources(result: Assessment) -> list[str]:
    s = result.scenario
    everyone = result.candidates + result.fleet_only
    lines = [f"cost assumptions: {s.cost.source}"]
    lines += [f"price of {e.id}: {e.price_source or 'unknown'}" for e in everyone]
    lines += [f"export status of {e.id}: {e.export_note}" for e in everyone]
    lines += [
        f"target {t.metric.value} >= {t.min_share:.0%} from {t.year}: {t.source or 'not given'}" for t in s.targets
    ]
    lines.append("performance: chipshift perf analytical model (roofline with calibrated efficiencies), per workload")
    lines.append("porting effort: chipshift scan rules (person-days per finding, see scan rule data)")
    lines.append("domestic ratio now: chipshift fleet over the scenario's inventories (designer in CN by default)")
    lines.append(f"strategic risk points (chipshift defaults): {risk_points()}")
    return lines


def _assumptions(result: Assessment) -> dict[str, JsonValue]:
    s = result.scenario
    return {
        "cost": s.cost.model_dump(mode="json"),
        "regulatory": s.regulatory.model_dump(mode="json"),
        "plan": s.plan.model_dump(mode="json"),
        "monte_carlo": s.monte_carlo.model_dump(mode="json"),
        "budget_per_year": {str(k): v for k, v in s.budget_per_year.items()},
        "sites": [x.model_dump(mode="json") for x in s.sites],
        "gates": s.gates.model_dump(mode="json"),
    }
