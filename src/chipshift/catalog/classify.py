"""US export-control class of a chip, computed from its specs under the October 2023 rules (ECCN 3A090).

- TPP (total processing performance) = max over precisions of dense TOPS or TFLOPS x operand bit length.
- PD (performance density) = TPP / logic die area in mm².
- 3A090.a: TPP >= 4,800, or TPP >= 1,600 and PD >= 5.92.
- 3A090.b: 2,400 <= TPP < 4,800 and 1.6 <= PD < 5.92, or TPP >= 1,600 and 3.2 <= PD < 5.92.
- A chip not designed or marketed for data centres is caught only by TPP >= 4,800 (the PD tests do not apply).

The thresholds live in ``rules/export_controls.yaml`` beside this file, with their sources. TPP is computed from the
firmest figures known (vendor specification before measurement, press, estimate and claim) and the working names the
figure used; a higher figure of lower confidence is shown beside it. Where only a marketed figure is known (sparse
or of unstated basis) it bounds the dense one from above, and the class is decided when that bound is enough. The
result never guesses a figure. This is a technical reading of the thresholds, not legal advice: licence policies on
top of them (the April 2025 H20 licence requirement, the January 2026 case-by-case lane) are dated rules in
:mod:`chipshift.catalog.policy`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from chipshift.catalog.schema import (
    BIT_LENGTH,
    CONFIDENCE_RANK,
    Chip,
    ChipKind,
    Confidence,
    Figure,
    Precision,
    ThroughputBasis,
)
from chipshift.datafiles import load_package_yaml


class ExportClass(enum.StrEnum):
    """Outcome of the 3A090 tests."""

    ECCN_3A090_A = "3A090.a"
    ECCN_3A090_B = "3A090.b"
    NOT_COVERED = "not covered"
    UNKNOWN = "unknown"


class Thresholds(BaseModel):
    """The numeric thresholds of ECCN 3A090 (October 2023 rule, as corrected April 2024)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    """Name and date of the rule."""
    source: str
    """Where the thresholds are published."""
    a_tpp: float
    """3A090.a.1: TPP at or above this is covered whatever the density."""
    a_density_tpp: float
    """3A090.a.2: the TPP floor of the density test."""
    a_density: float
    """3A090.a.2: the performance density at or above which a chip is covered."""
    b_tpp: float
    """3A090.b.1: TPP floor of the first .b test."""
    b_density_low: float
    """3A090.b.1: density floor of the first .b test."""
    b_density_tpp: float
    """3A090.b.2: TPP floor of the second .b test."""
    b_density: float
    """3A090.b.2: density floor of the second .b test."""


@lru_cache(maxsize=1)
def october_2023_thresholds() -> Thresholds:
    """The thresholds shipped in ``catalog/rules/export_controls.yaml``."""
    data, _ = load_package_yaml("chipshift.catalog", "rules", "export_controls.yaml")
    return Thresholds.model_validate(data["eccn_3a090"])


@dataclass(frozen=True)
class TppChoice:
    """The TPP of a chip, the figure it came from, and what other figures say."""

    tpp: float
    """Total processing performance from the firmest dense figures."""
    precision: Precision
    """Precision of the figure that sets it."""
    figure: Figure
    """The figure used."""
    higher_tpp: float | None = None
    """A higher TPP given by a less firm dense figure, if any (shown, not used)."""
    higher_precision: Precision | None = None
    """Precision of that less firm figure."""


@dataclass(frozen=True)
class Classification:
    """The export class of one chip and the working behind it."""

    chip_id: str
    export_class: ExportClass
    tpp: float | None
    """Total processing performance, or None when no dense throughput is known."""
    tpp_precision: Precision | None
    """The precision that gives the maximum."""
    performance_density: float | None
    """TPP per mm² of logic die, or None when the die area is unknown."""
    datacenter: bool
    """Whether the chip is designed or marketed for data centres (decides which tests apply)."""
    working: list[str] = field(default_factory=list)
    """One line per step, for people to check."""
    unknowns: list[str] = field(default_factory=list)
    """Figures the tests needed but the catalog does not have."""
    tpp_confidence: Confidence | None = None
    """Confidence of the figure TPP was computed from."""
    tpp_source: str | None = None
    """Source id of that figure."""
    tpp_upper_bound: float | None = None
    """Upper bound on TPP from a marketed (sparse or unstated) figure, when no dense figure is known."""


