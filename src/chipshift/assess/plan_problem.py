"""Turn a scenario, the candidates' evidence and the fleet into the plan engine's :class:`PlanProblem`."""

from __future__ import annotations

from dataclasses import replace

from chipshift.assess.fleet import FleetInput
from chipshift.assess.scenario import InferenceWorkload, Scenario
from chipshift.decide import CandidateEvidence, CostInputs, effective_price
from chipshift.errors import UnknownIdError
from chipshift.plan import PlanOption, PlanProblem, PlanSite, PlanTarget, PlanWorkload, TargetMetric


def buy_years(scenario: Scenario, evidence: CandidateEvidence, buyable: bool) -> frozenset[int] | None:
    """Years in which a chip may be bought, after the scenario's licence changes."""
    if not buyable:
        return frozenset()
    allowed = set(scenario.years)
    for change in sorted(scenario.regulatory.licences, key=lambda c: c.year):
        if change.chip not in (evidence.id, evidence.chip_id):
            continue
        later = {y for y in scenario.years if y >= change.year}
        allowed = allowed - later if change.status == "revoked" else allowed | later
    return None if allowed == set(scenario.years) else frozenset(allowed)


def plan_option(
    scenario: Scenario, evidence: CandidateEvidence, costs: CostInputs, *, buyable: bool, risk: float
) -> PlanOption:
    """One option: a buyable candidate or a chip the fleet already holds."""
    price = effective_price(evidence, costs) if evidence.price_per_chip is not None else 0.0
    return PlanOption(
        id=evidence.id,
        domestic=evidence.domestic,
        price=price,
        power_kw=(evidence.power_w or 0.0) / 1000 * costs.load_factor,
        tflops=evidence.dense_bf16_tflops or 0.0,
        capacity={f.workload: f.capacity_per_chip for f in evidence.fits if f.fits},
        unit=evidence.unit_chips,
        risk=risk,
        supply_per_year=None if evidence.supply_per_year is None else float(evidence.supply_per_year),
        buy_years=buy_years(scenario, evidence, buyable),
        chip_id=evidence.chip_id,
    )


def workload_demand(scenario: Scenario) -> tuple[PlanWorkload, ...]:
    """Each workload's demand per plan year, grown by calendar years from the first."""
    out = []
    for w in scenario.workloads:
        base = w.output_tokens_per_s if isinstance(w, InferenceWorkload) else w.concurrent_runs
        first = scenario.years[0]
        demand = {y: base * (1 + w.growth_per_year) ** (y - first) for y in scenario.years}
        out.append(PlanWorkload(w.id, demand, tuple(w.sites)))
    return tuple(out)


def _sites(scenario: Scenario, fleet: FleetInput) -> tuple[PlanSite, ...]:
    given = {s.id: s for s in scenario.sites}
    ids = list(dict.fromkeys([*given, *fleet.existing]))
    sites = []
    for sid in ids:
        s = given.get(sid)
        sites.append(
            PlanSite(
                id=sid,
                existing=dict(fleet.existing.get(sid, {})),
                existing_book_value=dict(fleet.book_value.get(sid, {})),
                power_kw=s.power_kw if s else None,
                electricity_per_kwh=(
                    s.electricity_per_kwh
                    if s and s.electricity_per_kwh is not None
                    else scenario.cost.electricity_per_kwh
                ),
                sector=(s.sector if s and s.sector else fleet.sectors.get(sid)),
                domestic_only=bool(s and s.state_funded and scenario.regulatory.state_funded_domestic_only),
            )
        )
    return tuple(sites)


def _check_site_names(scenario: Scenario, sites: tuple[PlanSite, ...]) -> None:
    """A target or workload naming a site or sector that exists nowhere is a typo, not an empty scope."""
    site_ids = {s.id for s in sites}
    sectors = {s.sector for s in sites if s.sector}
    for i, t in enumerate(scenario.targets):
        if t.scope.site and t.scope.site not in site_ids:
            raise UnknownIdError(f"site (targets[{i}].scope.site)", t.scope.site, sorted(site_ids))
        if t.scope.sector and t.scope.sector not in sectors:
            raise UnknownIdError(f"sector (targets[{i}].scope.sector)", t.scope.sector, sorted(sectors))
    for w in scenario.workloads:
        for site in w.sites:
            if site not in site_ids:
                raise UnknownIdError(f"site (workload {w.id!r} sites)", site, sorted(site_ids))


def _targets(scenario: Scenario, sites: tuple[PlanSite, ...]) -> tuple[PlanTarget, ...]:
    out = []
    for t in scenario.targets:
        if t.scope.site:
            scope = tuple(s.id for s in sites if s.id == t.scope.site)
        elif t.scope.sector:
            scope = tuple(s.id for s in sites if s.sector == t.scope.sector)
        else:
            scope = tuple(s.id for s in sites)
        where = t.scope.site or t.scope.sector or "fleet"
        name = f"{where}: {t.metric.value} >= {t.min_share:.0%} from {t.year}"
        out.append(PlanTarget(name, t.year, TargetMetric(t.metric.value), t.min_share, scope))
    return tuple(out)


def build_problem(
    scenario: Scenario,
    candidates: list[CandidateEvidence],
    fleet_only: list[CandidateEvidence],
    fleet: FleetInput,
    costs: CostInputs,
    *,
    buyable: set[str],
    risks: dict[str, float],
) -> PlanProblem:
    """The plan problem; ``buyable`` are candidate ids that passed the gates."""
    options: dict[str, PlanOption] = {}
    for e in [*candidates, *fleet_only]:
        if e.id in options:
            continue
        if e.price_per_chip is None and e.chip_id in fleet.unit_price:
            e = replace(e, price_per_chip=fleet.unit_price[e.chip_id], price_source="fleet register")
        options[e.id] = plan_option(scenario, e, costs, buyable=e.id in buyable, risk=risks.get(e.id, 1.0))
    sites = _sites(scenario, fleet)
    _check_site_names(scenario, sites)
    return PlanProblem(
        years=tuple(scenario.years),
        options=tuple(options.values()),
        sites=sites,
        workloads=workload_demand(scenario),
        targets=_targets(scenario, sites),
        budget={int(y): float(v) for y, v in scenario.budget_per_year.items()},
        pue=scenario.cost.pue,
        depreciation_years=scenario.cost.depreciation_years,
        risk_weight=scenario.plan.risk_weight,
        time_limit_s=scenario.plan.time_limit_s,
        max_nodes=scenario.plan.max_nodes,
        mip_gap=scenario.plan.mip_gap,
    )
