"""The plan's Monte Carlo draws rule changes from the policy data (issue 13 item 3): each rule's outlook, worked out
together with the other changes drawn, so the futures close and open the chips the rules say."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pytest

from chipshift.assess import Assessment, example_scenario_path, load_scenario
from chipshift.assess.outlooks import DrawnRules, drawn_rules
from chipshift.assess.pipeline import uncertainty_of
from chipshift.assess.policy import scenario_policy
from chipshift.catalog import load_catalog
from chipshift.catalog.policy import OutlookChange, RuleStatus
from chipshift.plan import PolicyEvent, UncertaintySpec
from chipshift.plan.montecarlo import Draw, _allowed_after, draws

H200 = "nvidia-h200-sxm"
H20 = "nvidia-h20"
BLOCK = "cn-h200-import-block-2026 ends"
H200_LICENCES = "us-h200-licences-2026 ends"
LANE = "us-case-by-case-lane-2026 ends"
H20_LICENCES = "us-h20-licences-2025 ends"


def _drawn(**monte_carlo: object) -> DrawnRules:
    catalog = load_catalog()
    scenario = load_scenario(example_scenario_path())
    if monte_carlo:
        mc = scenario.monte_carlo.model_copy(update=monte_carlo)
        scenario = scenario.model_copy(update={"monte_carlo": mc})
    chips = [(c.id, catalog.chip(c.id).id, catalog.chip(c.id)) for c in scenario.candidates if c.id.startswith("nv")]
    return drawn_rules(scenario, scenario_policy(scenario, catalog), chips)


def _allowed(rules: DrawnRules, option: str, *names: str) -> Mapping[int, bool]:
    index = {e.name: i for i, e in enumerate(rules.events)}
    return rules.allowed_after[option][frozenset(index[n] for n in names)]


def test_every_shipped_outlook_is_a_sourced_judgement_of_the_right_kind() -> None:
    outlooks = [r for r in load_catalog().rules.values() if r.outlook]
    assert len(outlooks) >= 5
    for rule in outlooks:
        assert rule.outlook is not None and rule.outlook.why and rule.outlook.why_zh
        assert (rule.outlook.change is OutlookChange.ENACTED) == (rule.status is RuleStatus.PROPOSED), rule.id


def test_the_h200_opens_only_when_the_china_block_is_lifted_and_the_us_licences_hold() -> None:
    rules = _drawn()
    assert _allowed(rules, H200, BLOCK) == {2025: False, 2026: True, 2027: True}  # 3A090.a in 2025
    assert _allowed(rules, H200, BLOCK, LANE) == {2025: False, 2026: False, 2027: False}
    # the h200 licences ending alone changes nothing while the lane is open: it is not drawn for the h200
    assert not any(rules.events[i].name == H200_LICENCES for key in rules.allowed_after[H200] for i in key)


def test_the_h20_closes_only_when_both_its_licences_and_the_lane_end() -> None:
    rules = _drawn()
    assert _allowed(rules, H20, H20_LICENCES) == {2025: True, 2026: True, 2027: True}
    assert _allowed(rules, H20, H20_LICENCES, LANE) == {2025: True, 2026: False, 2027: False}


def test_a_change_that_touches_no_candidate_is_not_drawn() -> None:
    names = [e.name for e in _drawn().events]
    assert "us-chip-security-act enacted" not in names  # a location-verification mandate refuses no purchase


def test_the_scenario_sets_the_chances_or_turns_the_outlooks_off() -> None:
    chances = {e.name: e.chances for e in _drawn(outlook_probability={"cn-h200-import-block-2026": 0.9}).events}
    assert chances[BLOCK] == {2026: 0.9, 2027: 0.9}
    assert chances[LANE] == {2026: 0.1, 2027: 0.1}  # the rule's own (catalog/data/policy/us-export-controls.yaml)
    assert _drawn(rule_outlooks=False).events == ()


def test_a_run_applies_the_changes_that_happened_by_each_year() -> None:
    rules = _drawn()
    index = {e.name: i for i, e in enumerate(rules.events)}
    spec = dataclasses.replace(_spec_of(rules), events=rules.events)
    lifted_2027 = Draw(0, {}, {}, events=((index[BLOCK], 2027),))
    assert [_allowed_after(spec, lifted_2027, H200, y, False) for y in (2026, 2027)] == [False, True]
    both = Draw(0, {}, {}, events=((index[BLOCK], 2026), (index[LANE], 2027)))
    assert [_allowed_after(spec, both, H200, y, False) for y in (2026, 2027)] == [True, False]


def test_an_event_happens_in_the_first_year_its_draw_falls_under_the_chance() -> None:
    event = PolicyEvent("x ends", {2026: 0.5, 2027: 0.5})
    assert event.happens(iter([0.7, 0.2]).__next__) == 2027
    assert event.happens(iter([0.9, 0.9]).__next__) is None
    assert event.first_year() == 2026


def test_the_sweep_draws_the_outlooks_at_their_chance(example_assessment: Assessment) -> None:
    assert example_assessment.problem is not None
    spec = dataclasses.replace(uncertainty_of(example_assessment), runs=2000)
    happened = [dict(d.events) for d in draws(example_assessment.problem, spec)]
    for i, event in enumerate(spec.events):
        years = sorted(event.chances)
        p = event.chances[years[0]]
        expected = 1 - (1 - p) ** len(years)  # the same chance in each later plan year
        share = sum(i in h for h in happened) / len(happened)
        assert share == pytest.approx(expected, abs=0.04), event.name


def _spec_of(rules: DrawnRules) -> UncertaintySpec:
    return UncertaintySpec(runs=1, seed=1, price_sigma=0, growth_sigma=0, allowed_after=rules.allowed_after)
