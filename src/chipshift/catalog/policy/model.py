"""Typed schema of policy rules: dated, sourced rules from both sides (US export controls, China-side procurement and
security rules) with a predicate over the chip and the buyer and an effect.

Rules are data (``catalog/data/policy/*.yaml``, or any ``rules:`` section of a user's catalog file); this module
holds only their shape. A rule applies on a date when it is in force on that date (``effective`` <= date <
``ends``, status not ``proposed``) and its predicate matches the chip and the buyer.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chipshift.catalog.classify import ExportClass
from chipshift.catalog.schema import ChipKind, ChipStatus
from chipshift.quantities import Fraction, PositiveFloat

RULE_ID = re.compile(r"[a-z0-9][a-z0-9.-]*")


class Jurisdiction(enum.StrEnum):
    """Whose rule it is."""

    US = "US"
    CN = "CN"
    OTHER = "other"


class RuleKind(enum.StrEnum):
    """What kind of measure a rule is."""

    EXPORT_CLASSIFICATION = "export-classification"
    LICENCE_REQUIREMENT = "licence-requirement"
    LICENCE_POLICY = "licence-policy"
    LICENCE_GRANT = "licence-grant"
    LICENCE_REVOCATION = "licence-revocation"
    IMPORT_RESTRICTION = "import-restriction"
    TARIFF = "tariff"
    PROCUREMENT_PREFERENCE = "procurement-preference"
    PROCUREMENT_LIST = "procurement-list"
    SECURITY_REVIEW = "security-review"
    ENTITY_LISTING = "entity-listing"
    LOCATION_VERIFICATION = "location-verification-mandate"
    SUPPLY_CONTROL = "supply-control"
    GUIDANCE = "guidance"


class RuleStatus(enum.StrEnum):
    """Legal standing of a rule: a ``proposed`` rule is never in force unless a scenario assumes it enacted."""

    IN_FORCE = "in-force"
    PROPOSED = "proposed"
    RESCINDED = "rescinded"
    REPORTED = "reported"


class RuleConfidence(enum.StrEnum):
    """How firmly the rule's text and figures are known."""

    PRIMARY = "primary"
    COMPANY_FILING = "company-filing"
    LAW_FIRM = "law-firm"
    PRESS = "press"
    ESTIMATE = "estimate"


class Sector(enum.StrEnum):
    """The buyer's sector (the China-side rules depend on it)."""

    GOVERNMENT = "government"
    STATE_ENTERPRISE = "state-enterprise"
    FINANCE = "finance"
    ENERGY = "energy"
    TELECOM = "telecom"
    TRANSPORT = "transport"
    WATER = "water"
    HEALTHCARE = "healthcare"
    DEFENCE_INDUSTRY = "defence-industry"
    RESEARCH = "research"
    INTERNET = "internet"
    CLOUD = "cloud"
    MANUFACTURING = "manufacturing"
    AUTOMOTIVE = "automotive"
    COMMERCIAL = "commercial"


class Transaction(enum.StrEnum):
    """How the chip reaches the buyer, in the EAR's terms."""

    EXPORT = "export"
    REEXPORT = "reexport"
    IN_COUNTRY_TRANSFER = "in-country-transfer"


class EndUse(enum.StrEnum):
    """What the buyer uses the chips for, where a rule cares."""

    TRAINING = "training"
    INFERENCE = "inference"
    SUPERCOMPUTER = "supercomputer"
    MILITARY = "military"
    RESEARCH = "research"
    AUTOMOTIVE = "automotive"


class EffectKind(enum.StrEnum):
    """What a rule does to buying the chip."""

    BAN = "ban"
    LICENCE_REQUIRED = "licence-required"
    REVIEW_POLICY = "review-policy"
    LICENCE_GRANTED = "licence-granted"
    LICENCE_REVOKED = "licence-revoked"
    PRICE_PREFERENCE = "price-preference"
    REVIEW_REQUIRED = "review-required"
    DISCOURAGED = "discouraged"
    LOCATION_VERIFICATION = "location-verification"
    SUPPLY_RESTRICTED = "supply-restricted"
    FEE = "fee"
    NOTICE = "notice"


class Presumption(enum.StrEnum):
    """The licence review policy, from hardest to easiest."""

    DENIAL = "denial"
    CASE_BY_CASE = "case-by-case"
    APPROVAL = "approval"
    UNSTATED = "unstated"


class ConditionKind(enum.StrEnum):
    """A condition attached to a licence, lane or preference."""

    VOLUME_CAP = "volume-cap"
    REVENUE_SHARE = "revenue-share"
    TARIFF = "tariff"
    THIRD_PARTY_TESTING = "third-party-testing"
    KNOW_YOUR_CUSTOMER = "know-your-customer"
    SUPPLY_CERTIFICATION = "supply-certification"
    NOTIFICATION = "notification"
    OTHER = "other"


