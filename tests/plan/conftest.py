"""Small plan problems built by hand: two sites, an NVIDIA fleet, a domestic candidate with limited supply."""

from __future__ import annotations

import pytest

from chipshift.plan import (
    Availability,
    PlanOption,
    PlanProblem,
    PlanSite,
    PlanTarget,
    PlanWorkload,
    TargetMetric,
)

YEARS = (2025, 2026, 2027)


@pytest.fixture
def problem() -> PlanProblem:
    options = (
        PlanOption(
            "nv", "nv", domestic=False, unit_chips=8, unit_price=8 * 125_000, unit_power_kw=8 * 0.4, tflops=148,
            value_per_chip=125_000, capacity={"chat": 400}, resale_per_chip={2025: 60_000, 2026: 45_000,
            2027: 30_000, 2028: 15_000},
        ),
        PlanOption(
            "cn", "cn", domestic=True, unit_chips=8, unit_price=8 * 150_000, unit_power_kw=8 * 0.4, tflops=320,
            value_per_chip=150_000, capacity={"chat": 300},
            availability={year: Availability(cap_units=50) for year in YEARS},
        ),
        PlanOption(
            "old", "old", domestic=False, unit_chips=8, unit_price=0.0, unit_power_kw=8 * 0.4, tflops=312,
            value_per_chip=90_000, capacity={"chat": 100}, resale_per_chip={2025: 20_000, 2026: 15_000,
            2027: 10_000, 2028: 5_000},
        ),
    )  # fmt: skip
    sites = (
        PlanSite("sh", existing={"nv": 64, "old": 36}, power_kw=200, electricity_per_kwh=0.7),
        PlanSite("bj", existing={"cn": 16}, power_kw=150),
    )
    workloads = (PlanWorkload("chat", {2025: 30_000, 2026: 40_000, 2027: 50_000}),)
    targets = (PlanTarget("half domestic", 2026, TargetMetric.COUNT, 0.5, ("sh", "bj")),)
    return PlanProblem(
        YEARS, options, sites, workloads, targets, budget={2025: 20e6, 2026: 20e6, 2027: 20e6}, discount_rate=0.06
    )
