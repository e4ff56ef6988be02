"""What counts as domestic, the targets to meet, consolidation ratios and currency: the user's targets file.

The default rule is "designed by a company based in mainland China" (ISO ``CN``; Taiwan, Hong Kong and Macau are
separate codes), because that is what the car industry's and Shanghai's targets are usually read as and because Ascend
dies are partly made abroad. A user can count by fab location instead, or require both. Every report says which rule
it used (:meth:`DomesticRule.describe`).
"""

from __future__ import annotations

import enum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chipshift.datafiles import load_yaml_model
from chipshift.files import MiB
from chipshift.quantities import Fraction, PositiveFloat, Year


class DomesticBasis(enum.StrEnum):
    """Which country of a chip decides whether it is domestic."""

    DESIGNER = "designer"
    FAB = "fab"
    DESIGNER_AND_FAB = "designer-and-fab"
    DESIGNER_OR_FAB = "designer-or-fab"


class Metric(enum.StrEnum):
    """What a domestic share is measured by."""

    COUNT = "count"
    EQUIVALENT_COUNT = "equivalent_count"
    COMPUTE = "compute"
    MEMORY = "memory"
    VALUE = "value"
    POWER = "power"


METRIC_UNITS: dict[Metric, str] = {
    Metric.COUNT: "devices",
    Metric.EQUIVALENT_COUNT: "device equivalents",
    Metric.COMPUTE: "dense BF16/FP16 TFLOPS",
    Metric.MEMORY: "GB",
    Metric.VALUE: "currency units",
    Metric.POWER: "W",
}


class DomesticRule(BaseModel):
    """The rule that decides whether a chip is domestic."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    basis: DomesticBasis = DomesticBasis.DESIGNER
    """Designer country, fab country, both or either."""
    countries: tuple[str, ...] = ("CN",)
    """ISO 3166 codes that count as domestic (``CN`` is mainland China)."""

    @field_validator("countries")
    @classmethod
    def _upper(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("name at least one country code")
        return tuple(code.strip().upper() for code in value)

    @classmethod
    def default(cls) -> DomesticRule:
        """Designed in mainland China."""
        return cls()

    def describe(self) -> str:
        """One sentence for reports."""
        places = ", ".join(self.countries)
        return {
            DomesticBasis.DESIGNER: f"designer based in {places}",
            DomesticBasis.FAB: f"logic die made in {places}",
            DomesticBasis.DESIGNER_AND_FAB: f"designer based in and logic die made in {places}",
            DomesticBasis.DESIGNER_OR_FAB: f"designer based in or logic die made in {places}",
        }[self.basis]

    def is_domestic(self, designer_country: str | None, fab_country: str | None) -> bool | None:
        """True, False, or None when a country the rule needs is unknown."""
        designer = None if designer_country is None else designer_country in self.countries
        fab = None if fab_country is None else fab_country in self.countries
        if self.basis is DomesticBasis.DESIGNER:
            return designer
        if self.basis is DomesticBasis.FAB:
            return fab
        if self.basis is DomesticBasis.DESIGNER_AND_FAB:
            return False if False in (designer, fab) else (None if None in (designer, fab) else True)
        return True if True in (designer, fab) else (None if None in (designer, fab) else False)


class Consolidation(BaseModel):
    """One domestic chip doing the work of several of another (one NX9031 replaces four Orin-X)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chip: str
    """Catalog id (or alias) of the replacing chip."""
    replaces: str
    """Catalog id (or alias) of the chip it replaces."""
    ratio: PositiveFloat
    """How many of ``replaces`` one ``chip`` stands for, in the ``equivalent_count`` metric."""
    source: str | None = None
    """Where the ratio comes from."""


class TargetScope(BaseModel):
    """Which devices a target covers; empty means the whole fleet."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    site: str | None = None
    sector: str | None = None
    business_unit: str | None = None

    def describe(self) -> str:
        """``sector=automotive`` or ``whole fleet``."""
        parts = [f"{k}={v}" for k, v in self.model_dump().items() if v is not None]
        return ", ".join(parts) or "whole fleet"


class Target(BaseModel):
    """A minimum domestic share by a year."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    """What the target is (``Shanghai intelligent computing centres``)."""
    metric: Metric
    """What the share is measured by."""
    min_share: Fraction
    """Smallest domestic share that meets it (0.5 = 50%)."""
    by: Year
    """Year by which it must be met."""
    scope: TargetScope = Field(default_factory=TargetScope)
    """Devices it covers."""
    source: str | None = None
    """Where the target comes from."""


class FleetPolicy(BaseModel):
    """A targets file: the domestic rule, currency, exchange rates, consolidation ratios and targets."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: DomesticRule = Field(default_factory=DomesticRule)
    """What counts as domestic."""
    currency: str = "CNY"
    """Currency of the value metric."""
    exchange_rates: dict[str, PositiveFloat] = Field(default_factory=dict)
    """Units of ``currency`` per unit of another currency; prices in a currency without a rate are not counted."""
    consolidation: list[Consolidation] = Field(default_factory=list)
    """Consolidation ratios for the ``equivalent_count`` metric."""
    targets: list[Target] = Field(default_factory=list)
    """Targets to check."""


TARGETS_LIMIT_BYTES = 16 * MiB
"""Largest targets file read."""


def load_policy(path: Path) -> FleetPolicy:
    """Read and validate a targets file; errors name the file, line and field."""
    return load_yaml_model(path, FleetPolicy, limit_bytes=TARGETS_LIMIT_BYTES, what="targets file")
