"""Date-aware status: which rules are in force on a date, which apply to a chip and a buyer, and what that means
for buying (export status under US rules, China-side bans, reviews and preferences).

Pure functions over a :class:`Policy` (the rules and their sources); results are frozen dataclasses, cached per
chip, date and buyer inside the policy, so a planner can ask per plan year and per site at no cost.
"""

from __future__ import annotations

import datetime as dt
import difflib
import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from chipshift.catalog.policy.match import Buyer, ChipFacts, Match, Outcome, all_of, buyer_outcome, chip_outcome
from chipshift.catalog.policy.model import (
    Condition,
    ConditionKind,
    EffectKind,
    Jurisdiction,
    PolicyRule,
    Presumption,
    RuleStatus,
)
from chipshift.catalog.schema import Chip, Source
from chipshift.errors import UnknownIdError

T = TypeVar("T")

DOMESTIC_COUNTRY = "CN"
"""Designer country whose chips US export licensing does not reach when bought in China."""


@dataclass(frozen=True, eq=False)
class Policy:
    """The rules (shipped and the user's) with their sources, and the proposed rules a scenario assumes enacted.

    Compared and hashed by identity: one policy object is built per catalog and reused; its caches live with it.
    """

    rules: tuple[PolicyRule, ...]
    """Every rule, in file order."""
    sources: Mapping[str, Source]
    """Sources by id."""
    assumed_enacted: Mapping[str, dt.date] = field(default_factory=dict)
    """Proposed rules a scenario assumes enacted, with the date they take effect."""
    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)

    def rule(self, wanted: str) -> PolicyRule:
        """The rule with this id; raises :class:`UnknownIdError` with the closest ids."""
        by_id = {r.id: r for r in self.rules}
        if wanted in by_id:
            return by_id[wanted]
        folded = wanted.strip().lower()
        if folded in by_id:
            return by_id[folded]
        close = difflib.get_close_matches(folded, list(by_id), n=5, cutoff=0.4)
        raise UnknownIdError("rule", wanted, close or [r for r in by_id if folded and folded in r][:5])

    def memo(self, key: tuple[Any, ...], owner: object, compute: Callable[[], T]) -> T:
        """``compute()`` once per key while ``owner`` (the chip or facts it was computed from) is the same object."""
        cached = self._cache.get(key)
        if cached is None or cached[0] is not owner:
            cached = (owner, compute())
            self._cache[key] = cached
        result: T = cached[1]
        return result

    def assuming(self, enacted: Mapping[str, dt.date]) -> Policy:
        """The same rules with these proposed rules assumed enacted from the given dates (for scenarios)."""
        for rule_id in enacted:
            if self.rule(rule_id).status is not RuleStatus.PROPOSED:
                raise ValueError(f"rule '{rule_id}' is not a proposed rule")
        return Policy(self.rules, self.sources, dict(enacted))


def policy_from_catalog(catalog: Any) -> Policy:
    """The policy of a loaded :class:`~chipshift.catalog.Catalog` (its ``rules`` and ``sources``)."""
    return Policy(tuple(catalog.rules.values()), dict(catalog.sources))


def _in_force(rule: PolicyRule, on: dt.date, assumed: Mapping[str, dt.date]) -> bool:
    if rule.status is RuleStatus.PROPOSED:
        start = assumed.get(rule.id)
        return start is not None and start <= on and (rule.ends is None or on < rule.ends)
    return rule.effective <= on and (rule.ends is None or on < rule.ends)


def rules_in_force(policy: Policy, on: dt.date) -> tuple[PolicyRule, ...]:
    """Rules in force on a date: effective on or before it, not ended, not superseded by a rule in force, and not
    merely proposed (unless the policy assumes the proposal enacted)."""

    def compute() -> tuple[PolicyRule, ...]:
        live = [r for r in policy.rules if _in_force(r, on, policy.assumed_enacted)]
        superseded = {old for r in live for old in r.supersedes}
        return tuple(r for r in live if r.id not in superseded)

    return policy.memo(("in-force", on), policy, compute)


@dataclass(frozen=True)
class Applicability:
    """One rule that applies (or may apply) to a chip and a buyer on a date, and why."""

    rule: PolicyRule
    """The rule."""
    match: Match
    """``applies``, or ``undetermined`` when a figure the predicate needs is unknown."""
    working: tuple[str, ...]
    """Which condition matched on which figure."""
    missing: tuple[str, ...] = ()
    """Figures the catalog lacks (undetermined rules only)."""
    assumed: bool = False
    """A proposed rule in force only because a scenario assumes it enacted."""


def chip_facts(policy: Policy, chip: Chip) -> ChipFacts:
    """The tested figures of a chip, computed once per chip object."""
    return policy.memo(("facts", chip.id), chip, lambda: ChipFacts.of(chip))