def _best(candidates: list[tuple[float, Precision, Figure]]) -> tuple[float, Precision, Figure]:
    # ties go to the narrowest format, the one a datasheet quotes (H20: fp8 296 x 8 = fp16 148 x 16)
    return max(candidates, key=lambda c: (c[0], -BIT_LENGTH[c[1]]))


def tpp_choice(chip: Chip) -> TppChoice | None:
    """TPP from the firmest dense figures of a chip (None when no dense figure is known)."""
    candidates = [(f.value * BIT_LENGTH[p], p, f) for p, f in chip.dense_tflops.items()]
    if not candidates:
        return None
    firmest = min(CONFIDENCE_RANK[f.confidence] for _, _, f in candidates)
    tpp, precision, figure = _best([c for c in candidates if CONFIDENCE_RANK[c[2].confidence] == firmest])
    top, top_precision, _ = _best(candidates)
    if top > tpp:
        return TppChoice(tpp, precision, figure, top, top_precision)
    return TppChoice(tpp, precision, figure)


def total_processing_performance(chip: Chip) -> tuple[float, Precision] | None:
    """TPP and the precision that sets it (from the firmest figures), or None if no dense throughput is known."""
    choice = tpp_choice(chip)
    return None if choice is None else (choice.tpp, choice.precision)


def marketed_upper_bound(chip: Chip) -> tuple[float, Precision, Figure] | None:
    """The highest TPP a chip's marketed figures allow: dense throughput is never above a marketed figure of unstated
    basis, and is half a sparse one (2:4 structured sparsity doubles the rate)."""
    candidates = [(_dense_ceiling(f) * BIT_LENGTH[p], p, f) for p, f in chip.marketed_tops.items()]
    return _best(candidates) if candidates else None


def _dense_ceiling(figure: Figure) -> float:
    return figure.value / 2 if figure.basis is ThroughputBasis.SPARSE else figure.value


def _is_datacenter(chip: Chip) -> bool:
    return chip.kind in {ChipKind.DATACENTER_TRAINING, ChipKind.DATACENTER_INFERENCE}


def _datacenter_class(tpp: float, density: float | None, t: Thresholds, working: list[str]) -> ExportClass:
    if tpp >= t.a_tpp:
        working.append(f"TPP {tpp:,.0f} >= {t.a_tpp:,.0f}: 3A090.a.1")
        return ExportClass.ECCN_3A090_A
    if tpp < t.a_density_tpp:
        working.append(f"TPP {tpp:,.0f} < {t.a_density_tpp:,.0f}: below every 3A090 threshold")
        return ExportClass.NOT_COVERED
    if density is None:
        working.append("TPP is in the density-tested band but the die area is unknown: class cannot be decided")
        working.append(_area_bounds(tpp, t))
        return ExportClass.UNKNOWN
    if density >= t.a_density:
        working.append(f"TPP >= {t.a_density_tpp:,.0f} and PD {density:.2f} >= {t.a_density}: 3A090.a.2")
        return ExportClass.ECCN_3A090_A
    if tpp >= t.b_tpp and density >= t.b_density_low:
        working.append(f"TPP >= {t.b_tpp:,.0f} and PD {density:.2f} >= {t.b_density_low}: 3A090.b.1")
        return ExportClass.ECCN_3A090_B
    if density >= t.b_density:
        working.append(f"TPP >= {t.b_density_tpp:,.0f} and PD {density:.2f} >= {t.b_density}: 3A090.b.2")
        return ExportClass.ECCN_3A090_B
    working.append(
        f"PD {density:.2f} below the .b floors ({t.b_density_low} with TPP >= {t.b_tpp:,.0f}, "
        f"{t.b_density}): not covered"
    )
    return ExportClass.NOT_COVERED


def _area_bounds(tpp: float, t: Thresholds) -> str:
    """The applicable die areas at which a chip in the density band changes class (bounds the class)."""
    a_limit = tpp / t.a_density
    b_limit = tpp / (t.b_density_low if tpp >= t.b_tpp else t.b_density)
    return (
        f"bounds: 3A090.a if the applicable die area is under {a_limit:,.0f} mm², 3A090.b under {b_limit:,.0f} mm², "
        "not covered above"
    )


