"""The policy rules (``chipshift.catalog.policy``) applied to a scenario: per plan year, per site's buyer.

A plan year counts as open for a chip when the rules allow buying it at the start of at least one quarter of that year
(the H20, licensed again in August 2025, is open in 2025; the H200, case by case from 15 January 2026, opens in
2026). Its price that year carries the fees and duties of the quarters it is open, when the scenario passes them on.
The scenario may assume a proposed rule enacted (``regulatory.assume_enacted``; ``location_verification_mandated``
is the Chip Security Act from the first plan year) or set aside a reported rule it doubts (``regulatory.rules_off``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from chipshift.assess.scenario import Scenario, Site
from chipshift.catalog import Catalog, Chip
from chipshift.catalog.policy import (
    Buyer,
    Jurisdiction,
    MayBuy,
    Policy,
    PurchaseOutlook,
    RiskProfile,
    Sector,
    applicable_rules,
    policy_from_catalog,
    purchase_outlook,
    risk_profile,
)

CHIP_SECURITY_ACT = "us-chip-security-act"
"""The proposed rule ``regulatory.location_verification_mandated`` assumes enacted."""
QUARTER_STARTS = ((1, 1), (4, 1), (7, 1), (10, 1))


def scenario_policy(scenario: Scenario, catalog: Catalog) -> Policy:
    """The catalog's rules with the scenario's assumptions: rules set aside, proposed rules enacted (ids checked by
    :func:`chipshift.assess.checks.check_scenario`)."""
    policy = policy_from_catalog(catalog)
    known = {r.id for r in policy.rules}
    reg = scenario.regulatory
    enacted = dict(reg.assume_enacted)
    if reg.location_verification_mandated and CHIP_SECURITY_ACT in known:
        enacted.setdefault(CHIP_SECURITY_ACT, dt.date(scenario.years[0], 1, 1))
    if reg.rules_off:
        policy = Policy(tuple(r for r in policy.rules if r.id not in reg.rules_off), policy.sources)
    return policy.assuming(enacted) if enacted else policy


def buyer_for(scenario: Scenario, site: Site | None) -> Buyer:
    """The buyer a site stands for (the scenario's default buyer without a site)."""
    reg = scenario.regulatory
    sector = (site.policy_sector if site and site.policy_sector else None) or reg.sector
    state_funded = bool(site and site.state_funded)
    critical = bool(site.critical_infrastructure) if site else reg.critical_infrastructure
    return Buyer(sector=Sector(sector), state_funded=state_funded, critical_infrastructure=critical)


@dataclass(frozen=True)
class YearStatus:
    """What the rules let a buyer do with a chip in one plan year."""

    allowed: bool
    price_factor: float
    """1 plus the fees and duties passed on (1 when none, or when the scenario does not pass them on)."""
    reason: str
    """The rules behind a refusal, or the conditions."""
    us_only: bool = False
    """A refusal by US rules alone (a licence the scenario says is granted lifts it; a China-side ban stays)."""


def year_status(chip: Chip, policy: Policy, year: int, buyer: Buyer, *, pass_on_fees: bool) -> YearStatus:
    """Whether ``buyer`` may buy ``chip`` in ``year``: open if any quarter start allows it."""
    outlooks = [purchase_outlook(chip, policy, dt.date(year, m, d), buyer) for m, d in QUARTER_STARTS]
    open_ = [o for o in outlooks if o.may_buy in (MayBuy.YES, MayBuy.WITH_LICENCE)]
    if not open_:
        last = outlooks[-1]
        china = [r for r in last.blocked_by if policy.rule(r).jurisdiction is Jurisdiction.CN]
        return YearStatus(False, 1.0, _refusal(last, policy), us_only=not china)
    latest = open_[-1]
    factor = 1.0 + latest.fee_share if pass_on_fees else 1.0
    conditions = "; ".join(c.text for c in latest.export.conditions)
    return YearStatus(True, factor, conditions)


def _refusal(outlook: PurchaseOutlook, policy: Policy) -> str:
    """The rules that refuse the purchase, by title and id (the US status when no rule bans it outright)."""
    if outlook.may_buy is MayBuy.UNDETERMINED:
        return f"undetermined: {outlook.export.reason}"
    if outlook.blocked_by:
        return "; ".join(f"{policy.rule(r).title} ({r})" for r in outlook.blocked_by)
    rules = outlook.export.rules
    return f"{outlook.export.reason} ({', '.join(rules)})" if rules else outlook.export.reason


def first_year_risk(chip: Chip, policy: Policy, scenario: Scenario) -> RiskProfile:
    """The rules' four risk scores for the scenario's default buyer at the start of the plan."""
    return risk_profile(chip, policy, dt.date(scenario.years[0], 1, 1), buyer_for(scenario, None))


@dataclass(frozen=True)
class AppliedRule:
    """A rule that applies (or may apply) to a chip of the scenario in a plan year."""

    rule_id: str
    chips: tuple[str, ...]
    years: tuple[int, ...]


def applied_rules(chips: list[Chip], policy: Policy, scenario: Scenario) -> list[AppliedRule]:
    """Every rule touching a candidate or fleet chip in a plan year, for the default buyer or a site's, in order."""
    buyers = {buyer_for(scenario, None), *(buyer_for(scenario, site) for site in scenario.sites)}
    found: dict[str, tuple[set[str], set[int]]] = {}
    for chip in chips:
        for year in scenario.years:
            for buyer in buyers:
                for applicability in applicable_rules(chip, policy, dt.date(year, 7, 1), buyer):
                    chip_ids, years = found.setdefault(applicability.rule.id, (set(), set()))
                    chip_ids.add(chip.id)
                    years.add(year)
    order = [r.id for r in policy.rules]
    return [
        AppliedRule(rule_id, tuple(sorted(found[rule_id][0])), tuple(sorted(found[rule_id][1])))
        for rule_id in order
        if rule_id in found
    ]


def candidate_years(chip: Chip, ids: tuple[str, ...], scenario: Scenario, policy: Policy) -> dict[int, YearStatus]:
    """Per plan year, whether the scenario's default buyer may buy the chip: the rules, then the scenario's own
    licence changes (which override the rules from their year on, for ``ids``)."""
    buyer = buyer_for(scenario, None)
    fees = scenario.regulatory.pass_on_fees
    years = {y: year_status(chip, policy, y, buyer, pass_on_fees=fees) for y in scenario.years}
    for change in sorted(scenario.regulatory.licences, key=lambda c: c.year):
        if change.chip not in ids:
            continue
        note = f"scenario: licence {change.status} from {change.year}" + (
            f" ({change.source})" if change.source else ""
        )
        for year, status in years.items():
            if year < change.year:
                continue
            if change.status == "revoked":
                years[year] = YearStatus(False, status.price_factor, note, us_only=True)
            elif status.allowed or status.us_only:  # a US licence cannot lift a China-side ban
                years[year] = YearStatus(True, status.price_factor, note)
    return years


def site_blocks(chip: Chip, scenario: Scenario, policy: Policy, site: Site) -> dict[int, str]:
    """Years the rules refuse the chip to this site's buyer though the default buyer may buy it, with why."""
    buyer = buyer_for(scenario, site)
    default = buyer_for(scenario, None)
    if buyer == default:
        return {}
    fees = scenario.regulatory.pass_on_fees
    blocked = {}
    for year in scenario.years:
        here = year_status(chip, policy, year, buyer, pass_on_fees=fees)
        if not here.allowed and year_status(chip, policy, year, default, pass_on_fees=fees).allowed:
            blocked[year] = here.reason
    return blocked