def _applicability(rule: PolicyRule, facts: ChipFacts, buyer: Buyer) -> Applicability | None:
    outcome: Outcome = all_of([chip_outcome(rule.applies_to.chip, facts), buyer_outcome(rule.applies_to.buyer, buyer)])
    if outcome.match is Match.DOES_NOT_APPLY:
        return None
    assumed = rule.status is RuleStatus.PROPOSED
    return Applicability(rule, outcome.match, outcome.working, outcome.missing, assumed)


def applicable_rules(chip: Chip, policy: Policy, on: dt.date, buyer: Buyer | None = None) -> tuple[Applicability, ...]:
    """Rules in force on ``on`` that apply (or may apply, figures missing) to ``chip`` bought by ``buyer``."""
    who = buyer or Buyer()
    facts = chip_facts(policy, chip)

    def compute() -> tuple[Applicability, ...]:
        found = [_applicability(rule, facts, who) for rule in rules_in_force(policy, on)]
        return tuple(a for a in found if a is not None)

    return policy.memo(("applicable", chip.id, on, who), facts, compute)


def rule_applicability(
    rule: PolicyRule, chip: Chip, policy: Policy, buyer: Buyer | None = None
) -> Applicability | None:
    """Whether one rule's predicate reaches a chip and a buyer, whatever its dates or status (None: it does not)."""
    return _applicability(rule, chip_facts(policy, chip), buyer or Buyer())


class ExportStatusKind(enum.StrEnum):
    """A chip's standing under US export rules for a buyer in China on a date."""

    DOMESTIC = "domestic"
    NOT_CONTROLLED = "not-controlled"
    LICENCE_REQUIRED = "licence-required"
    CASE_BY_CASE = "case-by-case"
    LICENSED = "licensed"
    BANNED = "banned"
    UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class ExportStatus:
    """Export status with the presumption, the conditions and the rules behind it."""

    kind: ExportStatusKind
    """Domestic, not controlled, licence required, case-by-case, licensed, banned or undetermined."""
    presumption: Presumption | None
    """Licence review policy when a licence is required."""
    conditions: tuple[Condition, ...]
    """Conditions of the lane or licence (volume cap, revenue share, tariff, testing ...)."""
    rules: tuple[str, ...]
    """Ids of the rules that decide it."""
    reason: str
    """One sentence."""


_SEVERITY = {Presumption.DENIAL: 0, Presumption.UNSTATED: 1, Presumption.CASE_BY_CASE: 2, Presumption.APPROVAL: 3}


def _effects(found: Iterable[Applicability], kind: EffectKind, match: Match = Match.APPLIES) -> list[Applicability]:
    return [a for a in found if a.rule.effect.kind is kind and a.match is match]


def _fees(us: list[Applicability]) -> tuple[Condition, ...]:
    return tuple(c for a in _effects(us, EffectKind.FEE) for c in a.rule.effect.conditions)


def _status(kind: ExportStatusKind, deciding: list[Applicability], reason: str, **extra: Any) -> ExportStatus:
    return ExportStatus(
        kind,
        extra.get("presumption"),
        extra.get("conditions", ()),
        tuple(a.rule.id for a in deciding),
        reason,
    )


def _grants(us: list[Applicability]) -> list[Applicability]:
    grants = _effects(us, EffectKind.LICENCE_GRANTED)
    revocations = _effects(us, EffectKind.LICENCE_REVOKED)
    return [g for g in grants if not any(r.rule.effective > g.rule.effective for r in revocations)]


def _licensing(us: list[Applicability], required: list[Applicability]) -> ExportStatus:
    grants = _grants(us)
    if grants:
        conditions = tuple(c for g in grants for c in g.rule.effect.conditions) + _fees(us)
        return _status(ExportStatusKind.LICENSED, grants, grants[0].rule.title, conditions=conditions)
    lanes = _effects(us, EffectKind.REVIEW_POLICY)
    if lanes:
        best = max(lanes, key=lambda a: _SEVERITY[a.rule.effect.presumption or Presumption.DENIAL])
        return _status(
            ExportStatusKind.CASE_BY_CASE,
            [best],
            best.rule.title,
            presumption=best.rule.effect.presumption,
            conditions=best.rule.effect.conditions + _fees(us),
        )
    strictest = min(required, key=lambda a: _SEVERITY[a.rule.effect.presumption or Presumption.DENIAL])
    presumption = strictest.rule.effect.presumption
    return _status(
        ExportStatusKind.LICENCE_REQUIRED,
        required,
        f"{strictest.rule.title} (presumption: {presumption.value if presumption else 'unstated'})",
        presumption=presumption,
    )