def _tpp_lines(chip: Chip, choice: TppChoice) -> list[str]:
    f = choice.figure
    lines = [
        f"TPP = {f.value:,.1f} dense {choice.precision.value} x {BIT_LENGTH[choice.precision]} bits = "
        f"{choice.tpp:,.0f} (figure: {f.confidence.value}, {f.source}, {f.as_of})"
    ]
    if choice.higher_tpp is not None and choice.higher_precision is not None:
        other = chip.dense_tflops[choice.higher_precision]
        lines.append(
            f"a less firm {choice.higher_precision.value} figure ({other.confidence.value}, {other.source}) "
            f"gives TPP {choice.higher_tpp:,.0f}; not used"
        )
    return lines


def _unknown_tpp(chip: Chip, t: Thresholds, datacenter: bool, working: list[str]) -> Classification:
    bound = marketed_upper_bound(chip)
    if bound is None:
        working.append("no dense throughput is known: TPP cannot be computed")
        return Classification(chip.id, ExportClass.UNKNOWN, None, None, None, datacenter, working, ["dense_tflops"])
    upper, precision, figure = bound
    basis = figure.basis.value if figure.basis else "unstated"
    halved = ", halved" if figure.basis is ThroughputBasis.SPARSE else ""
    working.append(
        f"no dense figure; marketed {precision.value} {figure.value:,.0f} ({basis} basis{halved}, "
        f"{figure.confidence.value}, {figure.source}) bounds TPP at {upper:,.0f} or less"
    )
    floor = t.a_density_tpp if datacenter else t.a_tpp
    if upper < floor:
        working.append(f"TPP <= {upper:,.0f} < {floor:,.0f}: not covered whatever the dense figure")
        return Classification(
            chip.id, ExportClass.NOT_COVERED, None, None, None, datacenter, working, [], tpp_upper_bound=upper
        )
    working.append(f"the bound reaches {floor:,.0f}: the class needs the dense figure")
    return Classification(
        chip.id, ExportClass.UNKNOWN, None, None, None, datacenter, working, ["dense_tflops"], tpp_upper_bound=upper
    )


def classify_chip(chip: Chip, thresholds: Thresholds | None = None) -> Classification:
    """Compute the 3A090 class of a chip from its dense throughput, die area and market segment."""
    t = thresholds or october_2023_thresholds()
    working: list[str] = [f"rule: {t.rule}"]
    unknowns: list[str] = []
    datacenter = _is_datacenter(chip)
    choice = tpp_choice(chip)
    if not datacenter:
        working.append(
            f"{chip.kind.value} chip, not designed or marketed for data centres: only TPP >= {t.a_tpp:,.0f} applies"
        )
    if choice is None:
        return _unknown_tpp(chip, t, datacenter, working)
    tpp = choice.tpp
    working.extend(_tpp_lines(chip, choice))
    density = None
    if chip.die_area_mm2 is None:
        unknowns.append("die_area_mm2")
        working.append("die area unknown: performance density cannot be computed")
    else:
        density = tpp / chip.die_area_mm2.value
        working.append(f"PD = {tpp:,.0f} / {chip.die_area_mm2.value:,.2f} mm² = {density:.2f}")
    if datacenter:
        export_class = _datacenter_class(tpp, density, t, working)
        if density is not None and t.a_density_tpp <= tpp < t.a_tpp:
            working.append(_area_bounds(tpp, t))
    else:
        export_class = ExportClass.ECCN_3A090_A if tpp >= t.a_tpp else ExportClass.NOT_COVERED
        working.append(f"TPP {tpp:,.0f} {'>=' if tpp >= t.a_tpp else '<'} {t.a_tpp:,.0f}: {export_class.value}")
    if export_class is not ExportClass.UNKNOWN and chip.designer_country != "US":
        working.append(
            "note: the EAR controls US-origin items; for a non-US design this is a capability band, "
            "not its legal status"
        )
    return Classification(
        chip.id,
        export_class,
        tpp,
        choice.precision,
        density,
        datacenter,
        working,
        unknowns,
        tpp_confidence=choice.figure.confidence,
        tpp_source=choice.figure.source,
    )
