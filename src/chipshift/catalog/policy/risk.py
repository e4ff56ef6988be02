"""Strategic risk read off the rules, four dimensions on a documented 0-1 scale (docs/policy.md).

- export-licence: US export-control exposure. Starts from the export status (:data:`EXPORT_STATUS_SCORE`: a licence
  granted can be revoked, as the H20's was in April 2025 with no notice) and adds the rules' own weights (the May
  2025 guidance that using Ascend chips anywhere risks violating the EAR).
- china-regulatory: China-side exposure (CAC summons and guidance, customs checks, security reviews, procurement
  lists, the state-funded data-centre rule).
- location-verification: location-verification or remote-disable mandates (the Chip Security Act, proposed).
- supply: the chance of not getting the chips (Entity List, foundry due diligence, HBM controls).

Each applicable rule adds its weight as an independent hazard: score = 1 - prod(1 - weight). A proposed rule that a
scenario has not assumed enacted counts at :data:`PROPOSED_WEIGHT` of its weight, an undetermined rule (figures
missing) at :data:`UNDETERMINED_WEIGHT`. The weights are chipshift's defaults, not facts, and sit in the rule data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from chipshift.catalog.policy.match import Buyer, Match
from chipshift.catalog.policy.model import Presumption, RiskDimension, RuleStatus
from chipshift.catalog.policy.status import (
    Applicability,
    ExportStatus,
    ExportStatusKind,
    Policy,
    applicable_rules,
    export_status,
    rule_applicability,
)
from chipshift.catalog.schema import Chip

EXPORT_STATUS_SCORE: dict[ExportStatusKind, float] = {
    ExportStatusKind.DOMESTIC: 0.0,
    ExportStatusKind.NOT_CONTROLLED: 0.15,
    ExportStatusKind.LICENSED: 0.6,
    ExportStatusKind.CASE_BY_CASE: 0.7,
    ExportStatusKind.LICENCE_REQUIRED: 0.9,
    ExportStatusKind.BANNED: 1.0,
    ExportStatusKind.UNDETERMINED: 0.5,
}
"""Export-licence risk by status: not controlled is not zero (the H20 was not controlled until a letter arrived)."""

DENIAL_SCORE = 1.0
"""Export-licence risk when a licence is required under a presumption of denial."""

PROPOSED_WEIGHT = 0.5
"""Share of a proposed rule's weight counted before it is enacted."""

UNDETERMINED_WEIGHT = 0.5
"""Share of a rule's weight counted when the figures to decide it are missing."""


@dataclass(frozen=True)
class RiskReason:
    """One contribution to one dimension."""

    dimension: RiskDimension
    score: float
    """The contribution counted (after the proposed or undetermined share)."""
    rule: str | None
    """Rule id, or None for the export status itself."""
    why: str


@dataclass(frozen=True)
class RiskProfile:
    """Four risk scores, 0 (none) to 1 (worst), and the contributions behind them."""

    export_licence: float
    china_regulatory: float
    location_verification: float
    supply: float
    reasons: tuple[RiskReason, ...]

    def score(self, dimension: RiskDimension) -> float:
        """The score of one dimension."""
        return {
            RiskDimension.EXPORT_LICENCE: self.export_licence,
            RiskDimension.CHINA_REGULATORY: self.china_regulatory,
            RiskDimension.LOCATION_VERIFICATION: self.location_verification,
            RiskDimension.SUPPLY: self.supply,
        }[dimension]


def _status_reason(status: ExportStatus) -> RiskReason:
    score = EXPORT_STATUS_SCORE[status.kind]
    if status.kind is ExportStatusKind.LICENCE_REQUIRED and status.presumption is Presumption.DENIAL:
        score = DENIAL_SCORE
    return RiskReason(RiskDimension.EXPORT_LICENCE, score, None, f"export status {status.kind.value}")


def _combine(scores: list[float]) -> float:
    remaining = 1.0
    for s in scores:
        remaining *= 1.0 - s
    return round(1.0 - remaining, 4)


def risk_profile(chip: Chip, policy: Policy, on: dt.date, buyer: Buyer | None = None) -> RiskProfile:
    """Risk of buying ``chip`` on ``on`` for ``buyer``, by dimension, with every contribution named.

    Proposed rules are weighed even when not in force (at :data:`PROPOSED_WEIGHT`), because a plan must price the
    chance that they pass; rules assumed enacted count in full.
    """
    return policy.memo(("risk", chip.id, on, buyer), chip, lambda: _profile(chip, policy, on, buyer))


def _pending_proposals(chip: Chip, policy: Policy, on: dt.date, buyer: Buyer | None) -> list[Applicability]:
    found = []
    for rule in policy.rules:
        pending = rule.status is RuleStatus.PROPOSED and rule.id not in policy.assumed_enacted
        if pending and rule.effective <= on and (rule.ends is None or on < rule.ends):
            applied = rule_applicability(rule, chip, policy, buyer)
            if applied is not None:
                found.append(applied)
    return found


def _profile(chip: Chip, policy: Policy, on: dt.date, buyer: Buyer | None) -> RiskProfile:
    reasons = [_status_reason(export_status(chip, policy, on, buyer))]
    found = list(applicable_rules(chip, policy, on, buyer)) + _pending_proposals(chip, policy, on, buyer)
    for applied in found:
        share = 1.0
        if applied.rule.status is RuleStatus.PROPOSED and applied.rule.id not in policy.assumed_enacted:
            share = PROPOSED_WEIGHT
        if applied.match is Match.UNDETERMINED:
            share *= UNDETERMINED_WEIGHT
        for weight in applied.rule.risk:
            reasons.append(RiskReason(weight.dimension, round(weight.score * share, 4), applied.rule.id, weight.why))
    by_dimension = {d: _combine([r.score for r in reasons if r.dimension is d]) for d in RiskDimension}
    return RiskProfile(
        export_licence=by_dimension[RiskDimension.EXPORT_LICENCE],
        china_regulatory=by_dimension[RiskDimension.CHINA_REGULATORY],
        location_verification=by_dimension[RiskDimension.LOCATION_VERIFICATION],
        supply=by_dimension[RiskDimension.SUPPLY],
        reasons=tuple(reasons),
    )
