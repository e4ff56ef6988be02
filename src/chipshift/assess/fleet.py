"""Adapter to the fleet engine: read the scenario's inventories, the domestic ratio now, and what each site holds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chipshift.assess.scenario import Scenario
from chipshift.catalog import Catalog

if TYPE_CHECKING:  # the fleet engine (SQLAlchemy) is imported when a scenario has inventories
    from chipshift.fleet import FleetPolicy, RatioReport


@dataclass
class FleetInput:
    """The fleet as the plan needs it, and the ratio report for the report."""

    existing: dict[str, dict[str, int]] = field(default_factory=dict)
    """Site -> chip id -> devices."""
    book_value: dict[str, dict[str, float]] = field(default_factory=dict)
    """Site -> chip id -> mean remaining book value per chip at the start of the plan (cost currency)."""
    unit_price: dict[str, float] = field(default_factory=dict)
    """Chip id -> mean purchase price per chip in the register (cost currency), where given."""
    sectors: dict[str, str] = field(default_factory=dict)
    """Site -> sector, where the inventory says."""
    ratios: RatioReport | None = None
    """The fleet engine's ratio report (None without inventories)."""
    unmatched: int = 0
    """Devices no catalog chip matched (left out of the plan)."""
    merged: int = 0
    """Devices listed by more than one inventory (or twice in one), counted once."""
    problems: list[str] = field(default_factory=list)
    """Lines that could not be read."""


def _policy(scenario: Scenario) -> FleetPolicy:
    from chipshift.fleet import FleetPolicy, FleetTarget, Metric, TargetScope

    targets = [
        FleetTarget(
            name=f"{t.metric.value} >= {t.min_share:.0%} by {t.year}",
            metric=Metric(t.metric.value),
            min_share=t.min_share,
            by=t.year,
            scope=TargetScope(site=t.scope.site, sector=t.scope.sector),
            source=t.source,
        )
        for t in scenario.targets
    ]
    return FleetPolicy(
        rule=scenario.domestic,
        currency=scenario.cost.currency,
        exchange_rates=dict(scenario.cost.exchange_rates),
        targets=targets,
    )


def _book_value(price: float | None, bought_year: int | None, start: int, life: int) -> float:
    if price is None:
        return 0.0
    age = 0 if bought_year is None else max(0, start - bought_year)
    return max(0.0, price * (1 - age / life))


def read_fleet(scenario: Scenario, catalog: Catalog) -> FleetInput:
    """Read every inventory, group devices per site and chip, and compute the domestic ratio now."""
    from chipshift.fleet import compute_ratios, read_inventories

    out = FleetInput()
    if not scenario.inventories:
        return out
    devices = []
    for read in read_inventories(scenario.inventories, catalog=catalog):  # each device once across the files
        devices.extend(read.devices)
        out.problems.extend(p.describe(str(read.path)) for p in read.problems)
        out.merged += read.merged_count
    policy = _policy(scenario)
    out.ratios = compute_ratios(devices, catalog, policy=policy)
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    prices: dict[str, list[float]] = defaultdict(list)
    start, life = scenario.years[0], scenario.cost.depreciation_years
    for d in devices:
        if d.chip_id is None:
            out.unmatched += d.count
            continue
        site = d.site or "(none)"
        out.existing.setdefault(site, {}).setdefault(d.chip_id, 0)
        out.existing[site][d.chip_id] += d.count
        if d.sector:
            out.sectors[site] = d.sector
        price = _in_currency(d.price, d.record.currency, scenario)
        if price is not None:
            prices[d.chip_id].extend([price] * d.count)
        bought = d.record.purchase_date.year if d.record.purchase_date else None
        values[site, d.chip_id].extend([_book_value(price, bought, start, life)] * d.count)
    out.unit_price = {chip: sum(v) / len(v) for chip, v in prices.items()}
    for (site, chip), vals in values.items():
        out.book_value.setdefault(site, {})[chip] = sum(vals) / len(vals)
    return out


def _in_currency(price: float | None, currency: str | None, scenario: Scenario) -> float | None:
    if price is None:
        return None
    if currency is None or currency.upper() == scenario.cost.currency.upper():
        return price
    rate = scenario.cost.exchange_rates.get(currency.upper())
    return None if rate is None else price * rate
