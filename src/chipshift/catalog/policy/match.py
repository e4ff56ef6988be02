"""Whether a rule's predicate holds for a chip and a buyer, three-valued, with the working.

A condition on a figure the catalog lacks is *undetermined* (never assumed true or false) and names the figure. Every
condition that decides the result leaves one line of working: which figure, its value, the threshold.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from chipshift.catalog.classify import ExportClass, classify_chip
from chipshift.catalog.policy.model import BuyerPredicate, ChipPredicate, EndUse, Sector, Transaction
from chipshift.catalog.schema import Chip, ChipKind, ChipStatus


class Match(enum.StrEnum):
    """Outcome of a predicate."""

    APPLIES = "applies"
    DOES_NOT_APPLY = "does-not-apply"
    UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class Buyer:
    """Who buys, for what, and how the chips reach them; the default is a private commercial buyer in China buying
    chips exported from the US."""

    sector: Sector = Sector.COMMERCIAL
    """The buyer's sector."""
    state_funded: bool = False
    """The project receives state funds (any)."""
    critical_infrastructure: bool = False
    """The buyer operates critical information infrastructure."""
    end_use: EndUse | None = None
    """What the chips are for, where known."""
    transaction: Transaction = Transaction.EXPORT
    """Export from the US, re-export from a third country, or transfer inside China."""


@dataclass(frozen=True)
class ChipFacts:
    """The figures of a chip that rules test, computed once per chip."""

    chip_id: str
    vendor: str
    designer_country: str
    fab_country: str | None
    kind: ChipKind
    status: ChipStatus
    export_class: ExportClass
    tpp: float | None
    """TPP from the firmest dense figures."""
    density: float | None
    memory_bandwidth_gb_s: float | None
    interconnect_gb_s: float | None
    hbm: bool | None

    @property
    def datacenter(self) -> bool:
        """Designed or marketed for data centres."""
        return self.kind in {ChipKind.DATACENTER_TRAINING, ChipKind.DATACENTER_INFERENCE}

    @classmethod
    def of(cls, chip: Chip) -> ChipFacts:
        """The facts of one chip."""
        result = classify_chip(chip)
        memory_type = chip.memory.type
        hbm = None if memory_type is None else any(k in memory_type.upper() for k in ("HBM", "HIBL", "HIZQ"))
        bandwidth = chip.memory.bandwidth_gb_s
        link = chip.scale_up.bandwidth_gb_s
        return cls(
            chip_id=chip.id,
            vendor=chip.vendor,
            designer_country=chip.designer_country,
            fab_country=chip.fab_country,
            kind=chip.kind,
            status=chip.status,
            export_class=result.export_class,
            tpp=result.tpp,
            density=result.performance_density,
            memory_bandwidth_gb_s=None if bandwidth is None else bandwidth.value,
            interconnect_gb_s=None if link is None else link.value,
            hbm=hbm,
        )


@dataclass(frozen=True)
class Outcome:
    """A predicate's result with the lines that decided it and the figures it lacked."""

    match: Match
    working: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


YES = Match.APPLIES
NO = Match.DOES_NOT_APPLY
UNKNOWN = Match.UNDETERMINED


def _member(label: str, value: str | None, allowed: Iterable[str], negate: bool = False) -> Outcome:
    shown = list(allowed)
    if value is None:
        return Outcome(UNKNOWN, (f"{label} unknown",), (label,))
    inside = value.upper() in {a.upper() for a in shown}
    holds = inside != negate
    verb = "in" if inside else "not in"
    return Outcome(YES if holds else NO, (f"{label} {value} {verb} [{', '.join(shown)}]",))


def _threshold(label: str, value: float | None, limit: float, at_least: bool, unit: str = "") -> Outcome:
    if value is None:
        return Outcome(UNKNOWN, (f"{label} unknown (needed: {'>=' if at_least else '<'} {limit:,g}{unit})",), (label,))
    holds = value >= limit if at_least else value < limit
    sign = (">=" if holds else "<") if at_least else ("<" if holds else ">=")
    return Outcome(YES if holds else NO, (f"{label} {value:,g}{unit} {sign} {limit:,g}{unit}",))


def _flag(label: str, value: bool | None, wanted: bool) -> Outcome:
    if value is None:
        return Outcome(UNKNOWN, (f"{label} unknown",), (label,))
    return Outcome(YES if value == wanted else NO, (f"{label}: {'yes' if value else 'no'}",))


def all_of(outcomes: Iterable[Outcome]) -> Outcome:
    """Every condition holds (one failing condition decides; otherwise any unknown leaves it undetermined)."""
    found = list(outcomes)
    failed = [o for o in found if o.match is NO]
    if failed:
        return Outcome(NO, failed[0].working)
    working = tuple(line for o in found for line in o.working)
    missing = tuple(m for o in found for m in o.missing)
    return Outcome(UNKNOWN if missing else YES, working, missing)


