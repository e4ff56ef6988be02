"""The effort model: porting person-days and a lock-in score per target, with the working shown.

For each rule with ``n`` findings on target ``t``:

    hours(rule, t) = effort_hours(rule) x SUPPORT_FACTOR[support(rule, t)] x n ** REPEAT_EXPONENT

``effort_hours`` is the rule's hand-port cost of one occurrence when an equivalent exists (rule data). The factor
says how much of it is left: native 0, auto 0.1 (review the rewrite), equivalent 1, unsupported 3 (design work).
``REPEAT_EXPONENT`` < 1 because the tenth identical change is cheaper than the first. Person-days = hours / 8.

The lock-in score saturates with the effort: ``100 x (1 - exp(-hours / SCORE_SCALE_HOURS))``; one person-week of
porting (40 h) scores 63, two weeks 86. Both constants are documented defaults, not measurements.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from chipshift.scan.finding import Finding, Support
from chipshift.scan.rules import RuleBook, load_rules

SUPPORT_FACTOR: dict[Support, float] = {
    Support.NATIVE: 0.0,
    Support.AUTO: 0.1,
    Support.EQUIVALENT: 1.0,
    Support.UNSUPPORTED: 3.0,
}
"""Share of a rule's hand-port hours left after what the target gives for free."""
REPEAT_EXPONENT = 0.8
"""Hours grow as n ** 0.8 with the number n of findings of one rule."""
HOURS_PER_DAY = 8.0
SCORE_SCALE_HOURS = 40.0
"""Porting hours at which the lock-in score reaches 63 (1 - 1/e)."""

MODEL_TEXT = (
    "hours = Σ_rules effort_hours × factor(support) × n^0.8; factor: native 0, auto 0.1, equivalent 1, "
    "unsupported 3; person-days = hours / 8; lock-in score = 100 × (1 − exp(−hours / 40))"
)


@dataclass(frozen=True)
class RuleEffort:
    """One rule's share of the effort on one target."""

    rule_id: str
    count: int
    support: Support
    hours: float
    replacement: str | None


@dataclass(frozen=True)
class EffortEstimate:
    """Effort and lock-in on one target, with the per-rule working."""

    target: str
    hours: float
    person_days: float
    lock_in_score: float
    by_support: dict[str, int]
    """Number of findings per support level."""
    rules: list[RuleEffort] = field(default_factory=list)
    """Per-rule working, largest first."""

    @property
    def blockers(self) -> list[RuleEffort]:
        """Rules that cost the most, unsupported first."""
        costly = [r for r in self.rules if r.hours > 0]
        return sorted(costly, key=lambda r: (r.support is not Support.UNSUPPORTED, -r.hours))


def estimate_effort(findings: Iterable[Finding], target: str, book: RuleBook | None = None) -> EffortEstimate:
    """Effort to port the code behind ``findings`` to ``target``."""
    book = book or load_rules()
    counts = Counter(f.rule_id for f in findings)
    rules: list[RuleEffort] = []
    by_support: Counter[str] = Counter()
    for rule_id, count in counts.items():
        rule = book.by_id.get(rule_id)
        if rule is None:
            continue
        support = rule.support(target)
        hours = rule.effort_hours * SUPPORT_FACTOR[support.support] * count**REPEAT_EXPONENT
        rules.append(RuleEffort(rule_id, count, support.support, hours, support.replacement))
        by_support[support.support.value] += count
    rules.sort(key=lambda r: (-r.hours, r.rule_id))
    total = sum(r.hours for r in rules)
    score = 100.0 * (1.0 - math.exp(-total / SCORE_SCALE_HOURS))
    return EffortEstimate(target, round(total, 2), round(total / HOURS_PER_DAY, 2), round(score, 1),
                          dict(by_support), rules)  # fmt: skip
