"""What compare and plan need from a scenario: weights, cost inputs, first-year demand and gate options."""

from __future__ import annotations

from chipshift.assess.outlooks import DrawnRules
from chipshift.assess.scenario import Scenario
from chipshift.decide import (
    CompareOptions,
    CostInputs,
    Dimension,
    DimensionWeights,
    ahp_weights,
    direct_weights,
)
from chipshift.plan import UncertaintySpec


def scenario_weights(scenario: Scenario) -> DimensionWeights:
    """The scenario's weights, direct or by AHP."""
    w = scenario.weights
    if w.ahp is not None:
        return ahp_weights(w.ahp.matrix, w.ahp.ranking)
    return direct_weights(
        {
            Dimension.TECHNOLOGY: w.technology,
            Dimension.ECOSYSTEM: w.ecosystem,
            Dimension.COMMERCIAL: w.commercial,
            Dimension.STRATEGIC: w.strategic,
        }
    )


def cost_inputs(scenario: Scenario) -> CostInputs:
    """The scenario's TCO inputs."""
    c = scenario.cost
    return CostInputs(
        pue=c.pue,
        load_factor=c.load_factor,
        electricity_per_kwh=c.electricity_per_kwh,
        depreciation_years=c.depreciation_years,
        server_overhead=c.server_overhead,
        tariff_by_country=dict(scenario.regulatory.tariff),
        discount_rate=c.discount_rate,
        host_power_overhead=c.host_power_overhead,
        om_share_per_year=c.om_share_per_year,
        utilisation=c.mean_utilisation,
        day_rate=scenario.porting.day_rate,
    )


def first_year_demand(scenario: Scenario) -> dict[str, float]:
    """Demand of each workload in the first plan year."""
    return {w.id: (w.output_tokens_per_s if w.kind == "inference" else w.concurrent_runs) for w in scenario.workloads}


def compare_options(scenario: Scenario, blocked: dict[str, str] | None = None) -> CompareOptions:
    """Compare options from a scenario; ``blocked`` are candidates no plan year allows, with the rules."""
    return CompareOptions(
        demand=first_year_demand(scenario),
        costs=cost_inputs(scenario),
        weights=scenario_weights(scenario),
        procurement_list=scenario.gates.procurement_list,
        banned=dict(scenario.gates.banned),
        blocked=dict(blocked or {}),
    )


def uncertainty_spec(
    scenario: Scenario, rules: DrawnRules | None = None, capacity_error: tuple[float, ...] = ()
) -> UncertaintySpec:
    """The scenario's Monte Carlo section as the plan engine takes it: ``rules`` are the rule changes to draw
    (:func:`chipshift.assess.outlooks.drawn_rules`), ``capacity_error`` the performance model's measured /
    predicted ratios (used when ``monte_carlo.model_error`` is on)."""
    mc = scenario.monte_carlo
    return UncertaintySpec(
        runs=mc.runs,
        seed=mc.seed,
        price_sigma=mc.price_sigma,
        growth_sigma=mc.growth_sigma,
        events=rules.events if rules else (),
        allowed_after=rules.allowed_after if rules else {},
        supply_shortfall=mc.supply_shortfall,
        lead_time_slip=mc.lead_time_slip,
        capacity_error=capacity_error if mc.model_error else (),
        fix=mc.fix,
    )
