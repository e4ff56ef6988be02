"""Strategic risk of a candidate, three scores from 0 (none) to 1 (worst), each with the reasons behind it.

The points below are chipshift's documented defaults (docs/scenario.md), not facts: they turn catalog facts and the
scenario's regulatory switches into numbers a ranking can use. Unknown facts score in the middle, never as safe.
"""

from __future__ import annotations

from dataclasses import dataclass

from chipshift.decide.evidence import CandidateEvidence, ExportStatus

EXPORT_POINTS: dict[ExportStatus, float] = {
    ExportStatus.DOMESTIC: 0.0,
    ExportStatus.NOT_CONTROLLED: 0.3,
    ExportStatus.LICENCE_GRANTED: 0.8,
    ExportStatus.CASE_BY_CASE: 0.9,
    ExportStatus.LICENCE_REQUIRED: 1.0,
    ExportStatus.BANNED: 1.0,
}
"""Export exposure by status: a licence that was granted can be revoked."""

UNKNOWN_OPENNESS = 0.15
CLOSED_OPENNESS = 0.25
LOCATION_MANDATE = 0.4
UNKNOWN_SUPPLY = 0.5
FOREIGN_FAB = 0.2


@dataclass(frozen=True)
class StrategicRisk:
    """Three risk scores and the reasons for them."""

    export: float
    """Export-control exposure and licence revocability."""
    security: float
    """Location-verification or remote-disable mandates, closed firmware and stack."""
    supply: float
    """Risk of not getting the chips."""
    reasons: tuple[str, ...]
    """One sentence per point added."""

    @property
    def total(self) -> float:
        """Mean of the three scores."""
        return (self.export + self.security + self.supply) / 3


def risk_points() -> str:
    """The risk points in words, for a report's sources: chipshift's defaults, not facts."""
    export = ", ".join(f"{status.value} {points}" for status, points in EXPORT_POINTS.items())
    return (
        f"export {export}; closed firmware/stack {CLOSED_OPENNESS} each, unknown {UNKNOWN_OPENNESS}; "
        f"location mandate {LOCATION_MANDATE}; unknown supply {UNKNOWN_SUPPLY}"
    )


def _openness_points(closed: bool | None, what: str, reasons: list[str]) -> float:
    if closed is None:
        reasons.append(f"{what} openness unknown (+{UNKNOWN_OPENNESS})")
        return UNKNOWN_OPENNESS
    if closed:
        reasons.append(f"{what} closed (+{CLOSED_OPENNESS})")
        return CLOSED_OPENNESS
    return 0.0


def strategic_risk(
    candidate: CandidateEvidence,
    *,
    location_mandate: bool,
    chips_needed: float,
    designer_us: bool,
) -> StrategicRisk:
    """Score one candidate; ``location_mandate`` is the scenario's Chip Security Act switch."""
    reasons: list[str] = []
    export = EXPORT_POINTS[candidate.export_status]
    reasons.append(f"export status {candidate.export_status.value} ({export})")
    security = _openness_points(candidate.closed_firmware, "firmware", reasons)
    security += _openness_points(candidate.closed_stack, "software stack", reasons)
    if location_mandate and designer_us:
        security += LOCATION_MANDATE
        reasons.append(f"location verification / remote disable mandated for US chips (+{LOCATION_MANDATE})")
    supply = _supply_points(candidate, chips_needed, reasons)
    return StrategicRisk(export, min(1.0, security), min(1.0, supply), tuple(reasons))


def _supply_points(candidate: CandidateEvidence, chips_needed: float, reasons: list[str]) -> float:
    if candidate.supply_per_year is None:
        reasons.append(f"supply limit unknown (+{UNKNOWN_SUPPLY})")
        points = UNKNOWN_SUPPLY
    elif candidate.supply_per_year <= 0:
        reasons.append("no supply (+1.0)")
        points = 1.0
    else:
        points = min(1.0, chips_needed / candidate.supply_per_year)
        reasons.append(f"needs {chips_needed:.0f} of {candidate.supply_per_year} chips/year supply (+{points:.2f})")
    if candidate.foreign_fab:
        points += FOREIGN_FAB
        reasons.append(f"die made abroad (+{FOREIGN_FAB})")
    return points