def any_of(outcomes: Iterable[Outcome]) -> Outcome:
    """At least one alternative holds."""
    found = list(outcomes)
    held = [o for o in found if o.match is YES]
    if held:
        return Outcome(YES, held[0].working)
    unknown = [o for o in found if o.match is UNKNOWN]
    if unknown:
        return Outcome(
            UNKNOWN, tuple(x for o in unknown for x in o.working), tuple(m for o in unknown for m in o.missing)
        )
    return Outcome(NO, tuple(x for o in found for x in o.working))


def _combined(facts: ChipFacts) -> float | None:
    if facts.memory_bandwidth_gb_s is None or facts.interconnect_gb_s is None:
        return None
    return facts.memory_bandwidth_gb_s + facts.interconnect_gb_s


def _identity_checks(p: ChipPredicate, f: ChipFacts) -> list[Outcome]:
    found: list[Outcome] = []
    if p.chip_ids:
        found.append(_member("chip", f.chip_id, p.chip_ids))
    if p.vendors:
        found.append(_member("vendor", f.vendor, p.vendors))
    if p.designer_countries:
        found.append(_member("designer country", f.designer_country, p.designer_countries))
    if p.not_designer_countries:
        found.append(_member("designer country", f.designer_country, p.not_designer_countries, negate=True))
    if p.fab_countries:
        found.append(_member("fab country", f.fab_country, p.fab_countries))
    if p.not_fab_countries:
        found.append(_member("fab country", f.fab_country, p.not_fab_countries, negate=True))
    if p.kinds:
        found.append(_member("kind", f.kind.value, [k.value for k in p.kinds]))
    if p.datacenter is not None:
        found.append(_flag("designed or marketed for data centres", f.datacenter, p.datacenter))
    if p.statuses:
        found.append(_member("market status", f.status.value, [s.value for s in p.statuses]))
    return found


def _class_check(p: ChipPredicate, f: ChipFacts) -> list[Outcome]:
    if not p.export_classes:
        return []
    if f.export_class is ExportClass.UNKNOWN and ExportClass.UNKNOWN not in p.export_classes:
        return [Outcome(UNKNOWN, ("3A090 class unknown",), ("export class",))]
    return [_member("3A090 class", f.export_class.value, [c.value for c in p.export_classes])]


def _figure_checks(p: ChipPredicate, f: ChipFacts) -> list[Outcome]:
    tests: list[tuple[str, float | None, float | None, bool, str]] = [
        ("TPP", f.tpp, p.tpp_min, True, ""),
        ("TPP", f.tpp, p.tpp_below, False, ""),
        ("performance density", f.density, p.density_min, True, ""),
        ("memory bandwidth", f.memory_bandwidth_gb_s, p.memory_bandwidth_min_gb_s, True, " GB/s"),
        ("memory bandwidth", f.memory_bandwidth_gb_s, p.memory_bandwidth_below_gb_s, False, " GB/s"),
        ("interconnect bandwidth", f.interconnect_gb_s, p.interconnect_min_gb_s, True, " GB/s"),
        ("memory + interconnect bandwidth", _combined(f), p.combined_bandwidth_min_gb_s, True, " GB/s"),
    ]
    found = [_threshold(label, value, limit, at_least, unit) for label, value, limit, at_least, unit in tests if limit]
    if p.hbm is not None:
        found.append(_flag("HBM", f.hbm, p.hbm))
    return found


def chip_outcome(predicate: ChipPredicate, facts: ChipFacts) -> Outcome:
    """Whether a chip predicate holds for a chip's facts."""
    parts = _identity_checks(predicate, facts) + _class_check(predicate, facts) + _figure_checks(predicate, facts)
    if predicate.any_of:
        parts.append(any_of(chip_outcome(alternative, facts) for alternative in predicate.any_of))
    return all_of(parts) if parts else Outcome(YES, ("any chip",))


def buyer_outcome(predicate: BuyerPredicate, buyer: Buyer) -> Outcome:
    """Whether a buyer predicate holds for a buyer (buyers are fully described, so never undetermined)."""
    parts: list[Outcome] = []
    if predicate.sectors:
        parts.append(_member("buyer sector", buyer.sector.value, [s.value for s in predicate.sectors]))
    if predicate.state_funded is not None:
        parts.append(_flag("state-funded", buyer.state_funded, predicate.state_funded))
    if predicate.critical_infrastructure is not None:
        parts.append(
            _flag(
                "critical information infrastructure", buyer.critical_infrastructure, predicate.critical_infrastructure
            )
        )
    if predicate.end_uses:
        use = None if buyer.end_use is None else buyer.end_use.value
        parts.append(_member("end use", use, [u.value for u in predicate.end_uses]))
    if predicate.transactions:
        parts.append(_member("transaction", buyer.transaction.value, [t.value for t in predicate.transactions]))
    return all_of(parts) if parts else Outcome(YES)
