"""Which uncertain inputs drive the recommended plan's tail: a tornado, one input at a time.

Each input the sweep draws is set to a low and a high value (the 10th and 90th percentiles of its distribution; an
event happens or not; a slip or a shortfall occurs or not) while every other input stays neutral, and the recourse
problem is solved for both. Inputs that can make a target or demand go unmet rank first, then by the swing of the
plan's cost. The solves are independent, so they run on the sweep's executor.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from chipshift.plan.executors import Executor
from chipshift.plan.model import FixedDecisions, PlanProblem, UncertaintySpec
from chipshift.plan.montecarlo import Draw, RunOutcome, run_one

Z90 = 1.2816
"""The standard normal's 90th percentile."""


@dataclass(frozen=True)
class TornadoBar:
    """One uncertain input set to its low and its high value, everything else neutral."""

    kind: str
    """``price``, ``growth``, ``event``, ``supply``, ``delivery`` or ``performance``."""
    subject: str
    """The candidate, workload or event it moves (``huawei-ascend-910b``; ``nvidia-h20 revoked 2026``)."""
    low_label: str
    """The low value, language-neutral (``×0.83``, ``−13%``, ``✗``, ``+0``)."""
    high_label: str
    npv_low: float
    npv_high: float
    base_npv: float
    misses_low: bool
    """Whether the low value makes a target or demand go unmet."""
    misses_high: bool
    change: str = ""
    """For a rule change: what happens to the rule (``ends``, ``enacted``, ``revoked``, ``granted``)."""

    @property
    def swing(self) -> float:
        """Spread of the plan's cost between the two values."""
        return abs(self.npv_high - self.npv_low)

    @property
    def input(self) -> str:
        """The input in English words (for the CLI)."""
        words = INPUT_WORDS[self.kind].format(subject=self.subject)
        return f"{words} {self.change}" if self.change else words


INPUT_WORDS = {
    "price": "price of {subject}",
    "growth": "demand growth of {subject}",
    "event": "rule change {subject}",
    "supply": "supply of {subject}",
    "delivery": "delivery of {subject} (years late)",
    "performance": "performance of {subject}",
}
"""How the CLI names each kind of input; the report's message catalogs have their own."""


@dataclass(frozen=True)
class _Input:
    kind: str
    subject: str
    low_label: str
    high_label: str
    low: Draw
    high: Draw
    change: str = ""


def _neutral(problem: PlanProblem) -> Draw:
    return Draw(-1, {o.id: 1.0 for o in problem.options}, {w.id: 0.0 for w in problem.workloads})


def _factor(base: Draw, field: str, key: str, value: float) -> Draw:
    """``base`` with one entry of one of its per-option or per-workload maps (``price_factor``, ...) changed."""
    current: dict[str, float] = getattr(base, field)
    changes: dict[str, Any] = {field: {**current, key: value}}
    return dataclasses.replace(base, **changes)


def inputs(problem: PlanProblem, spec: UncertaintySpec) -> list[_Input]:
    """Every input the sweep draws that can change something, with its low and high draw."""
    base = _neutral(problem)
    bought = [o for o in problem.options if o.unit_price > 0 or o.leased]
    found: list[_Input] = []
    if spec.price_sigma > 0:
        low, high = math.exp(-Z90 * spec.price_sigma), math.exp(Z90 * spec.price_sigma)
        for o in bought:
            pair = (_factor(base, "price_factor", o.id, low), _factor(base, "price_factor", o.id, high))
            found.append(_Input("price", o.id, f"×{low:.2f}", f"×{high:.2f}", *pair))
    if spec.growth_sigma > 0:
        delta = Z90 * spec.growth_sigma
        for w in problem.workloads:
            pair = (_factor(base, "growth_delta", w.id, -delta), _factor(base, "growth_delta", w.id, delta))
            found.append(_Input("growth", w.id, f"{-delta:+.0%}", f"{delta:+.0%}", *pair))
    for index, event in enumerate(spec.events):
        year = event.first_year()
        if year is not None:
            happens = dataclasses.replace(base, events=((index, year),))
            subject = event.subject or event.name
            found.append(_Input("event", subject, "✗", f"✓ {year}", base, happens, event.change))
    for o in bought:
        if spec.supply_shortfall > 0 and any(o.available(y).cap_units is not None for y in problem.years):
            short = _factor(base, "supply_factor", o.id, 1 - spec.supply_shortfall)
            found.append(_Input("supply", o.id, "100%", f"{1 - spec.supply_shortfall:.0%}", base, short))
        if spec.lead_time_slip > 0:
            late = dataclasses.replace(base, slipped=frozenset({o.id}))
            found.append(_Input("delivery", o.id, "+0", "+1", base, late))
    if spec.capacity_error:
        low, high = (float(v) for v in np.percentile(np.asarray(spec.capacity_error), [10, 90]))
        for o in problem.options:
            pair = (_factor(base, "capacity_factor", o.id, low), _factor(base, "capacity_factor", o.id, high))
            found.append(_Input("performance", o.id, f"×{low:.2f}", f"×{high:.2f}", *pair))
    return found


def _misses(outcome: RunOutcome) -> bool:
    return not all(outcome.demand_met.values()) or not all(
        met for years in outcome.targets_met.values() for met in years.values()
    )


def tornado(problem: PlanProblem, spec: UncertaintySpec, fixed: FixedDecisions, pool: Executor) -> list[TornadoBar]:
    """The tornado's bars, the inputs that can cause a miss first, then by cost swing."""
    found = inputs(problem, spec)
    tasks = [(problem, spec, _neutral(problem), fixed)]
    for item in found:
        tasks += [(problem, spec, item.low, fixed), (problem, spec, item.high, fixed)]
    outcomes = pool.map(run_one, tasks)
    base = outcomes[0]
    bars = []
    for index, item in enumerate(found):
        low, high = outcomes[1 + 2 * index], outcomes[2 + 2 * index]
        labels = (item.kind, item.subject, item.low_label, item.high_label)
        bars.append(TornadoBar(*labels, low.npv, high.npv, base.npv, _misses(low), _misses(high), item.change))
    return sorted(bars, key=lambda b: (not (b.misses_low or b.misses_high), -b.swing, b.kind, b.subject))
