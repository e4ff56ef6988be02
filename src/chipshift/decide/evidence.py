"""What decide and plan know about each candidate: typed evidence gathered from the other engines.

The pipeline's adapters (:mod:`chipshift.assess.evidence`) fill these from catalog, perf, scan and fleet; tests
build them by hand. Every figure that came from somewhere carries a note of where.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class ExportStatus(enum.StrEnum):
    """Whether a chip can be bought into China under US export rules, from its latest regulatory event."""

    DOMESTIC = "domestic"
    NOT_CONTROLLED = "not-controlled"
    LICENCE_GRANTED = "licence-granted"
    CASE_BY_CASE = "case-by-case"
    LICENCE_REQUIRED = "licence-required"
    BANNED = "banned"
    UNDETERMINED = "undetermined"


BLOCKED_STATUSES = frozenset({ExportStatus.LICENCE_REQUIRED, ExportStatus.BANNED})
"""Statuses under which a chip cannot be bought at the moment they describe."""


@dataclass(frozen=True)
class WorkloadFit:
    """How one candidate serves one workload, from perf."""

    workload: str
    """Workload id."""
    fits: bool
    """Whether any replica fits and meets the targets."""
    capacity_per_chip: float
    """Demand units one chip serves: output tokens/s (inference) or concurrent runs (training)."""
    tokens_per_s_per_chip: float | None = None
    """Output tokens/s per chip (inference) or training tokens/s per chip."""
    chips_per_replica: int = 1
    """Smallest replica, chips."""
    reason: str | None = None
    """Why it does not fit."""
    precision: str | None = None
    """The precision it runs at (the best the chip has units for, of those the workload accepts)."""


@dataclass(frozen=True)
class CandidateEvidence:
    """Everything known about one candidate (or one chip already in the fleet)."""

    id: str
    """Catalog id as the user named it (chip or system)."""
    chip_id: str
    """Catalog chip id."""
    name: str
    """Display name."""
    vendor: str
    """Who sells it."""
    domestic: bool
    """Domestic under the fleet's rule (designer in CN by default)."""
    designer_country: str = ""
    """ISO code of the designer's home."""
    unit_chips: int = 1
    """Chips per unit bought (8 for a server, 384 for a CloudMatrix)."""
    system: bool = False
    """A whole system (priced and powered at the wall as quoted); False: a chip, put in servers."""
    price_per_chip: float | None = None
    """Price per chip in the cost currency, before tariff and overhead (a system's price over its chips)."""
    lease_per_chip_year: float | None = None
    """Rent per chip-year in the cost currency, for a leased candidate (cloud capacity)."""
    price_source: str | None = None
    """Where the price comes from."""
    power_w: float | None = None
    """Power per chip, W."""
    dense_bf16_tflops: float | None = None
    """Dense BF16 (or FP16) TFLOPS per chip."""
    fits: tuple[WorkloadFit, ...] = ()
    """One per workload."""
    porting_person_days: float | None = None
    """Porting effort of the scanned code to this chip's stack (0 for CUDA chips)."""
    scan_target: str | None = None
    """Scan target used for the effort."""
    export_class: str = "unknown"
    """3A090 class computed by the catalog."""
    export_status: ExportStatus = ExportStatus.NOT_CONTROLLED
    """Status under US export rules at the start of the plan."""
    export_note: str = ""
    """The rules behind the status."""
    export_risk: float = 0.5
    """Export-licence risk 0-1 from the policy rules (unknown: 0.5)."""
    china_risk: float = 0.5
    """China-side regulatory exposure 0-1 from the policy rules."""
    location_risk: float = 0.5
    """Location-verification / remote-disable exposure 0-1 from the policy rules."""
    rule_supply_risk: float = 0.5
    """Supply risk 0-1 from the policy rules (Entity List, foundry and HBM rules)."""
    risk_reasons: tuple[str, ...] = ()
    """The rules behind the four scores, one sentence each."""
    closed_firmware: bool | None = None
    """Firmware source closed (None: unknown)."""
    closed_stack: bool | None = None
    """User-space stack closed (None: unknown)."""
    remote_disable_note: str | None = None
    """What the catalog says about remote disable."""
    foreign_fab: bool | None = None
    """Die made outside the designer's country."""
    supply_per_year: int | None = None
    """Chips obtainable per year (None: not limited)."""
    can_buy: bool = True
    """False for fleet chips that are not candidates."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Where figures came from, assumptions made."""

    def fit(self, workload: str) -> WorkloadFit | None:
        """The fit for one workload."""
        return next((f for f in self.fits if f.workload == workload), None)
