"""The domestic ratio (国产化率) of a fleet: shares by count, equivalent count, compute, edge compute, memory, value
and power.

Each share is domestic ÷ total over the devices whose figure and domestic status are known; devices left out are
counted in ``unknown_devices`` so a reader sees how much of the fleet the share covers. Figures per device: compute is
the catalog's dense BF16 TFLOPS (FP16 where BF16 is unknown) of every chip but automotive and edge ones, which are
rated in their own basis, dense INT8 TOPS, in ``edge_compute`` (a sum of the two would add unlike things); the
equivalent count weighs a chip by the ratio of the chips it replaces, from the targets file or else the catalog
(one NX9031 for four Orin-X); memory the catalog capacity in GB, or what the device reported; value the register's
purchase price, or the catalog price, converted with the user's exchange rates; power the device's reported power
limit, or the catalog TDP.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from chipshift.catalog import Catalog, Chip, ChipKind, Precision
from chipshift.fleet.model import FleetDevice
from chipshift.fleet.rules import METRIC_UNITS, DomesticRule, FleetPolicy, FleetTarget, Metric

NO_GROUP = "(none)"
MIB_TO_GB = 1.048576 / 1000
EDGE_KINDS = frozenset({ChipKind.AUTOMOTIVE})
"""Chips rated in dense INT8 TOPS (``edge_compute``) rather than BF16 TFLOPS (``compute``)."""


@dataclass(frozen=True)
class Share:
    """Domestic and total of one metric over one group of devices."""

    domestic: float
    """Sum over domestic devices."""
    total: float
    """Sum over all devices whose figure and status are known."""
    unknown_devices: int
    """Devices left out because their figure or their domestic status is unknown."""

    @property
    def ratio(self) -> float | None:
        """domestic ÷ total, None when nothing is known."""
        return self.domestic / self.total if self.total > 0 else None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "domestic": self.domestic,
            "total": self.total,
            "ratio": self.ratio,
            "unknown_devices": self.unknown_devices,
        }


@dataclass
class _Tally:
    domestic: dict[Metric, float] = field(default_factory=lambda: dict.fromkeys(Metric, 0.0))
    total: dict[Metric, float] = field(default_factory=lambda: dict.fromkeys(Metric, 0.0))
    unknown: dict[Metric, int] = field(default_factory=lambda: dict.fromkeys(Metric, 0))

    def add(self, domestic: bool | None, values: dict[Metric, float | None], count: int) -> None:
        """Add a group of devices; a metric missing from ``values`` does not apply to them (not even as unknown)."""
        for metric, value in values.items():
            if value is None or domestic is None:
                self.unknown[metric] += count
                continue
            self.total[metric] += value
            if domestic:
                self.domestic[metric] += value

    def shares(self) -> dict[Metric, Share]:
        return {m: Share(self.domestic[m], self.total[m], self.unknown[m]) for m in Metric}


@dataclass(frozen=True)
class TargetCheck:
    """A target and where the fleet stands against it."""

    target: FleetTarget
    """The target."""
    share: Share
    """The fleet's share in the target's scope and metric."""

    @property
    def met(self) -> bool | None:
        """Whether the share reaches the target today (None when nothing in scope is known)."""
        ratio = self.share.ratio
        return None if ratio is None else ratio >= self.target.min_share - 1e-12

    @property
    def gap(self) -> float | None:
        """Target share minus current share (positive = short of the target)."""
        ratio = self.share.ratio
        return None if ratio is None else self.target.min_share - ratio

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "name": self.target.name,
            "metric": self.target.metric.value,
            "min_share": self.target.min_share,
            "by": self.target.by,
            "scope": self.target.scope.describe(),
            "share": self.share.to_dict(),
            "met": self.met,
            "gap": self.gap,
        }


@dataclass(frozen=True)
class RatioReport:
    """Domestic shares of a fleet, overall and per site, sector and business unit, with target checks."""

    rule: DomesticRule
    """The rule used to decide what is domestic."""
    currency: str
    """Currency of the value metric."""
    device_count: int
    """Devices in the fleet."""
    unmatched_count: int
    """Devices not tied to a catalog chip."""
    overall: dict[Metric, Share]
    """Whole fleet."""
    by_site: dict[str, dict[Metric, Share]]
    """Per site."""
    by_sector: dict[str, dict[Metric, Share]]
    """Per sector."""
    by_business_unit: dict[str, dict[Metric, Share]]
    """Per business unit."""
    targets: list[TargetCheck] = field(default_factory=list)
    """Target checks, where a targets file was given."""
    consolidation: list[str] = field(default_factory=list)
    """Consolidation ratios applied to ``equivalent_count``, as sentences."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""

        def table(shares: dict[Metric, Share]) -> dict[str, Any]:
            return {m.value: s.to_dict() for m, s in shares.items()}

        return {
            "rule": {
                "basis": self.rule.basis.value,
                "countries": list(self.rule.countries),
                "description": self.rule.describe(),
            },
            "currency": self.currency,
            "units": {m.value: (self.currency if m is Metric.VALUE else u) for m, u in METRIC_UNITS.items()},
            "device_count": self.device_count,
            "unmatched_count": self.unmatched_count,
            "overall": table(self.overall),
            "by_site": {k: table(v) for k, v in self.by_site.items()},
            "by_sector": {k: table(v) for k, v in self.by_sector.items()},
            "by_business_unit": {k: table(v) for k, v in self.by_business_unit.items()},
            "targets": [t.to_dict() for t in self.targets],
            "consolidation": self.consolidation,
        }


