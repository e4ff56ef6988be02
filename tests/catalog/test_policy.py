"""The date-aware status API over the shipped rules: the done-when cases of issue 13, propagation by predicate,
effectivity dates, buyers, proposed rules, user rules, and the risk scores.

Dates and facts: NVIDIA Form 8-K of 2025-04-15 (H20 letter of 2025-04-09), press of 2025-08 (H20 licences, 15%),
91 FR 1684 (case-by-case lane from 2026-01-15, TPP < 21,000 and DRAM < 6,500 GB/s), 88 FR 73458 (3A090 from
2023-11-17), 88 FR 71991 (Biren and Moore Threads listed 2023-10-17), Reuters 2025-11-05 (state-funded data centres).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from chipshift.catalog import load_catalog, load_policy
from chipshift.catalog.policy import (
    Buyer,
    ConditionKind,
    ExportStatusKind,
    Match,
    MayBuy,
    Policy,
    Presumption,
    RuleStatus,
    Sector,
    Transaction,
    applicable_rules,
    export_status,
    policy_from_catalog,
    purchase_outlook,
    risk_profile,
    rules_in_force,
)
from chipshift.catalog.schema import Chip, Figure
from chipshift.errors import InputFileError

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def _chip(name: str) -> Chip:
    return load_catalog().chip(name)


def _ids(chip: str, policy: Policy, on: str, buyer: Buyer | None = None) -> set[str]:
    return {a.rule.id for a in applicable_rules(_chip(chip), policy, D(on), buyer)}


# --- done-when: H20 -------------------------------------------------------------------------------------------------
def test_h20_before_the_letter_is_not_controlled(policy: Policy) -> None:
    status = export_status(_chip("H20"), policy, D("2025-04-08"))
    assert status.kind is ExportStatusKind.NOT_CONTROLLED


def test_h20_in_may_2025_needs_a_licence_though_not_3a090(policy: Policy) -> None:
    status = export_status(_chip("H20"), policy, D("2025-05-01"))
    assert status.kind is ExportStatusKind.LICENCE_REQUIRED
    assert status.rules == ("us-h20-is-informed-2025",)
    found = {a.rule.id: a for a in applicable_rules(_chip("H20"), policy, D("2025-05-01"))}
    assert "us-3a090a-2023" not in found and "us-3a090b-2023" not in found
    # the working says which figure matched: the H20's own 4,000 GB/s
    assert any("memory bandwidth 4,000 GB/s >= 4,000" in line for line in found["us-h20-is-informed-2025"].working)


def test_h20_in_september_2025_is_licensed_with_the_revenue_share(policy: Policy) -> None:
    status = export_status(_chip("H20"), policy, D("2025-09-01"))
    assert status.kind is ExportStatusKind.LICENSED
    shares = [c for c in status.conditions if c.kind is ConditionKind.REVENUE_SHARE]
    assert len(shares) == 1 and shares[0].value == pytest.approx(0.15)
    outlook = purchase_outlook(_chip("H20"), policy, D("2025-09-01"))
    assert outlook.may_buy is MayBuy.WITH_LICENCE
    assert outlook.fee_share == pytest.approx(0.15)


# --- done-when: H200 before and after the lane ----------------------------------------------------------------------
def test_h200_before_the_lane_is_denied(policy: Policy) -> None:
    status = export_status(_chip("H200"), policy, D("2026-01-14"))
    assert status.kind is ExportStatusKind.LICENCE_REQUIRED
    assert status.presumption is Presumption.DENIAL
    # the example's 2025 purchase: the December announcement has no legal effect
    assert export_status(_chip("H200"), policy, D("2025-12-20")).presumption is Presumption.DENIAL
    assert purchase_outlook(_chip("H200"), policy, D("2025-12-20")).may_buy is MayBuy.NO


def test_h200_after_the_lane_is_case_by_case_with_its_conditions(policy: Policy) -> None:
    status = export_status(_chip("H200"), policy, D("2026-01-15"))
    assert status.kind is ExportStatusKind.CASE_BY_CASE
    kinds = {c.kind: c for c in status.conditions}
    assert kinds[ConditionKind.VOLUME_CAP].value == pytest.approx(0.5)
    assert ConditionKind.THIRD_PARTY_TESTING in kinds
    assert kinds[ConditionKind.TARIFF].value == pytest.approx(0.25)
    outlook = purchase_outlook(_chip("H200"), policy, D("2026-01-15"))
    assert outlook.volume_cap == pytest.approx(0.5)
    assert outlook.fee_share == pytest.approx(0.25)


def test_the_lane_excludes_reexports_and_in_country_transfers(policy: Policy) -> None:
    for transaction in (Transaction.REEXPORT, Transaction.IN_COUNTRY_TRANSFER):
        buyer = Buyer(transaction=transaction)
        status = export_status(_chip("H200"), policy, D("2026-03-01"), buyer)
        assert status.kind is ExportStatusKind.LICENCE_REQUIRED
        assert status.presumption is Presumption.DENIAL
        assert "us-lane-excludes-reexport-2026" in _ids("H200", policy, "2026-03-01", buyer)


def test_the_lane_reaches_equivalents_by_threshold_not_by_name(policy: Policy) -> None:
    # MI325X: FP8 2,614.9 x 8 = 20,919 < 21,000 and 6,000 < 6,500 GB/s; B200: 36,000 and 8,000 GB/s: outside
    assert export_status(_chip("MI325X"), policy, D("2026-02-01")).kind is ExportStatusKind.CASE_BY_CASE
    assert export_status(_chip("H100"), policy, D("2026-02-01")).kind is ExportStatusKind.CASE_BY_CASE
    b200 = export_status(_chip("B200"), policy, D("2026-02-01"))
    assert b200.kind is ExportStatusKind.LICENCE_REQUIRED and b200.presumption is Presumption.DENIAL


# --- the H20 letter propagates by predicate -------------------------------------------------------------------------
def test_the_h20_letter_catches_h20_and_mi308_not_chips_already_in_3a090(policy: Policy) -> None:
    on = "2025-05-01"
    assert "us-h20-is-informed-2025" in _ids("H20", policy, on)
    assert "us-h20-is-informed-2025" in _ids("MI308X", policy, on)
    for other in ("H100", "H200", "B200", "L20", "RTX 4090D", "910B"):
        assert "us-h20-is-informed-2025" not in _ids(other, policy, on), other
    assert export_status(_chip("MI308X"), policy, D(on)).kind is ExportStatusKind.LICENCE_REQUIRED


def test_a_chip_with_the_h20_bandwidth_is_caught_without_being_named(policy: Policy) -> None:
    # a hypothetical China part: L20 compute (not 3A090) with 4,100 GB/s of memory bandwidth
    l20 = _chip("L20")
    bandwidth = Figure(value=4100, source="nvidia-l20-tomshw", as_of="2025", confidence="estimate", note="test")
    fast = l20.model_copy(
        update={"id": "test-fast-l20", "memory": l20.memory.model_copy(update={"bandwidth_gb_s": bandwidth})}
    )
    found = {a.rule.id for a in applicable_rules(fast, policy, D("2025-05-01"))}
    assert "us-h20-is-informed-2025" in found
    assert export_status(fast, policy, D("2025-05-01")).kind is ExportStatusKind.LICENCE_REQUIRED


def test_an_unknown_figure_leaves_a_rule_undetermined_not_applied(policy: Policy) -> None:
    l20 = _chip("L20")
    blind = l20.model_copy(
        update={"id": "test-blind", "memory": l20.memory.model_copy(update={"bandwidth_gb_s": None})}
    )
    found = {a.rule.id: a for a in applicable_rules(blind, policy, D("2025-05-01"))}
    letter = found["us-h20-is-informed-2025"]
    assert letter.match is Match.UNDETERMINED
    assert "memory bandwidth" in letter.missing
    assert export_status(blind, policy, D("2025-05-01")).kind is ExportStatusKind.UNDETERMINED


# --- dates and other rules ------------------------------------------------------------------------------------------
def test_a800_passes_the_2022_rule_and_is_caught_in_2023(policy: Policy) -> None:
    assert export_status(_chip("A800"), policy, D("2023-06-01")).kind is ExportStatusKind.NOT_CONTROLLED
    assert export_status(_chip("A100"), policy, D("2023-06-01")).kind is ExportStatusKind.LICENCE_REQUIRED
    assert export_status(_chip("A800"), policy, D("2023-11-17")).kind is ExportStatusKind.LICENCE_REQUIRED
    # the 2023 rule supersedes the 2022 one from its effective date
    assert "us-3a090-2022" not in {r.id for r in rules_in_force(policy, D("2024-01-01"))}


def test_rules_before_and_after_effectivity(policy: Policy) -> None:
    day_before, day_of = D("2026-01-14"), D("2026-01-15")
    assert "us-case-by-case-lane-2026" not in {r.id for r in rules_in_force(policy, day_before)}
    assert "us-case-by-case-lane-2026" in {r.id for r in rules_in_force(policy, day_of)}
    # a rescinded rule is in force only between its dates
    assert "us-ai-diffusion-2025" in {r.id for r in rules_in_force(policy, D("2025-05-12"))}
    assert "us-ai-diffusion-2025" not in {r.id for r in rules_in_force(policy, D("2025-05-13"))}


def test_entity_listed_vendors_chips_show_their_listing(policy: Policy) -> None:
    on = "2026-01-01"
    assert "us-entity-list-huawei-2019" in _ids("910C", policy, on)
    assert "us-entity-list-cambricon-2022" in _ids("MLU370-X8", policy, on)
    assert "us-entity-list-biren-mthreads-2023" in _ids("BR100", policy, on)
    assert "us-entity-list-biren-mthreads-2023" in _ids("MTT S4000", policy, on)
    assert "us-entity-list-sugon-hygon-2019" in _ids("K100-AI", policy, on)
    assert "us-entity-list-biren-mthreads-2023" not in _ids("MTT S4000", policy, "2023-10-16")
    assert export_status(_chip("910C"), policy, D(on)).kind is ExportStatusKind.DOMESTIC


def test_state_funded_buyers_may_not_buy_foreign_chips_after_november_2025(policy: Policy) -> None:
    buyer = Buyer(state_funded=True)
    assert purchase_outlook(_chip("H20"), policy, D("2025-11-05"), buyer).may_buy is MayBuy.NO
    assert purchase_outlook(_chip("H20"), policy, D("2025-11-04"), buyer).may_buy is MayBuy.WITH_LICENCE
    assert purchase_outlook(_chip("H20"), policy, D("2025-11-05")).may_buy is MayBuy.WITH_LICENCE
    assert purchase_outlook(_chip("910B"), policy, D("2025-11-05"), buyer).may_buy is MayBuy.YES


def test_government_buyers_get_the_domestic_price_preference_from_2026(policy: Policy) -> None:
    government = Buyer(sector=Sector.GOVERNMENT)
    assert purchase_outlook(_chip("910B"), policy, D("2026-01-01"), government).price_preference == pytest.approx(0.2)
    assert purchase_outlook(_chip("910B"), policy, D("2025-12-31"), government).price_preference == 0.0
    assert purchase_outlook(_chip("910B"), policy, D("2026-01-01")).price_preference == 0.0
    assert purchase_outlook(_chip("H20"), policy, D("2026-01-01"), government).price_preference == 0.0


def test_critical_infrastructure_needs_a_review(policy: Policy) -> None:
    buyer = Buyer(sector=Sector.FINANCE, critical_infrastructure=True)
    outlook = purchase_outlook(_chip("910B"), policy, D("2026-01-01"), buyer)
    assert "cn-cybersecurity-review-2022" in outlook.reviews


# --- proposed rules -------------------------------------------------------------------------------------------------
def test_the_chip_security_act_is_proposed_never_in_force(policy: Policy) -> None:
    act = policy.rule("us-chip-security-act")
    assert act.status is RuleStatus.PROPOSED
    for year in range(2025, 2031):
        assert act.id not in {r.id for r in rules_in_force(policy, dt.date(year, 12, 31))}
    assert act.id not in _ids("H200", policy, "2026-06-01")


def test_a_scenario_can_assume_the_chip_security_act_enacted(policy: Policy) -> None:
    assumed = policy.assuming({"us-chip-security-act": D("2027-01-01")})
    assert "us-chip-security-act" not in _ids("H200", assumed, "2026-12-31")
    found = {a.rule.id: a for a in applicable_rules(_chip("H200"), assumed, D("2027-01-01"))}
    assert found["us-chip-security-act"].assumed
    with pytest.raises(ValueError, match="not a proposed rule"):
        policy.assuming({"us-3a090a-2023": D("2027-01-01")})


def test_the_safe_chips_act_would_ban_the_lane_only_if_assumed(policy: Policy) -> None:
    on = D("2026-06-01")
    assert export_status(_chip("H200"), policy, on).kind is ExportStatusKind.CASE_BY_CASE
    assumed = policy.assuming({"us-safe-chips-act": D("2026-03-01")})
    assert export_status(_chip("H200"), assumed, on).kind is ExportStatusKind.BANNED


# --- risk -----------------------------------------------------------------------------------------------------------
def test_h20_and_h200_no_longer_share_a_security_score(policy: Policy) -> None:
    on = D("2025-09-01")
    h20, h200 = risk_profile(_chip("H20"), policy, on), risk_profile(_chip("H200"), policy, on)
    assert h20.china_regulatory > h200.china_regulatory
    assert any(r.rule == "cn-cac-h20-summons-2025" for r in h20.reasons)


def test_risk_dimensions_are_on_a_0_to_1_scale_with_reasons(policy: Policy) -> None:
    for name in ("H20", "H200", "910C", "MLU370-X8", "J6P"):
        profile = risk_profile(_chip(name), policy, D("2026-02-01"), Buyer(sector=Sector.GOVERNMENT))
        for value in (profile.export_licence, profile.china_regulatory, profile.location_verification, profile.supply):
            assert 0.0 <= value <= 1.0
        assert profile.reasons
    ascend = risk_profile(_chip("910C"), policy, D("2026-02-01"))
    assert ascend.export_licence == pytest.approx(0.3)  # GP10 guidance only; domestic status scores 0
    assert ascend.supply > 0.5  # Entity List, HBM, Sophgo
    h200 = risk_profile(_chip("H200"), policy, D("2026-02-01"))
    assert h200.location_verification == pytest.approx(0.4)  # Chip Security Act at half weight while proposed


# --- user rules and caching -----------------------------------------------------------------------------------------
def test_a_rule_in_a_user_catalog_changes_applicable_rules_with_no_code_change(tmp_path: Path) -> None:
    (tmp_path / "our-rules.yaml").write_text(
        "sources:\n"
        "  - {id: our-board, title: Board decision 2026-07, url_missing_reason: internal minutes}\n"
        "rules:\n"
        "  - id: our-no-nvidia-2026\n"
        "    jurisdiction: other\n"
        "    authority: our board\n"
        "    kind: procurement-list\n"
        "    title: No new NVIDIA purchases\n"
        "    title_zh: 不再采购英伟达\n"
        "    summary: The board stops NVIDIA purchases from July 2026.\n"
        "    summary_zh: 董事会自2026年7月起停止采购英伟达。\n"
        "    effective: 2026-07-01\n"
        "    applies_to: {chip: {vendors: [NVIDIA]}}\n"
        "    effect: {kind: ban}\n"
        "    source: our-board\n"
        "    confidence: primary\n",
        encoding="utf-8",
    )
    ours = policy_from_catalog(load_catalog([tmp_path]))
    h20 = load_catalog([tmp_path]).chip("H20")
    assert "our-no-nvidia-2026" not in {a.rule.id for a in applicable_rules(h20, ours, D("2026-06-30"))}
    assert "our-no-nvidia-2026" in {a.rule.id for a in applicable_rules(h20, ours, D("2026-07-01"))}
    assert purchase_outlook(h20, ours, D("2026-07-01")).may_buy is MayBuy.NO
    assert "our-no-nvidia-2026" not in {r.id for r in load_policy().rules}


def test_a_user_rule_replaces_a_shipped_rule_by_id(tmp_path: Path) -> None:
    data = json.loads(load_policy().rule("us-case-by-case-lane-2026").model_dump_json())
    data["effective"] = "2026-06-01"
    (tmp_path / "later-lane.yaml").write_text(json.dumps({"rules": [data]}), encoding="utf-8")
    ours = policy_from_catalog(load_catalog([tmp_path]))
    assert export_status(_chip("H200"), ours, D("2026-03-01")).kind is ExportStatusKind.LICENCE_REQUIRED
    assert export_status(_chip("H200"), ours, D("2026-06-01")).kind is ExportStatusKind.CASE_BY_CASE


def test_results_are_cached_per_chip_and_date_and_follow_a_modified_chip(policy: Policy) -> None:
    h20 = _chip("H20")
    first = applicable_rules(h20, policy, D("2025-05-01"))
    assert applicable_rules(h20, policy, D("2025-05-01")) is first
    slower = h20.model_copy(update={"memory": h20.memory.model_copy(update={"bandwidth_gb_s": None})})
    assert applicable_rules(slower, policy, D("2025-05-01")) is not first


def test_an_outlook_must_match_the_rules_standing(tmp_path: Path) -> None:
    data = json.loads(load_policy().rule("us-case-by-case-lane-2026").model_dump_json())
    assert data["outlook"]["change"] == "ends"
    data["outlook"]["change"] = "enacted"  # an in-force rule cannot be enacted again
    (tmp_path / "bad.yaml").write_text(json.dumps({"rules": [data]}), encoding="utf-8")
    with pytest.raises(InputFileError, match=r"outlook\.change must be 'enacted' for a proposed rule"):
        load_catalog([tmp_path])
