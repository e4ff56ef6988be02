"""Serving capacity of one chip type: the smallest replica that fits, and the best batch under latency targets.

Batches are searched as one numpy array per layout: every candidate batch size is evaluated by the same roofline
formulas at once, and the frontier (throughput per chip against TPOT) is returned with the best point.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chipshift.catalog import Catalog
from chipshift.errors import ChipshiftError
from chipshift.perf.efficiency import efficiencies
from chipshift.perf.hardware import MissingFigureError, hardware_view
from chipshift.perf.inference import DoesNotFitError, decode_batch, estimate_prefill, make_setup, step_estimate
from chipshift.perf.layout import InferenceLayout, LayoutError
from chipshift.perf.memory import memory_plan
from chipshift.perf.models import AttentionKind, ModelArch, load_model
from chipshift.perf.operators import ChipSetup

REPLICA_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256)
"""Chips per replica tried, smallest first."""
MAX_BATCH_PER_CHIP = 1024
"""Largest decode batch per chip searched."""


@dataclass(frozen=True)
class FrontierPoint:
    """One batch size of the decode frontier."""

    batch_per_chip: int
    tpot_ms: float
    tokens_per_s_per_chip: float


@dataclass(frozen=True)
class CapacityResult:
    """What one chip type sustains for a model and request shape."""

    model: str
    chip: str
    precision: str
    stack: str
    tokens_per_s_per_chip: float
    """Output tokens per second per chip at the best batch meeting the targets (prefill time included)."""
    chips_per_replica: int
    """Chips of the smallest replica (TP/EP/PP group) that fits the model and one request."""
    fits: bool
    """Whether any replica fits and meets the targets."""
    reason: str | None = None
    """Why not, when ``fits`` is false."""
    layout: str | None = None
    """The replica layout used."""
    batch_per_chip: int = 0
    """Best decode batch per chip."""
    tpot_ms: float | None = None
    """TPOT at that batch."""
    ttft_ms: float | None = None
    """Prefill time of one prompt."""
    tokens_per_s_per_watt: float | None = None
    """Output tokens per second per watt of chip power, where the catalog has the power."""
    tokens_per_s_per_usd: float | None = None
    """Output tokens per second per USD of chip price, where the catalog has a USD price."""
    frontier: list[FrontierPoint] = field(default_factory=list)
    """Throughput against TPOT over the batches searched."""


def replica_layouts(model: ModelArch, domain: int, dp_attention: bool) -> list[InferenceLayout]:
    """Candidate replica layouts, smallest first: TP inside the scale-up domain, then EP (MoE) or PP (dense)."""
    layouts = []
    for n in REPLICA_SIZES:
        if model.is_moe and (n > domain or (dp_attention and model.attention is AttentionKind.MLA)) and n > 1:
            layouts.append(InferenceLayout(tp=1, attention_dp=n, expert_parallel=True))
        elif n <= domain and model.num_heads % n == 0:
            layouts.append(InferenceLayout(tp=n))
        elif n > domain and model.num_heads % domain == 0 and model.num_layers >= n // domain:
            layouts.append(InferenceLayout(tp=domain, pp=n // domain))
    return layouts


def decode_frontier(setup: ChipSetup, context_tokens: float, kv_tokens: float) -> list[FrontierPoint]:
    """Decode TPOT and throughput per chip for every batch size that fits the KV cache (vectorised)."""
    batches = np.arange(1, MAX_BATCH_PER_CHIP + 1, dtype=np.float64)
    batches = batches[batches * setup.layout.tp * context_tokens <= kv_tokens]
    if not len(batches):
        return []
    step = step_estimate(setup, decode_batch(setup, batches, context_tokens, 0))
    step_s = np.broadcast_to(np.asarray(step.step_s, dtype=np.float64), batches.shape)
    tpot_ms = step_s * setup.layout.pp * 1000
    per_chip = batches / step_s
    return [FrontierPoint(int(b), float(t), float(r)) for b, t, r in zip(batches, tpot_ms, per_chip, strict=True)]


def _first_fitting(
    model: ModelArch, layouts: list[InferenceLayout], make: object, need_tokens: float
) -> tuple[ChipSetup | None, str | None]:
    last_reason = None
    for layout in layouts:
        try:
            setup = make(layout)  # type: ignore[operator]
        except LayoutError as error:
            last_reason = error.message
            continue
        mem = memory_plan(setup)
        if mem.fits and mem.kv_tokens_per_group >= need_tokens:
            return setup, None
        last_reason = f"needs {mem.missing_gb:.1f} GB more per chip at {layout.describe()}"
    return None, last_reason


def serving_capacity(
    model: str,
    chip: str,
    *,
    precision: str = "bf16",
    input_tokens: int = 1024,
    output_tokens: int = 256,
    ttft_ms: float | None = None,
    tpot_ms: float | None = None,
    stack: str | None = None,
    catalog: Catalog | None = None,
) -> CapacityResult:
    """Output tokens per second per chip that ``chip`` sustains for ``model`` under the latency targets."""
    arch = load_model(model)
    stack_id = stack or "other"
    arch.check_context(input_tokens + output_tokens)
    try:
        hw = hardware_view(chip, catalog=catalog)
    except MissingFigureError as error:
        return CapacityResult(arch.id, chip, precision, stack_id, 0.0, 0, False, reason=error.message)
    base = CapacityResult(arch.id, hw.chip_id, precision, stack_id, 0.0, 0, False)
    dp_attention = efficiencies().stack(stack_id).dp_attention
    layouts = replica_layouts(arch, hw.scale_up_domain, dp_attention)

    def make(layout: InferenceLayout) -> ChipSetup:
        return make_setup(arch, hw, precision=precision, layout=layout, stack=stack_id)

    context = input_tokens + output_tokens
    setup, reason = _first_fitting(arch, layouts, make, context)
    if setup is None:
        return _replace(
            base, reason=f"{arch.id} does not fit any replica of up to {REPLICA_SIZES[-1]} x {hw.chip_id}: {reason}"
        )
    return _best_point(base, setup, input_tokens, output_tokens, ttft_ms, tpot_ms)


def _replace(result: CapacityResult, **changes: object) -> CapacityResult:
    from dataclasses import replace

    return replace(result, **changes)  # type: ignore[arg-type]


def _best_point(
    base: CapacityResult,
    setup: ChipSetup,
    input_tokens: int,
    output_tokens: int,
    ttft_ms: float | None,
    tpot_ms: float | None,
) -> CapacityResult:
    layout = setup.layout
    base = _replace(base, chips_per_replica=layout.chips, layout=layout.describe())
    try:
        prefill = estimate_prefill(setup, input_tokens)
        single = estimate_prefill(setup, input_tokens, tokens_per_batch=input_tokens)
    except (DoesNotFitError, ChipshiftError) as error:
        return _replace(base, reason=error.message)
    if ttft_ms is not None and single.ttft_ms > ttft_ms:
        return _replace(
            base,
            ttft_ms=single.ttft_ms,
            reason=f"TTFT {single.ttft_ms:.0f} ms for a {input_tokens}-token prompt exceeds {ttft_ms:.0f} ms",
        )
    kv_tokens = memory_plan(setup).kv_tokens_per_group / layout.pp  # pp micro-batches in flight
    frontier = decode_frontier(setup, input_tokens + output_tokens / 2, kv_tokens)
    meeting = [p for p in frontier if tpot_ms is None or p.tpot_ms <= tpot_ms]
    if not meeting:
        best_tpot = min((p.tpot_ms for p in frontier), default=float("nan"))
        return _replace(
            base,
            frontier=frontier,
            ttft_ms=single.ttft_ms,
            reason=f"TPOT {best_tpot:.1f} ms at batch 1 exceeds the target {tpot_ms} ms",
        )
    best = max(meeting, key=lambda p: p.tokens_per_s_per_chip)
    prefill_s_per_output = input_tokens / output_tokens / prefill.tokens_per_s_per_chip
    per_chip = 1.0 / (1.0 / best.tokens_per_s_per_chip + prefill_s_per_output)
    hw = setup.hw
    return _replace(
        base,
        tokens_per_s_per_chip=per_chip,
        fits=True,
        batch_per_chip=best.batch_per_chip,
        tpot_ms=best.tpot_ms,
        ttft_ms=single.ttft_ms,
        frontier=frontier,
        tokens_per_s_per_watt=per_chip / hw.tdp_w if hw.tdp_w else None,
        tokens_per_s_per_usd=per_chip / hw.price_usd if hw.price_usd else None,
    )
