"""Plain-data views of rules, statuses and outlooks for the CLI and reports (English and Chinese side by side)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from chipshift.catalog.policy.match import Buyer, ChipFacts, Match, chip_outcome
from chipshift.catalog.policy.model import Condition, PolicyRule
from chipshift.catalog.policy.risk import RiskProfile
from chipshift.catalog.policy.status import Applicability, ExportStatus, Policy, PurchaseOutlook, chip_facts
from chipshift.catalog.schema import Chip

RULE_COLUMNS: tuple[str, ...] = ("id", "jurisdiction", "kind", "status", "effective", "ends", "title", "confidence")


def source_dict(policy: Policy, source_id: str) -> dict[str, Any]:
    """A rule's source as plain data (id, title, publisher, url or why there is none, date)."""
    source = policy.sources.get(source_id)
    if source is None:
        return {"id": source_id}
    return {"id": source_id, **source.model_dump(mode="json", exclude_none=True)}


def rule_row(rule: PolicyRule, chinese: bool = False) -> dict[str, Any]:
    """One row of ``policy list``."""
    return {
        "id": rule.id,
        "jurisdiction": rule.jurisdiction.value,
        "kind": rule.kind.value,
        "status": rule.status.value,
        "effective": rule.effective.isoformat(),
        "ends": rule.ends.isoformat() if rule.ends else None,
        "title": rule.title_zh if chinese else rule.title,
        "title_zh": rule.title_zh,
        "confidence": rule.confidence.value,
        "source": rule.source,
    }


def condition_dict(condition: Condition) -> dict[str, Any]:
    """A condition as plain data."""
    return condition.model_dump(mode="json", exclude_none=True)


def chips_reached(rule: PolicyRule, policy: Policy, chips: Iterable[Chip]) -> list[dict[str, Any]]:
    """The catalog chips a rule's chip predicate reaches (buyer conditions aside), with undetermined ones marked."""
    found = []
    for chip in sorted(chips, key=lambda c: c.id):
        facts: ChipFacts = chip_facts(policy, chip)
        outcome = chip_outcome(rule.applies_to.chip, facts)
        if outcome.match is not Match.DOES_NOT_APPLY:
            found.append({"chip": chip.id, "match": outcome.match.value, "missing": list(outcome.missing)})
    return found


def rule_detail(rule: PolicyRule, policy: Policy, chips: Iterable[Chip]) -> dict[str, Any]:
    """Everything about one rule: its fields, its source and the chips it reaches."""
    data = rule.model_dump(mode="json", exclude_none=True)
    data["applies_to"] = rule.applies_to.model_dump(mode="json", exclude_defaults=True)
    data["source_detail"] = source_dict(policy, rule.source)
    data["reaches"] = chips_reached(rule, policy, chips)
    return data


def applicability_dict(applied: Applicability, policy: Policy) -> dict[str, Any]:
    """An applicable rule with its effect, working and source."""
    rule = applied.rule
    return {
        "id": rule.id,
        "jurisdiction": rule.jurisdiction.value,
        "kind": rule.kind.value,
        "status": rule.status.value,
        "effective": rule.effective.isoformat(),
        "title": rule.title,
        "title_zh": rule.title_zh,
        "effect": rule.effect.kind.value,
        "presumption": rule.effect.presumption.value if rule.effect.presumption else None,
        "conditions": [condition_dict(c) for c in rule.effect.conditions],
        "match": applied.match.value,
        "working": list(applied.working),
        "missing": list(applied.missing),
        "assumed": applied.assumed,
        "confidence": rule.confidence.value,
        "source": source_dict(policy, rule.source),
    }


def export_status_dict(status: ExportStatus) -> dict[str, Any]:
    """Export status as plain data."""
    return {
        "status": status.kind.value,
        "presumption": status.presumption.value if status.presumption else None,
        "conditions": [condition_dict(c) for c in status.conditions],
        "rules": list(status.rules),
        "reason": status.reason,
    }


def outlook_dict(outlook: PurchaseOutlook, risk: RiskProfile) -> dict[str, Any]:
    """What buying means on the date, with the risk scores."""
    return {
        "may_buy": outlook.may_buy.value,
        "volume_cap": outlook.volume_cap,
        "fee_share": outlook.fee_share,
        "price_preference": outlook.price_preference,
        "blocked_by": list(outlook.blocked_by),
        "reviews": list(outlook.reviews),
        "discouraged_by": list(outlook.discouraged_by),
        "risk": {
            "export_licence": risk.export_licence,
            "china_regulatory": risk.china_regulatory,
            "location_verification": risk.location_verification,
            "supply": risk.supply,
        },
    }


def buyer_dict(buyer: Buyer, on: dt.date) -> dict[str, Any]:
    """The buyer and date the rules were applied for."""
    return {
        "on": on.isoformat(),
        "sector": buyer.sector.value,
        "state_funded": buyer.state_funded,
        "critical_infrastructure": buyer.critical_infrastructure,
        "transaction": buyer.transaction.value,
        "end_use": buyer.end_use.value if buyer.end_use else None,
    }
