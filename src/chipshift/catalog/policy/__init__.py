"""Policy and risk as dated, sourced rules from both sides (US export controls; China-side procurement, security and
customs rules), applied per date and per buyer.

The rules are data: ``catalog/data/policy/*.yaml`` and the ``rules:`` section of any file in a user's ``--catalog``
directory (a user rule adds to the shipped ones or replaces one with the same id). Public API, all pure functions
over a :class:`Policy` with typed, frozen results:

- :func:`policy_from_catalog`: the rules and their sources (:func:`chipshift.catalog.load_policy` loads the catalog
  and makes the policy in one call).
- :func:`rules_in_force`: rules in force on a date (proposed rules only if a scenario assumes them enacted).
- :func:`applicable_rules`: the rules that apply to a chip and a :class:`Buyer` on a date, with their working.
- :func:`export_status`: domestic, not controlled, licence required (with presumption), case-by-case (with
  conditions), licensed (with conditions), banned or undetermined.
- :func:`purchase_outlook`: may the buyer buy (yes / with licence / no), the volume cap, fee share and price
  preference, the reviews and the guidance against it.
- :func:`risk_profile`: export-licence, China-regulatory, location-verification and supply risk on 0-1 scales.
"""

from __future__ import annotations

from chipshift.catalog.policy.match import Buyer, ChipFacts, Match
from chipshift.catalog.policy.model import (
    Condition,
    ConditionKind,
    EffectKind,
    EndUse,
    Jurisdiction,
    OutlookChange,
    PolicyRule,
    Presumption,
    RiskDimension,
    RuleConfidence,
    RuleKind,
    RuleOutlook,
    RuleStatus,
    Sector,
    Transaction,
)
from chipshift.catalog.policy.risk import RiskProfile, RiskReason, risk_profile
from chipshift.catalog.policy.status import (
    Applicability,
    ExportStatus,
    ExportStatusKind,
    MayBuy,
    Policy,
    PurchaseOutlook,
    applicable_rules,
    export_status,
    policy_from_catalog,
    purchase_outlook,
    rule_applicability,
    rules_in_force,
)

__all__ = [
    "Applicability",
    "Buyer",
    "ChipFacts",
    "Condition",
    "ConditionKind",
    "EffectKind",
    "EndUse",
    "ExportStatus",
    "ExportStatusKind",
    "Jurisdiction",
    "Match",
    "MayBuy",
    "OutlookChange",
    "Policy",
    "PolicyRule",
    "Presumption",
    "PurchaseOutlook",
    "RiskDimension",
    "RiskProfile",
    "RiskReason",
    "RuleConfidence",
    "RuleKind",
    "RuleOutlook",
    "RuleStatus",
    "Sector",
    "Transaction",
    "applicable_rules",
    "export_status",
    "policy_from_catalog",
    "purchase_outlook",
    "risk_profile",
    "rule_applicability",
    "rules_in_force",
]
