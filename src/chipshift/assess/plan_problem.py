"""Turn a scenario, the candidates' evidence and the fleet into the plan engine's :class:`PlanProblem`.

Units: a chip candidate is bought in servers of ``plan.server_size`` chips, priced as chip plus server overhead and
powered as TDP plus host overhead; a system candidate (CloudMatrix 384) is bought whole, at its quoted price and its
wall power, with no overhead added. Fleet chips are held and retired in servers of the same size.
"""

from __future__ import annotations

import math
from dataclasses import replace

from chipshift.assess.checks import check_site_names
from chipshift.assess.fleet import FleetInput
from chipshift.assess.policy import YearStatus
from chipshift.assess.scenario import Candidate, InferenceWorkload, Scenario
from chipshift.decide import CandidateEvidence, CostInputs
from chipshift.errors import UnknownIdError
from chipshift.plan import (
    Availability,
    PlanOption,
    PlanProblem,
    PlanSite,
    PlanTarget,
    PlanWorkload,
    PortingProject,
    TargetMetric,
)

HOURS_PER_YEAR = 8760


def unit_price(evidence: CandidateEvidence, costs: CostInputs) -> float:
    """Price of one purchase unit in the cost currency: a server of chips with overhead, or a whole system."""
    assert evidence.price_per_chip is not None
    tariff = costs.tariff_by_country.get(evidence.designer_country, 0.0)
    overhead = 0.0 if evidence.system else costs.server_overhead
    return evidence.price_per_chip * evidence.unit_chips * (1 + tariff) * (1 + overhead)


def unit_power_kw(evidence: CandidateEvidence, scenario: Scenario) -> float:
    """Wall power of one unit at mean load, before PUE."""
    host = 0.0 if evidence.system else scenario.cost.host_power_overhead
    return (evidence.power_w or 0.0) / 1000 * evidence.unit_chips * (1 + host) * scenario.cost.load_factor


def availability(
    scenario: Scenario,
    evidence: CandidateEvidence,
    given: Candidate | None,
    buyable: bool,
    years_open: dict[int, YearStatus] | None,
) -> dict[int, Availability]:
    """Per plan year: whether it may be bought (gates, the policy rules, licence changes), at what price factor
    (fees and duties passed on), and the allocation cap in units."""
    out: dict[int, Availability] = {}
    for year in scenario.years:
        status = (years_open or {}).get(year)
        allowed = buyable and (status is None or status.allowed)
        reason = "not a candidate, or excluded by a gate" if not buyable else (status.reason if status else "")
        chips = None if given is None else given.allocation.get(year, given.supply_per_year)
        cap = None if chips is None else chips // evidence.unit_chips
        factor = status.price_factor if status else 1.0
        out[year] = Availability(allowed, cap, factor, reason)
    return out


def plan_option(
    scenario: Scenario,
    evidence: CandidateEvidence,
    given: Candidate | None,
    costs: CostInputs,
    *,
    buyable: bool,
    risk: float,
    years_open: dict[int, YearStatus] | None = None,
) -> PlanOption:
    """One option: a buyable (or leasable) candidate, or a chip the fleet already holds."""
    price = unit_price(evidence, costs) if evidence.price_per_chip is not None and buyable else 0.0
    lease = _lease_per_unit_year(scenario, evidence, given) if given is not None else None
    value = evidence.price_per_chip or 0.0
    return PlanOption(
        id=evidence.id,
        chip_id=evidence.chip_id,
        domestic=evidence.domestic,
        unit_chips=evidence.unit_chips,
        unit_price=0.0 if lease is not None else price,
        unit_power_kw=0.0 if lease is not None else unit_power_kw(evidence, scenario),
        tflops=evidence.dense_bf16_tflops or 0.0,
        value_per_chip=value,
        capacity={f.workload: f.capacity_per_chip for f in evidence.fits if f.fits},
        om_per_unit_year=price * scenario.cost.om_share_per_year,
        lease_per_unit_year=lease,
        life_years=scenario.cost.depreciation_years,
        lead_time_years=given.lead_time_years if given is not None else 0,
        availability=availability(scenario, evidence, given, buyable, years_open),
        port=evidence.scan_target if evidence.porting_person_days else None,
        risk=risk,
        resale_per_chip=_resale(scenario, evidence),
    )


def _lease_per_unit_year(scenario: Scenario, evidence: CandidateEvidence, given: Candidate) -> float | None:
    if given.lease_per_card_hour is None:
        return None
    rate = _in_currency(given.lease_per_card_hour, given.lease_currency, scenario)
    return rate * HOURS_PER_YEAR * evidence.unit_chips


def _in_currency(value: float, currency: str, scenario: Scenario) -> float:
    if currency.upper() == scenario.cost.currency.upper():
        return value
    rate = scenario.cost.exchange_rates.get(currency.upper())
    if rate is None:
        raise UnknownIdError("exchange rate (cost.exchange_rates)", currency, sorted(scenario.cost.exchange_rates))
    return value * rate


