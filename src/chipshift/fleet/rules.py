"""The user's targets file: what counts as domestic, the targets to meet, consolidation ratios and currency.

The domestic rule itself lives in the catalog (:mod:`chipshift.catalog.domestic`): the pipeline applies the same
rule to the candidates it compares and plans.
"""

from __future__ import annotations

import enum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from chipshift.catalog.domestic import DomesticRule
from chipshift.datafiles import load_yaml_model
from chipshift.files import MiB
from chipshift.quantities import Fraction, PositiveFloat, Year


class Metric(enum.StrEnum):
    """What a domestic share is measured by."""

    COUNT = "count"
    EQUIVALENT_COUNT = "equivalent_count"
    COMPUTE = "compute"
    EDGE_COMPUTE = "edge_compute"
    MEMORY = "memory"
    VALUE = "value"
    POWER = "power"


METRIC_UNITS: dict[Metric, str] = {
    Metric.COUNT: "devices",
    Metric.EQUIVALENT_COUNT: "device equivalents",
    Metric.COMPUTE: "dense BF16/FP16 TFLOPS",
    Metric.EDGE_COMPUTE: "dense INT8 TOPS",
    Metric.MEMORY: "GB",
    Metric.VALUE: "currency units",
    Metric.POWER: "W",
}


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


class FleetTarget(BaseModel):
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
    targets: list[FleetTarget] = Field(default_factory=list)
    """Targets to check."""


TARGETS_LIMIT_BYTES = 16 * MiB
"""Largest targets file read."""


def load_policy(path: Path) -> FleetPolicy:
    """Read and validate a targets file; errors name the file, line and field."""
    return load_yaml_model(path, FleetPolicy, limit_bytes=TARGETS_LIMIT_BYTES, what="targets file")
