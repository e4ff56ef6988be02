"""Search over inference layouts and batch sizes: every layout that fits, every batch as one numpy array.

For one chip type this evaluates thousands of (layout, batch) configurations in well under a second and returns
the best configuration under the latency targets and the Pareto frontier of throughput per chip against TPOT.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chipshift.catalog import Catalog
from chipshift.perf.efficiency import efficiencies
from chipshift.perf.hardware import hardware_view
from chipshift.perf.inference import decode_batch, estimate_prefill, make_setup, step_estimate
from chipshift.perf.layout import InferenceLayout, LayoutError
from chipshift.perf.memory import memory_plan
from chipshift.perf.models import AttentionKind, ModelArch, load_model

MAX_BATCH_PER_CHIP = 1024
DEGREES = (1, 2, 4, 8, 16, 32, 64)


@dataclass(frozen=True)
class SearchPoint:
    """One (layout, batch) configuration."""

    layout: str
    chips_per_replica: int
    batch_per_chip: int
    tpot_ms: float
    ttft_ms: float
    tokens_per_s_per_chip: float
    """Output tokens per second per chip, prefill time included."""


@dataclass(frozen=True)
class SearchResult:
    """Best configuration meeting the targets and the frontier."""

    evaluated: int
    """Configurations evaluated."""
    best: SearchPoint | None
    frontier: list[SearchPoint]
    """Pareto-optimal points: no other point has both lower TPOT and higher throughput per chip."""


def all_layouts(model: ModelArch, domain: int, dp_attention: bool, max_chips: int = 64) -> list[InferenceLayout]:
    """Every TP x attention-DP x PP combination up to ``max_chips`` chips that the model can split into."""
    layouts = []
    for tp in DEGREES:
        for dp in DEGREES:
            for pp in DEGREES[:4]:
                chips = tp * dp * pp
                if chips > max_chips or tp > domain or model.num_heads % tp or pp > model.num_layers:
                    continue
                if dp > 1 and not model.is_moe:
                    continue
                if dp > 1 and tp > 1 and not (dp_attention and model.attention is AttentionKind.MLA):
                    continue
                layouts.append(InferenceLayout(tp=tp, attention_dp=dp, pp=pp, expert_parallel=dp > 1))
    return layouts


def _layout_points(setup, input_tokens: int, output_tokens: int) -> list[SearchPoint]:  # type: ignore[no-untyped-def]
    mem = memory_plan(setup)
    context = input_tokens + output_tokens / 2
    if not mem.fits:
        return []
    batches = np.arange(1, MAX_BATCH_PER_CHIP + 1, dtype=np.float64)
    batches = batches[batches * setup.layout.tp * context <= mem.kv_tokens_per_group / setup.layout.pp]
    if not len(batches):
        return []
    step_s = np.broadcast_to(
        np.asarray(step_estimate(setup, decode_batch(setup, batches, context, 0)).step_s), batches.shape
    )
    prefill = estimate_prefill(setup, input_tokens)
    ttft = estimate_prefill(setup, input_tokens, tokens_per_batch=input_tokens).ttft_ms
    decode_rate = batches / step_s
    per_chip = 1.0 / (1.0 / decode_rate + input_tokens / output_tokens / prefill.tokens_per_s_per_chip)
    tpot = step_s * setup.layout.pp * 1000
    name = setup.layout.describe()
    return [
        SearchPoint(name, setup.layout.chips, int(b), float(t), ttft, float(r))
        for b, t, r in zip(batches, tpot, per_chip, strict=True)
    ]


def pareto_frontier(points: list[SearchPoint]) -> list[SearchPoint]:
    """Points not beaten on both TPOT (lower) and throughput per chip (higher)."""
    frontier: list[SearchPoint] = []
    best_rate = -1.0
    for point in sorted(points, key=lambda p: (p.tpot_ms, -p.tokens_per_s_per_chip)):
        if point.tokens_per_s_per_chip > best_rate:
            frontier.append(point)
            best_rate = point.tokens_per_s_per_chip
    return frontier


def search_inference(
    model: str,
    chip: str,
    *,
    precision: str = "bf16",
    input_tokens: int = 1024,
    output_tokens: int = 256,
    ttft_ms: float | None = None,
    tpot_ms: float | None = None,
    stack: str | None = None,
    max_chips: int = 64,
    catalog: Catalog | None = None,
) -> SearchResult:
    """Best layout and batch for ``model`` on ``chip`` under the targets, and the frontier over all of them."""
    arch = load_model(model)
    hw = hardware_view(chip, catalog=catalog)
    dp_attention = efficiencies().stack(stack).dp_attention
    points: list[SearchPoint] = []
    for layout in all_layouts(arch, hw.scale_up_domain, dp_attention, max_chips):
        try:
            setup = make_setup(arch, hw, precision=precision, layout=layout, stack=stack)
        except LayoutError:
            continue
        points += _layout_points(setup, input_tokens, output_tokens)
    meeting = [
        p for p in points if (tpot_ms is None or p.tpot_ms <= tpot_ms) and (ttft_ms is None or p.ttft_ms <= ttft_ms)
    ]
    best = max(meeting, key=lambda p: (p.tokens_per_s_per_chip, -p.chips_per_replica), default=None)
    return SearchResult(len(points), best, pareto_frontier(points))