def export_status(chip: Chip, policy: Policy, on: dt.date, buyer: Buyer | None = None) -> ExportStatus:
    """A chip's standing under US export rules for a buyer in China on a date.

    Banned beats everything; otherwise with no licence requirement the chip is not controlled; with one, a licence
    granted (and not revoked since) makes it licensed, a case-by-case lane makes it case-by-case, and otherwise the
    strictest presumption stands. A chip designed in China is domestic (US rules that touch it, such as the Entity
    List or the foundry rule, show in :func:`applicable_rules` and the supply risk).
    """
    if chip.designer_country == DOMESTIC_COUNTRY:
        return ExportStatus(ExportStatusKind.DOMESTIC, None, (), (), f"designed in {DOMESTIC_COUNTRY}")
    us = [a for a in applicable_rules(chip, policy, on, buyer) if a.rule.jurisdiction is Jurisdiction.US]
    bans = _effects(us, EffectKind.BAN)
    if bans:
        return _status(ExportStatusKind.BANNED, bans, bans[0].rule.title)
    required = _effects(us, EffectKind.LICENCE_REQUIRED)
    if required:
        return _licensing(us, required)
    open_questions = _effects(us, EffectKind.LICENCE_REQUIRED, Match.UNDETERMINED)
    if open_questions:
        missing = sorted({m for a in open_questions for m in a.missing})
        return _status(ExportStatusKind.UNDETERMINED, open_questions, f"figures unknown: {', '.join(missing)}")
    return ExportStatus(ExportStatusKind.NOT_CONTROLLED, None, (), (), "no US licence requirement reaches it")


class MayBuy(enum.StrEnum):
    """Whether a buyer can buy the chip on a date."""

    YES = "yes"
    WITH_LICENCE = "with-licence"
    NO = "no"
    UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class PurchaseOutlook:
    """What the rules mean for buying a chip on a date: the answer, its price and cap, and the rules behind it."""

    chip_id: str
    on: dt.date
    may_buy: MayBuy
    """Yes, with a licence (case-by-case or licensed), no, or undetermined (figures missing)."""
    export: ExportStatus
    """US export status."""
    volume_cap: float | None
    """Cap on volume as a share (0.5 = China shipments at most 50% of US shipments), where a lane sets one."""
    fee_share: float
    """Share of the price paid as revenue share or tariff (0.25 = 25%), summed."""
    price_preference: float
    """Price evaluation preference this chip receives in government procurement (0.2 = scored 20% cheaper)."""
    blocked_by: tuple[str, ...]
    """Rules that make the answer 'no'."""
    reviews: tuple[str, ...]
    """Rules that require a review before buying (cybersecurity review, customs inspection)."""
    discouraged_by: tuple[str, ...]
    """Guidance against buying (not a ban)."""
    rules: tuple[Applicability, ...]
    """Every rule that applies or may apply."""


_MAY_BUY = {
    ExportStatusKind.DOMESTIC: MayBuy.YES,
    ExportStatusKind.NOT_CONTROLLED: MayBuy.YES,
    ExportStatusKind.LICENSED: MayBuy.WITH_LICENCE,
    ExportStatusKind.CASE_BY_CASE: MayBuy.WITH_LICENCE,
    ExportStatusKind.BANNED: MayBuy.NO,
    ExportStatusKind.UNDETERMINED: MayBuy.UNDETERMINED,
}


def _us_answer(status: ExportStatus) -> MayBuy:
    if status.kind is ExportStatusKind.LICENCE_REQUIRED:
        easy = status.presumption in (Presumption.CASE_BY_CASE, Presumption.APPROVAL)
        return MayBuy.WITH_LICENCE if easy else MayBuy.NO
    return _MAY_BUY[status.kind]


def _share(conditions: Iterable[Condition], kinds: set[ConditionKind]) -> float:
    return sum(c.value or 0.0 for c in conditions if c.kind in kinds)


def purchase_outlook(chip: Chip, policy: Policy, on: dt.date, buyer: Buyer | None = None) -> PurchaseOutlook:
    """Whether ``buyer`` may buy ``chip`` on ``on``, at what extra cost and cap, and which rules say so."""
    found = applicable_rules(chip, policy, on, buyer)
    status = export_status(chip, policy, on, buyer)
    answer = _us_answer(status)
    blocked = [a.rule.id for a in _effects(found, EffectKind.BAN)]
    if answer is MayBuy.NO and not blocked:
        blocked = list(status.rules)
    caps = [c.value for c in status.conditions if c.kind is ConditionKind.VOLUME_CAP and c.value is not None]
    preference = max(
        (a.rule.effect.price_preference or 0.0 for a in _effects(found, EffectKind.PRICE_PREFERENCE)), default=0.0
    )
    return PurchaseOutlook(
        chip_id=chip.id,
        on=on,
        may_buy=MayBuy.NO if blocked else answer,
        export=status,
        volume_cap=min(caps) if caps else None,
        fee_share=_share(status.conditions, {ConditionKind.REVENUE_SHARE, ConditionKind.TARIFF}),
        price_preference=preference,
        blocked_by=tuple(dict.fromkeys(blocked)),
        reviews=tuple(a.rule.id for a in _effects(found, EffectKind.REVIEW_REQUIRED)),
        discouraged_by=tuple(a.rule.id for a in _effects(found, EffectKind.DISCOURAGED)),
        rules=found,
    )