class RiskDimension(enum.StrEnum):
    """The strategic-risk dimensions a rule can move (documented in docs/policy.md)."""

    EXPORT_LICENCE = "export-licence"
    CHINA_REGULATORY = "china-regulatory"
    LOCATION_VERIFICATION = "location-verification"
    SUPPLY = "supply"


class Condition(BaseModel):
    """One condition of a licence or lane: a figure where it has one, and its words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ConditionKind
    """What the condition is."""
    value: Fraction | None = None
    """Its size as a share (0.5 = 50% volume cap, 0.15 = 15% revenue share), where it has one."""
    text: str
    """The condition in words (English)."""
    text_zh: str | None = None
    """The condition in Chinese."""


class Effect(BaseModel):
    """What a rule does when it applies."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: EffectKind
    """Ban, licence required, review policy, licence granted, price preference, review required, ..."""
    presumption: Presumption | None = None
    """Licence review policy (licence-required and review-policy effects)."""
    conditions: tuple[Condition, ...] = ()
    """Conditions: volume cap, revenue share, tariff, third-party testing, ..."""
    price_preference: Fraction | None = None
    """Price evaluation preference for qualifying products (0.2 = domestic bids are scored 20% cheaper)."""

    @model_validator(mode="after")
    def _shape(self) -> Effect:
        needs_presumption = {EffectKind.LICENCE_REQUIRED, EffectKind.REVIEW_POLICY}
        if self.kind in needs_presumption and self.presumption is None:
            raise ValueError(
                f"a {self.kind.value} effect needs a presumption (denial, case-by-case, approval, unstated)"
            )
        if self.kind is EffectKind.PRICE_PREFERENCE and self.price_preference is None:
            raise ValueError("a price-preference effect needs price_preference (a share, 0.2 = 20%)")
        return self


class ChipPredicate(BaseModel):
    """Conditions on the chip; every condition given must hold (``any_of`` holds when one of its parts holds).

    A condition on a figure the catalog lacks is undecided, never assumed true or false.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    chip_ids: tuple[str, ...] = ()
    """The rule names these chips."""
    vendors: tuple[str, ...] = ()
    """Vendor names (case-insensitive; 'Huawei' matches 'Huawei')."""
    designer_countries: tuple[str, ...] = ()
    """ISO codes of the designer's home."""
    not_designer_countries: tuple[str, ...] = ()
    """ISO codes the designer's home must not be."""
    fab_countries: tuple[str, ...] = ()
    """ISO codes of where the logic die is made."""
    not_fab_countries: tuple[str, ...] = ()
    """ISO codes the logic die must not be made in."""
    kinds: tuple[ChipKind, ...] = ()
    """Market segments (datacenter-training, automotive, ...)."""
    datacenter: bool | None = None
    """Designed or marketed for data centres."""
    statuses: tuple[ChipStatus, ...] = ()
    """Market status (shipping stands for 'commercially available')."""
    export_classes: tuple[ExportClass, ...] = ()
    """The computed ECCN 3A090 class."""
    tpp_min: PositiveFloat | None = None
    """TPP at or above."""
    tpp_below: PositiveFloat | None = None
    """TPP strictly below."""
    density_min: PositiveFloat | None = None
    """Performance density at or above."""
    memory_bandwidth_min_gb_s: PositiveFloat | None = None
    """Memory (DRAM) bandwidth at or above, GB/s."""
    memory_bandwidth_below_gb_s: PositiveFloat | None = None
    """Memory (DRAM) bandwidth strictly below, GB/s."""
    interconnect_min_gb_s: PositiveFloat | None = None
    """Chip-to-chip bandwidth at or above, GB/s."""
    combined_bandwidth_min_gb_s: PositiveFloat | None = None
    """Memory plus chip-to-chip bandwidth at or above, GB/s."""
    hbm: bool | None = None
    """Whether the chip carries high-bandwidth memory."""
    any_of: tuple[ChipPredicate, ...] = ()
    """Alternatives: at least one must hold."""


class BuyerPredicate(BaseModel):
    """Conditions on the buyer; every condition given must hold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sectors: tuple[Sector, ...] = ()
    """The buyer's sector is one of these."""
    state_funded: bool | None = None
    """The project receives state funds."""
    critical_infrastructure: bool | None = None
    """The buyer operates critical information infrastructure (关键信息基础设施)."""
    end_uses: tuple[EndUse, ...] = ()
    """The end use is one of these."""
    transactions: tuple[Transaction, ...] = ()
    """The chip reaches the buyer by one of these (export from the US, re-export, in-country transfer)."""


