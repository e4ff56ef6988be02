"""Small plan problems built by hand."""

from __future__ import annotations

import pytest

from chipshift.plan.model import PlanOption, PlanProblem, PlanSite, PlanTarget, PlanWorkload, TargetMetric


@pytest.fixture
def problem() -> PlanProblem:
    options = (
        PlanOption("nv", domestic=False, price=100_000, power_kw=0.4, tflops=148, capacity={"chat": 400}),
        PlanOption(
            "cn", domestic=True, price=120_000, power_kw=0.4, tflops=320, capacity={"chat": 300}, supply_per_year=400
        ),
        PlanOption(
            "old", domestic=False, price=90_000, power_kw=0.4, tflops=312, capacity={"chat": 100}, buy_years=frozenset()
        ),
    )
    sites = (
        PlanSite(
            "sh",
            existing={"nv": 64, "old": 32},
            existing_book_value={"nv": 60_000, "old": 20_000},
            power_kw=200,
            electricity_per_kwh=0.7,
        ),
        PlanSite("bj", existing={"cn": 16}, existing_book_value={"cn": 100_000}, power_kw=150),
    )
    workloads = (PlanWorkload("chat", {2025: 30_000, 2026: 40_000, 2027: 50_000}),)
    targets = (PlanTarget("half domestic", 2026, TargetMetric.COUNT, 0.5, ("sh", "bj")),)
    return PlanProblem(
        (2025, 2026, 2027), options, sites, workloads, targets, budget={2025: 20e6, 2026: 20e6, 2027: 20e6}
    )