@dataclass(frozen=True)
class _Figures:
    """How per-device figures are found: catalog, policy and resolved consolidation factors."""

    catalog: Catalog
    policy: FleetPolicy
    factors: dict[str, float]

    def per_unit(self, device: FleetDevice, chip: Chip | None) -> dict[Metric, float | None]:
        """Each metric's figure for one device, None when unknown; a metric that does not apply is left out
        (``compute`` of an automotive chip, ``edge_compute`` of any other)."""
        memory = chip.memory.capacity_gb.value if chip and chip.memory.capacity_gb else None
        if memory is None and device.record.memory_mib:
            memory = device.record.memory_mib * MIB_TO_GB
        power = device.record.power_limit_w or (chip.tdp_w.value if chip and chip.tdp_w else None)
        factor = self.factors.get(device.chip_id or "", 1.0)
        figures: dict[Metric, float | None] = {Metric.COUNT: 1.0, Metric.EQUIVALENT_COUNT: factor}
        if chip is not None and chip.kind in EDGE_KINDS:
            figures[Metric.EDGE_COMPUTE] = chip.tflops(Precision.INT8)
        else:
            figures[Metric.COMPUTE] = chip.tflops(Precision.BF16) or chip.tflops(Precision.FP16) if chip else None
        figures |= {Metric.MEMORY: memory, Metric.VALUE: self.value(device, chip), Metric.POWER: power}
        return figures

    def value(self, device: FleetDevice, chip: Chip | None) -> float | None:
        price, currency = device.record.price, device.record.currency
        if price is None and chip is not None and chip.price is not None:
            price, currency = chip.price.value, chip.price.currency
        if price is None:
            return None
        if currency is None or currency.upper() == self.policy.currency.upper():
            return price
        rate = self.policy.exchange_rates.get(currency.upper())
        return None if rate is None else price * rate


def _resolve_factors(policy: FleetPolicy, catalog: Catalog, present: set[str]) -> tuple[dict[str, float], list[str]]:
    """Equivalent-count factors: the targets file's consolidation ratios, then the catalog's replacements (each
    chip's first) for the chips in the fleet that the file does not set."""
    factors: dict[str, float] = {}
    sentences: list[str] = []
    for item in policy.consolidation:
        chip = catalog.chip(item.chip)
        replaced = catalog.chip(item.replaces)
        factors[chip.id] = item.ratio
        sentences.append(f"one {chip.name} counts as {item.ratio:g} {replaced.name} in equivalent_count")
    for chip_id in sorted(present - set(factors)):
        found = catalog.chips.get(chip_id)
        if found is None or not found.replaces:
            continue
        replacement = found.replaces[0]
        replaced = catalog.chips[replacement.chip]
        factors[found.id] = replacement.ratio
        sentences.append(
            f"one {found.name} counts as {replacement.ratio:g} {replaced.name} in equivalent_count (catalog: "
            f"{replacement.confidence.value}, {replacement.source}; a consolidation ratio in --targets overrides it)"
        )
    return factors, sentences


