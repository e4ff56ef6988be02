"""Rule changes the plan's Monte Carlo draws: the policy rules' outlooks and the scenario's own licence events.

A rule with an ``outlook`` (``catalog/data/policy/*.yaml``) may end (a licence revoked, a block lifted) or, if
proposed, be enacted, with a chance in each plan year after the first. The scenario's ``monte_carlo.events`` are
licence changes at a given year with a chance per run. For each candidate this module works out, for every set of
the events that can touch it, which years it may be bought once they have happened, by applying the rules with
those changes together (so a revoked licence keeps a chip closed even if a China-side block is lifted too).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from chipshift.assess.policy import CHIP_SECURITY_ACT, candidate_years
from chipshift.assess.scenario import LicenceChange, Scenario
from chipshift.catalog.policy import Match, OutlookChange, Policy, PolicyRule, RuleStatus
from chipshift.catalog.policy.match import ChipFacts, chip_outcome
from chipshift.catalog.schema import Chip
from chipshift.plan import PolicyEvent

SCENARIO_OUTLOOK = "scenario: monte_carlo.outlook_probability"
"""The source of a chance the scenario gives a rule."""

MAX_EVENTS_PER_CANDIDATE = 8
"""Most events worked out together for one candidate (2^8 combinations); beyond it the rest are left out, said."""


@dataclass(frozen=True)
class _Change:
    """One drawable change: a rule ending or enacted, or a scenario licence event."""

    event: PolicyEvent
    rule: PolicyRule | None = None
    licence: LicenceChange | None = None


@dataclass(frozen=True)
class DrawnRules:
    """The events for the Monte Carlo and what each set of them allows, per candidate."""

    events: tuple[PolicyEvent, ...]
    allowed_after: dict[str, dict[frozenset[int], dict[int, bool]]]
    notes: tuple[str, ...] = ()


def drawn_rules(scenario: Scenario, policy: Policy, candidates: Sequence[tuple[str, str, Chip]]) -> DrawnRules:
    """The rule changes to draw and their effect on each candidate (``(candidate id, chip id, chip)``)."""
    changes = [*_rule_changes(scenario, policy), *_licence_changes(scenario)]
    allowed_after: dict[str, dict[frozenset[int], dict[int, bool]]] = {}
    notes = []
    for cid, chip_id, chip in candidates:
        touching = [i for i, change in enumerate(changes) if _may_touch(change, (cid, chip_id), chip)]
        if len(touching) > MAX_EVENTS_PER_CANDIDATE:
            notes.append(f"{cid}: {len(touching) - MAX_EVENTS_PER_CANDIDATE} rule changes left out of the draws")
            touching = touching[:MAX_EVENTS_PER_CANDIDATE]
        table = _table(scenario, policy, changes, touching, (cid, chip_id), chip)
        if table:
            allowed_after[cid] = table
    used = sorted({i for table in allowed_after.values() for key in table for i in key})
    renumber = {old: new for new, old in enumerate(used)}
    events = tuple(changes[i].event for i in used)
    renumbered = {
        cid: {frozenset(renumber[i] for i in key): years for key, years in table.items()}
        for cid, table in allowed_after.items()
    }
    return DrawnRules(events, renumbered, tuple(notes))


def _rule_changes(scenario: Scenario, policy: Policy) -> list[_Change]:
    mc, reg = scenario.monte_carlo, scenario.regulatory
    if not mc.rule_outlooks:
        return []
    decided = {
        *reg.rules_off,
        *reg.assume_enacted,
        *([CHIP_SECURITY_ACT] if reg.location_verification_mandated else []),
    }
    later = scenario.years[1:]
    found = []
    for rule in policy.rules:
        if rule.id in decided or rule.status is RuleStatus.RESCINDED:
            continue
        given = mc.outlook_probability.get(rule.id)
        probability = given if given is not None else (rule.outlook.probability_per_year if rule.outlook else 0.0)
        earliest = rule.outlook.earliest if rule.outlook else None
        chances = {y: probability for y in later if earliest is None or y >= earliest.year}
        if probability <= 0 or not chances:
            continue
        verb = rule.outlook_change.value
        why = SCENARIO_OUTLOOK if given is not None else _why(rule)
        event = PolicyEvent(f"{rule.id} {verb}", chances, source=why, subject=rule.id, change=verb)
        found.append(_Change(event, rule=rule))
    return found


def _why(rule: PolicyRule) -> str:
    assert rule.outlook is not None
    return f"{rule.outlook.why} ({rule.outlook.confidence.value})"


def _licence_changes(scenario: Scenario) -> list[_Change]:
    found = []
    for e in scenario.monte_carlo.events:
        licence = LicenceChange(chip=e.chip, status=e.status, year=scenario.years[0], source="monte_carlo.events")
        chances = {e.year: e.probability}
        event = PolicyEvent(f"{e.chip} {e.status} {e.year}", chances, "scenario", subject=e.chip, change=e.status)
        found.append(_Change(event, licence=licence))
    return found


def _may_touch(change: _Change, ids: tuple[str, str], chip: Chip) -> bool:
    if change.licence is not None:
        return change.licence.chip in ids
    assert change.rule is not None
    return chip_outcome(change.rule.applies_to.chip, ChipFacts.of(chip)).match is not Match.DOES_NOT_APPLY


def _table(
    scenario: Scenario,
    policy: Policy,
    changes: list[_Change],
    touching: list[int],
    ids: tuple[str, str],
    chip: Chip,
) -> dict[frozenset[int], dict[int, bool]]:
    """Years open for each set of the changes that matter to the chip (empty when none does)."""
    table = {}
    for size in range(len(touching) + 1):
        for subset in itertools.combinations(touching, size):
            altered = _with(scenario, policy, [changes[i] for i in subset])
            years = candidate_years(chip, ids, *altered)
            table[frozenset(subset)] = {y: s.allowed for y, s in years.items()}
    matters = [i for i in touching if any(table[key | {i}] != years for key, years in table.items() if i not in key)]
    return {key: years for key, years in table.items() if key and key <= set(matters)}


def _with(scenario: Scenario, policy: Policy, chosen: list[_Change]) -> tuple[Scenario, Policy]:
    """The scenario and rules with these changes made from the first plan year (timing is the draw's)."""
    ending = {c.rule.id for c in chosen if c.rule and c.rule.outlook_change is OutlookChange.ENDS}
    enacted = {c.rule.id for c in chosen if c.rule and c.rule.outlook_change is OutlookChange.ENACTED}
    licences = [c.licence for c in chosen if c.licence]
    if ending or enacted:
        start = dt.date(scenario.years[0], 1, 1)
        rules = tuple(r for r in policy.rules if r.id not in ending)
        policy = Policy(rules, policy.sources, {**policy.assumed_enacted, **dict.fromkeys(enacted, start)})
    if licences:
        regulatory = scenario.regulatory.model_copy(update={"licences": [*scenario.regulatory.licences, *licences]})
        scenario = scenario.model_copy(update={"regulatory": regulatory})
    return scenario, policy
