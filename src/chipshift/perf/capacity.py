"""Serving capacity of one replica spec: the best layout and batch at the latency targets, per chip.

This is what other engines ask (decide sizes every candidate with it): the answer of the one layout search
(:func:`chipshift.perf.search.search_layouts`), with power and price per chip, and the reason when nothing fits.
"""

from __future__ import annotations

from dataclasses import dataclass

from chipshift.perf.search import ServingPoint, ServingWorkload, search_layouts
from chipshift.perf.spec import ReplicaSpec


@dataclass(frozen=True)
class CapacityResult:
    """What one chip (or system) sustains for a model and request shape at the targets."""

    model: str
    """Model id."""
    chip: str
    """Catalog chip id."""
    system: str | None
    """Catalog system id, when the chip was taken inside a system."""
    precision: str
    """Quantisation scheme."""
    kv_cache: str
    """KV-cache dtype."""
    stack: str
    """Software stack id."""
    tokens_per_s_per_chip: float
    """Output tokens per second per chip at the best layout and batch meeting the targets (prefill included)."""
    chips_per_replica: int
    """Chips of that layout (0 when nothing fits)."""
    fits: bool
    """Whether some layout fits and meets the targets."""
    reason: str | None = None
    """Why not, when ``fits`` is false."""
    layout: str | None = None
    """The layout, e.g. ``TP1 DP-attn32 EP32``."""
    batch_per_chip: int = 0
    """Decode batch per chip."""
    tpot_ms: float | None = None
    """TPOT at that batch."""
    ttft_ms: float | None = None
    """Prefill time of one prompt alone."""
    decode_tokens_per_s_per_chip: float | None = None
    """Decode output tokens per second per chip, prefill aside."""
    tokens_per_s_per_watt: float | None = None
    """Output tokens per second per watt of chip power, where the catalog has the power."""
    tokens_per_s_per_usd: float | None = None
    """Output tokens per second per USD of chip price, where the catalog has a USD price."""
    configurations: int = 0
    """(layout, batch) configurations the search evaluated."""


def serving_capacity(spec: ReplicaSpec, work: ServingWorkload) -> CapacityResult:
    """Output tokens per second per chip that ``spec`` sustains for ``work`` at its TTFT and TPOT targets."""
    found = search_layouts(spec, work)
    ids = (
        spec.model.id,
        spec.hardware.chip_id,
        spec.hardware.system_id,
        spec.precision.value,
        spec.kv_cache.value,
        spec.stack,
    )
    if found.best is None:
        return CapacityResult(*ids, 0.0, 0, False, reason=found.reason, configurations=found.evaluated)
    return capacity_at(spec, found.best, configurations=found.evaluated)


def capacity_at(spec: ReplicaSpec, point: ServingPoint, *, configurations: int = 0) -> CapacityResult:
    """The capacity figures of one searched point."""
    hw, rate = spec.hardware, point.tokens_per_s_per_chip
    return CapacityResult(
        spec.model.id,
        hw.chip_id,
        hw.system_id,
        spec.precision.value,
        spec.kv_cache.value,
        spec.stack,
        rate,
        point.chips_per_replica,
        True,
        layout=point.layout.describe(),
        batch_per_chip=point.batch_per_chip,
        tpot_ms=point.tpot_ms,
        ttft_ms=point.ttft_ms,
        decode_tokens_per_s_per_chip=point.decode_tokens_per_s_per_chip,
        tokens_per_s_per_watt=rate / hw.tdp_w if hw.tdp_w else None,
        tokens_per_s_per_usd=rate / hw.price_usd if hw.price_usd else None,
        configurations=configurations,
    )