def _group_key(device: FleetDevice) -> tuple[Any, ...]:
    r = device.record
    return (
        device.chip_id,
        device.designer_country,
        r.site,
        r.sector,
        r.business_unit,
        r.price,
        r.currency,
        r.power_limit_w,
        r.memory_mib,
    )


def compute_ratios(
    devices: Iterable[FleetDevice],
    catalog: Catalog,
    *,
    rule: DomesticRule | None = None,
    policy: FleetPolicy | None = None,
) -> RatioReport:
    """Domestic shares by every metric, overall and per site, sector and business unit, and the policy's targets.

    ``rule`` overrides the policy's rule; with neither, the default rule (designer in mainland China) is used.
    """
    policy = policy or FleetPolicy()
    rule = rule or policy.rule
    groups: Counter[tuple[Any, ...]] = Counter()
    samples: dict[tuple[Any, ...], FleetDevice] = {}
    for device in devices:
        key = _group_key(device)
        groups[key] += device.count
        samples.setdefault(key, device)
    factors, sentences = _resolve_factors(policy, catalog, {d.chip_id for d in samples.values() if d.chip_id})
    figures = _Figures(catalog, policy, factors)
    overall, unmatched = _Tally(), 0
    by: dict[str, dict[str, _Tally]] = {"site": {}, "sector": {}, "business_unit": {}}
    for key, count in groups.items():
        device = samples[key]
        chip = catalog.chips.get(device.chip_id) if device.chip_id else None
        unmatched += count if chip is None else 0
        domestic = rule.is_domestic(
            chip.designer_country if chip else device.designer_country, chip.fab_country if chip else None
        )
        values = {m: (None if v is None else v * count) for m, v in figures.per_unit(device, chip).items()}
        overall.add(domestic, values, count)
        for dimension, tallies in by.items():
            name = getattr(device.record, dimension) or NO_GROUP
            tallies.setdefault(name, _Tally()).add(domestic, values, count)
    report = RatioReport(
        rule=rule,
        currency=policy.currency,
        device_count=sum(groups.values()),
        unmatched_count=unmatched,
        overall=overall.shares(),
        by_site={k: t.shares() for k, t in sorted(by["site"].items())},
        by_sector={k: t.shares() for k, t in sorted(by["sector"].items())},
        by_business_unit={k: t.shares() for k, t in sorted(by["business_unit"].items())},
        consolidation=sentences,
    )
    return _with_targets(report, policy.targets, groups, samples, figures, rule)


def _with_targets(
    report: RatioReport,
    targets: list[FleetTarget],
    groups: Counter[tuple[Any, ...]],
    samples: dict[tuple[Any, ...], FleetDevice],
    figures: _Figures,
    rule: DomesticRule,
) -> RatioReport:
    checks: list[TargetCheck] = []
    for target in targets:
        tally = _Tally()
        wanted = {k: v for k, v in target.scope.model_dump().items() if v is not None}
        for key, count in groups.items():
            device = samples[key]
            if any((getattr(device.record, k) or "").lower() != str(v).lower() for k, v in wanted.items()):
                continue
            chip = figures.catalog.chips.get(device.chip_id) if device.chip_id else None
            domestic = rule.is_domestic(
                chip.designer_country if chip else device.designer_country, chip.fab_country if chip else None
            )
            per_unit = figures.per_unit(device, chip)
            if target.metric not in per_unit:
                continue
            value = per_unit[target.metric]
            tally.add(domestic, {target.metric: None if value is None else value * count}, count)
        checks.append(TargetCheck(target, tally.shares()[target.metric]))
    return replace(report, targets=checks)
