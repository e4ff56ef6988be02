"""Strategic risk of a candidate, four scores from 0 (none) to 1 (worst), each with the reasons behind it.

Export, China-side and location-verification risk come from the dated policy rules (``chipshift.catalog.policy``,
filled into the evidence by the pipeline); closed firmware and stack and the supply against what is needed are
chipshift's documented defaults (docs/scenario.md), not facts. Unknown facts score in the middle, never as safe.
"""

from __future__ import annotations

from dataclasses import dataclass

from chipshift.decide.evidence import CandidateEvidence

UNKNOWN_OPENNESS = 0.15
CLOSED_OPENNESS = 0.25
UNKNOWN_SUPPLY = 0.5
"""Coverage risk when the candidate's supply is not known."""


@dataclass(frozen=True)
class StrategicRisk:
    """Four risk scores, each 0 (none) to 1 (worst), and the reasons for them."""

    export: float
    """Export-licence risk: the status and how revocable it is (from the policy rules)."""
    china: float
    """China-side regulatory exposure: guidance against buying, reviews, bans for some buyers (policy rules)."""
    security: float
    """Location-verification or remote-disable exposure (policy rules), with closed firmware and stack."""
    supply: float
    """Not getting the chips: Entity List, foundry and HBM rules, and the supply against what is needed."""
    reasons: tuple[str, ...]
    """One sentence per contribution."""

    @property
    def total(self) -> float:
        """Mean of the four scores."""
        return (self.export + self.china + self.security + self.supply) / 4


def risk_points() -> str:
    """How the scores are made, in words, for a report's sources: chipshift's defaults, not facts."""
    return (
        "export, China-side and location-verification risk from the policy rules' weights (docs/policy.md); "
        f"closed firmware or stack adds {CLOSED_OPENNESS} each to security, unknown {UNKNOWN_OPENNESS}; supply "
        f"combines the rules' supply risk with the chips needed against the supply given (unknown {UNKNOWN_SUPPLY})"
    )


def _combine(*scores: float) -> float:
    """Independent hazards: 1 - (1 - a)(1 - b)..."""
    left = 1.0
    for score in scores:
        left *= 1 - min(1.0, max(0.0, score))
    return 1 - left


def _openness_points(closed: bool | None, what: str, reasons: list[str]) -> float:
    if closed is None:
        reasons.append(f"{what} openness unknown (+{UNKNOWN_OPENNESS})")
        return UNKNOWN_OPENNESS
    if closed:
        reasons.append(f"{what} closed (+{CLOSED_OPENNESS})")
        return CLOSED_OPENNESS
    return 0.0


def strategic_risk(candidate: CandidateEvidence, *, chips_needed: float) -> StrategicRisk:
    """Score one candidate from its policy risks, its openness and its supply against what it needs."""
    reasons = list(candidate.risk_reasons)
    reasons.append(f"export status {candidate.export_status.value}: licence risk {candidate.export_risk:.2f}")
    openness = _openness_points(candidate.closed_firmware, "firmware", reasons)
    openness += _openness_points(candidate.closed_stack, "software stack", reasons)
    security = _combine(candidate.location_risk, openness)
    coverage = _coverage(candidate, chips_needed, reasons)
    supply = _combine(candidate.rule_supply_risk, coverage)
    return StrategicRisk(candidate.export_risk, candidate.china_risk, security, supply, tuple(reasons))


def _coverage(candidate: CandidateEvidence, chips_needed: float, reasons: list[str]) -> float:
    if candidate.supply_per_year is None:
        reasons.append(f"supply limit unknown (+{UNKNOWN_SUPPLY})")
        return UNKNOWN_SUPPLY
    if candidate.supply_per_year <= 0:
        reasons.append("no supply (+1.0)")
        return 1.0
    points = min(1.0, chips_needed / candidate.supply_per_year)
    reasons.append(f"needs {chips_needed:.0f} of {candidate.supply_per_year} chips/year supply (+{points:.2f})")
    return points