def _resale(scenario: Scenario, evidence: CandidateEvidence) -> dict[int, float]:
    given = scenario.resale.get(evidence.chip_id) or scenario.resale.get(evidence.id)
    if given is None:
        return {}
    now = _in_currency(given.value, given.currency, scenario)
    first = scenario.years[0]
    years = [*scenario.years, scenario.years[-1] + 1]
    return {y: max(0.0, now * (1 - given.yearly_decline * (y - first))) for y in years}


def workload_demand(scenario: Scenario) -> tuple[PlanWorkload, ...]:
    """Each workload's demand per plan year, grown by calendar years from the first."""
    out = []
    for w in scenario.workloads:
        base = w.output_tokens_per_s if isinstance(w, InferenceWorkload) else w.concurrent_runs
        first = scenario.years[0]
        demand = {y: base * (1 + w.growth_per_year) ** (y - first) for y in scenario.years}
        out.append(PlanWorkload(w.id, demand, tuple(w.sites)))
    return tuple(out)


def _sites(scenario: Scenario, fleet: FleetInput, blocks: dict[str, dict[str, dict[int, str]]]) -> tuple[PlanSite, ...]:
    given = {s.id: s for s in scenario.sites}
    ids = list(dict.fromkeys([*given, *fleet.existing]))
    sites = []
    for sid in ids:
        s = given.get(sid)
        tariff = s.electricity_per_kwh if s and s.electricity_per_kwh is not None else None
        sites.append(
            PlanSite(
                id=sid,
                existing=dict(fleet.existing.get(sid, {})),
                power_kw=s.power_kw if s else None,
                electricity_per_kwh=tariff if tariff is not None else scenario.cost.electricity_per_kwh,
                sector=(s.sector if s and s.sector else fleet.sectors.get(sid)),
                domestic_only=bool(s and s.state_funded and scenario.regulatory.state_funded_domestic_only),
                blocked=blocks.get(sid, {}),
            )
        )
    return tuple(sites)


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
        out.append(PlanTarget(name, t.year, TargetMetric(t.metric.value), t.min_share, scope, where))
    return tuple(out)


def porting_targets(
    scenario: Scenario, efforts: dict[str, float], options: tuple[PlanOption, ...], fleet: FleetInput
) -> tuple[PortingProject, ...]:
    """One porting target per stack the candidates need: cost and delay from the scan's person-days."""
    p = scenario.porting
    held = {o.port for o in options if o.port and any(o.id in site for site in fleet.existing.values())}
    done = set(p.done) if p.done is not None else held
    first = scenario.years[0]
    out = []
    for target in sorted({o.port for o in options if o.port}):
        days = efforts.get(target, 0.0)
        years = days / (p.team_size * p.working_days_per_year)
        delay = math.floor(years + 0.5)  # a port under half a year is ready for the first plan year
        out.append(PortingProject(target, days * p.day_rate, first + delay, done=target in done))
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
    efforts: dict[str, float],
    years_open: dict[str, dict[int, YearStatus]] | None = None,
    site_blocks: dict[str, dict[str, dict[int, str]]] | None = None,
) -> PlanProblem:
    """The plan problem; ``buyable`` are candidate ids that passed the gates (``candidates`` in scenario order)."""
    given = {e.id: c for e, c in zip(candidates, scenario.candidates, strict=True)}
    options: dict[str, PlanOption] = {}
    for e in [*candidates, *fleet_only]:
        if e.id in options:
            continue
        if e.price_per_chip is None and e.chip_id in fleet.unit_price:
            e = replace(e, price_per_chip=fleet.unit_price[e.chip_id], price_source="fleet register")
        candidate = given.get(e.id) if e.can_buy else None
        options[e.id] = plan_option(
            scenario,
            e,
            candidate,
            costs,
            buyable=e.id in buyable,
            risk=risks.get(e.id, 1.0),
            years_open=(years_open or {}).get(e.id),
        )
    sites = _sites(scenario, fleet, site_blocks or {})
    check_site_names(scenario, (s.id for s in sites), (s.sector for s in sites if s.sector))
    all_options = tuple(options.values())
    return PlanProblem(
        years=tuple(scenario.years),
        options=all_options,
        sites=sites,
        workloads=workload_demand(scenario),
        targets=_targets(scenario, sites),
        ports=porting_targets(scenario, efforts, all_options, fleet),
        budget={int(y): float(v) for y, v in scenario.budget_per_year.items()},
        budget_hard=scenario.plan.budget_hard,
        pue=scenario.cost.pue,
        discount_rate=scenario.cost.discount_rate,
        risk_weight=scenario.plan.risk_weight,
        headroom=scenario.plan.headroom,
        redeploy=scenario.plan.redeploy,
        move_cost_per_unit=scenario.plan.move_cost_per_server,
        time_limit_s=scenario.plan.time_limit_s,
        max_nodes=scenario.plan.max_nodes,
        mip_gap=scenario.plan.mip_gap,
    )
