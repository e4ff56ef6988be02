"""US export-control class of a chip, computed from its specs under the October 2023 rules (ECCN 3A090).

- TPP (total processing performance) = max over precisions of dense TOPS or TFLOPS x operand bit length.
- PD (performance density) = TPP / logic die area in mm².
- 3A090.a: TPP >= 4,800, or TPP >= 1,600 and PD >= 5.92.
- 3A090.b: 2,400 <= TPP < 4,800 and 1.6 <= PD < 5.92, or TPP >= 1,600 and 3.2 <= PD < 5.92.
- A chip not designed or marketed for data centres is caught only by TPP >= 4,800 (the PD tests do not apply).

The thresholds live in ``rules/export_controls.yaml`` beside this file, with their sources. The result shows its
working and says when a figure it needs is unknown; it never guesses one. This is a technical reading of the
thresholds, not legal advice: licence policies on top of them (the April 2025 H20 licence requirement, the
January 2026 H200 case-by-case rule) are dated events in each chip's regulatory history.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from chipshift.catalog.schema import BIT_LENGTH, Chip, ChipKind, Precision
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


def total_processing_performance(chip: Chip) -> tuple[float, Precision] | None:
    """TPP and the precision that sets it, or None if no dense throughput is known."""
    candidates = [(figure.value * BIT_LENGTH[p], p) for p, figure in chip.dense_tflops.items()]
    # ties go to the narrowest format, the one a datasheet quotes (H20: fp8 296 x 8 = fp16 148 x 16)
    return max(candidates, key=lambda pair: (pair[0], -BIT_LENGTH[pair[1]])) if candidates else None


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


def classify_chip(chip: Chip, thresholds: Thresholds | None = None) -> Classification:
    """Compute the 3A090 class of a chip from its dense throughput, die area and market segment."""
    t = thresholds or october_2023_thresholds()
    working: list[str] = [f"rule: {t.rule}"]
    unknowns: list[str] = []
    datacenter = _is_datacenter(chip)
    best = total_processing_performance(chip)
    if best is None:
        unknowns.append("dense_tflops (any precision)")
        working.append("no dense throughput is known: TPP cannot be computed")
        return Classification(chip.id, ExportClass.UNKNOWN, None, None, None, datacenter, working, unknowns)
    tpp, precision = best
    rate = chip.dense_tflops[precision].value
    working.append(f"TPP = {rate:,.1f} dense {precision.value} x {BIT_LENGTH[precision]} bits = {tpp:,.0f}")
    density = None
    if chip.die_area_mm2 is None:
        unknowns.append("die_area_mm2")
        working.append("die area unknown: performance density cannot be computed")
    else:
        density = tpp / chip.die_area_mm2.value
        working.append(f"PD = {tpp:,.0f} / {chip.die_area_mm2.value:,.0f} mm² = {density:.2f}")
    if datacenter:
        export_class = _datacenter_class(tpp, density, t, working)
    else:
        working.append(
            f"{chip.kind.value} chip, not designed or marketed for data centres: only TPP >= {t.a_tpp:,.0f} applies"
        )
        export_class = ExportClass.ECCN_3A090_A if tpp >= t.a_tpp else ExportClass.NOT_COVERED
        working.append(f"TPP {tpp:,.0f} {'>=' if tpp >= t.a_tpp else '<'} {t.a_tpp:,.0f}: {export_class.value}")
    if export_class is ExportClass.UNKNOWN:
        pass
    elif chip.designer_country != "US":
        working.append(
            "note: the EAR controls US-origin items; for a non-US design this is a capability band, "
            "not its legal status"
        )
    return Classification(chip.id, export_class, tpp, precision, density, datacenter, working, unknowns)