class Predicate(BaseModel):
    """Which chips and buyers a rule reaches."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chip: ChipPredicate = Field(default_factory=ChipPredicate)
    """Conditions on the chip."""
    buyer: BuyerPredicate = Field(default_factory=BuyerPredicate)
    """Conditions on the buyer."""


class RiskWeight(BaseModel):
    """How much a rule adds to one risk dimension when it applies (0-1; combined as independent hazards)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dimension: RiskDimension
    """Which dimension."""
    score: Fraction
    """Contribution on the 0-1 scale (chipshift's documented default, not a fact)."""
    why: str
    """One sentence."""


class OutlookChange(enum.StrEnum):
    """What may happen to a rule in a plan's future."""

    ENDS = "ends"
    """The rule stops applying: a licence revoked, a block lifted, a lane closed."""
    ENACTED = "enacted"
    """A proposed rule takes effect."""


class RuleOutlook(BaseModel):
    """The chance that a rule changes in any one year ahead: what the plan's Monte Carlo draws.

    A judgement, never a fact: ``confidence`` says whose, ``why`` gives the reasoning a reader can dispute, and a
    scenario can change the probability (``monte_carlo.rule_outlooks``) or set it to 0.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    change: OutlookChange
    """Ends (in force or reported rules) or enacted (proposed rules)."""
    probability_per_year: Fraction
    """Chance that it happens in a given plan year, if it has not happened before."""
    earliest: dt.date | None = None
    """It cannot happen before this date (a bill's next stage, a licence's term)."""
    why: str
    """The reasoning behind the probability, one or two sentences (English)."""
    why_zh: str
    """The same (Chinese)."""
    confidence: RuleConfidence = RuleConfidence.ESTIMATE
    """Whose judgement: ``estimate`` for chipshift's own."""


class PolicyRule(BaseModel):
    """One dated, sourced rule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    """Stable id (``us-h20-is-informed-2025``)."""
    jurisdiction: Jurisdiction
    """US, CN or other."""
    authority: str
    """Who made it (BIS, US President, US Congress, CAC, State Council, MOF, GACC ...)."""
    kind: RuleKind
    """What kind of measure it is."""
    status: RuleStatus = RuleStatus.IN_FORCE
    """In force, proposed (never in force unless assumed), rescinded or reported (press, not an official text)."""
    title: str
    """Short title (English)."""
    title_zh: str
    """Short title (Chinese)."""
    summary: str
    """What it does, one or two sentences (English)."""
    summary_zh: str
    """What it does (Chinese)."""
    effective: dt.date
    """First day in force (for a proposed rule: the date it was introduced)."""
    ends: dt.date | None = None
    """First day no longer in force (rescinded, superseded), if any."""
    applies_to: Predicate = Field(default_factory=Predicate)
    """Which chips and buyers it reaches."""
    effect: Effect
    """What it does to buying."""
    risk: tuple[RiskWeight, ...] = ()
    """Risk it adds, by dimension."""
    source: str
    """Id of a :class:`~chipshift.catalog.schema.Source`."""
    confidence: RuleConfidence
    """How firmly the rule is known: read in the primary text, a company filing, a law-firm note, press, estimate."""
    source_note: str | None = None
    """What was and was not confirmed (thresholds, dates, fees) and where."""
    supersedes: tuple[str, ...] = ()
    """Ids of rules this one replaces from its effective date."""
    outlook: RuleOutlook | None = None
    """The chance it ends (or, proposed, is enacted) in a year ahead, for the plan's Monte Carlo."""

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not RULE_ID.fullmatch(value):
            raise ValueError(f"id must be lower-case letters, digits, '.' and '-', not '{value}'")
        return value

    @property
    def outlook_change(self) -> OutlookChange:
        """What a future change of this rule is: enacted for a proposed rule, ends for any other."""
        return OutlookChange.ENACTED if self.status is RuleStatus.PROPOSED else OutlookChange.ENDS

    @model_validator(mode="after")
    def _dates(self) -> PolicyRule:
        if self.ends is not None and self.ends <= self.effective:
            raise ValueError(f"ends ({self.ends}) must be after effective ({self.effective})")
        if self.status is RuleStatus.RESCINDED and self.ends is None:
            raise ValueError("a rescinded rule needs the date it ended ('ends')")
        if self.outlook is not None:
            if self.outlook.change is not self.outlook_change:
                raise ValueError(
                    "outlook.change must be 'enacted' for a proposed rule and 'ends' for any other"
                    f" (this rule is {self.status.value})"
                )
            if self.status is RuleStatus.RESCINDED:
                raise ValueError("a rescinded rule has no outlook: it has ended")
        return self


RuleList = Annotated[list[PolicyRule], Field(default_factory=list)]
