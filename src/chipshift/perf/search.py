"""The layout search: every layout of a replica and every batch, and the best one at the latency targets.

One search answers "what is the best way to serve these requests on this chip or system?" for every command:
``estimate`` (when no layout is given), ``estimate search``, ``size``, :func:`chipshift.perf.serving_capacity` (what
decide calls) and the layout of a serving simulation. For each layout of
:func:`chipshift.perf.layout.searched_layouts` that holds the weights and the longest request, decode is evaluated
for every batch at once (a numpy array through the roofline formulas) and prefill once. The best point is the
highest output tokens/s per chip, prefill time included, that meets both the TTFT and the TPOT target; when no
point does, :attr:`SearchResult.reason` names the real cause and by how much.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from chipshift.errors import ChipshiftError
from chipshift.perf.comm import kv_transfer_s
from chipshift.perf.inference import DoesNotFitError, decode_batch, prefill_rate_and_ttft, step_estimate
from chipshift.perf.layout import MAX_REPLICA_CHIPS, InferenceLayout, chips_text, searched_layouts
from chipshift.perf.memory import memory_plan
from chipshift.perf.spec import ReplicaSpec

FloatArray = npt.NDArray[np.float64]

MAX_BATCH_PER_CHIP = 1024
"""Largest decode batch per chip searched."""


@dataclass(frozen=True)
class ServingWorkload:
    """The requests a replica serves and the latency they must meet."""

    input_tokens: int = 1024
    """Mean prompt tokens."""
    output_tokens: int = 256
    """Mean output tokens."""
    ttft_ms: float | None = None
    """Time-to-first-token target of one prompt (None: none)."""
    tpot_ms: float | None = None
    """Time-per-output-token target (None: none)."""
    longest_tokens: int | None = None
    """Longest request (prompt plus output) one attention group must hold; default the mean request."""
    prefix_hit_rate: float = 0.0
    """Share of each prompt found in the prefix cache: only the rest is prefilled (0: no prefix caching)."""
    disaggregated: bool = False
    """Prefill and decode on separate instances, each at its own best layout, the KV cache sent between them."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.prefix_hit_rate) and 0.0 <= self.prefix_hit_rate < 1.0):
            raise ChipshiftError(f"prefix_hit_rate must be at least 0 and below 1, not {self.prefix_hit_rate:g}")
        for name in ("input_tokens", "output_tokens", "longest_tokens"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or value < 1):
                raise ChipshiftError(f"{name} must be a whole number of at least 1, not {value}")
        for name in ("ttft_ms", "tpot_ms"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ChipshiftError(f"{name} must be a positive number of milliseconds, not {value:g}")

    @property
    def decode_context(self) -> int:
        """KV-cache length of a sequence halfway through its output (the mean over its decode)."""
        return self.input_tokens + self.output_tokens // 2

    @property
    def longest(self) -> int:
        """Tokens of the longest request."""
        return self.longest_tokens or self.input_tokens + self.output_tokens

    @property
    def cached_tokens(self) -> int:
        """Prompt tokens found in the prefix cache (at most all but one)."""
        return min(int(self.input_tokens * self.prefix_hit_rate), self.input_tokens - 1)

    @property
    def computed_input_tokens(self) -> int:
        """Prompt tokens prefilled per request."""
        return self.input_tokens - self.cached_tokens


@dataclass(frozen=True)
class ServingPoint:
    """One layout at one decode batch."""

    layout: InferenceLayout
    batch_per_chip: int
    """Sequences decoding per chip."""
    tpot_ms: float
    """Time per output token of one sequence."""
    ttft_ms: float
    """Prefill time of one prompt alone."""
    decode_tokens_per_s_per_chip: float
    """Decode output tokens per second per chip."""
    tokens_per_s_per_chip: float
    """Output tokens per second per chip with the prompts' prefill time included."""
    prefill_layout: InferenceLayout | None = None
    """With disaggregated serving, the prefill instances' layout (the KV transfer is in ``ttft_ms``)."""

    @property
    def chips_per_replica(self) -> int:
        """Chips of the replica."""
        return self.layout.chips


@dataclass(frozen=True)
class SearchResult:
    """The best point at the targets, the smallest replica that fits, and the frontier over every point."""

    layouts: int
    """Layouts tried."""
    evaluated: int
    """(layout, batch) configurations evaluated."""
    best: ServingPoint | None
    """Highest output tokens/s per chip meeting both targets (None: none does, see ``reason``)."""
    smallest: ServingPoint | None
    """The best point of the fewest chips that fit, targets aside."""
    frontier: list[ServingPoint] = field(default_factory=list)
    """Pareto-optimal points: no other point has both lower TPOT and higher output tokens/s per chip."""
    reason: str | None = None
    """Why no point meets the targets."""


@dataclass
class _Layout:
    """One fitting layout's points (arrays over its batches)."""

    layout: InferenceLayout
    batches: FloatArray
    tpot_ms: FloatArray
    decode: FloatArray
    prefill_rate: float
    """Prompt tokens computed per second per chip at a full prefill batch."""
    ttft_ms: float
    rate: FloatArray = field(default_factory=lambda: np.zeros(0))
    """Output tokens/s per chip with the prompts' prefill included (set by :func:`_with_prefill`)."""
    prefill_layout: InferenceLayout | None = None

    def point(self, index: int) -> ServingPoint:
        return ServingPoint(
            self.layout,
            int(self.batches[index]),
            float(self.tpot_ms[index]),
            self.ttft_ms,
            float(self.decode[index]),
            float(self.rate[index]),
            self.prefill_layout,
        )


@dataclass
class _Misses:
    """Why layouts dropped out: the closest miss of each kind."""

    memory: tuple[float, InferenceLayout] | None = None
    """Fewest GB per chip missing for the weights and workspace."""
    context: tuple[float, InferenceLayout] | None = None
    """Most KV tokens per attention group where the longest request did not fit."""
    batch: tuple[int, InferenceLayout] | None = None
    """Largest batch per chip the KV cache holds where the fixed batch did not fit."""

    def add(self, kind: str, value: float, layout: InferenceLayout) -> None:
        old = getattr(self, kind)
        better = old is None or (value < old[0] if kind == "memory" else value > old[0])
        if better:
            setattr(self, kind, (value, layout))


def _evaluate(
    spec: ReplicaSpec, layout: InferenceLayout, work: ServingWorkload, batch: int | None, misses: _Misses
) -> _Layout | None:
    """Every batch of one layout, or None (with the miss recorded) when the layout cannot serve the requests."""
    setup = spec.setup(layout)
    mem = memory_plan(setup)
    if not mem.fits:
        misses.add("memory", mem.missing_gb, layout)
        return None
    if mem.kv_tokens_per_group < work.longest:
        misses.add("context", mem.kv_tokens_per_group, layout)
        return None
    context = work.decode_context
    per_chip_tokens = layout.tp * layout.pp * (context + 1 + spec.draft_tokens)
    most = min(MAX_BATCH_PER_CHIP, int(mem.kv_tokens_per_group // per_chip_tokens))
    if batch is not None and batch > most:
        misses.add("batch", most, layout)
        return None
    if most < 1:
        misses.add("context", mem.kv_tokens_per_group / (layout.tp * layout.pp), layout)
        return None
    try:
        prefill_rate, ttft_ms = prefill_rate_and_ttft(setup, work.input_tokens, work.cached_tokens)
    except DoesNotFitError:
        workspace = float(max(spec.stack_eff.max_batched_tokens, work.input_tokens))
        misses.add("memory", memory_plan(setup, workspace).missing_gb, layout)
        return None
    batches = np.array([batch], dtype=np.float64) if batch else np.arange(1, most + 1, dtype=np.float64)
    step = step_estimate(setup, decode_batch(setup, batches, context, spec.draft_tokens))
    step_s = np.broadcast_to(np.asarray(step.step_s, dtype=np.float64), batches.shape)
    accepted = spec.accepted_per_step
    decode = batches * accepted / (step_s * layout.pp)
    return _Layout(layout, batches, step_s * layout.pp / accepted * 1000, decode, prefill_rate, ttft_ms)


def _with_prefill(spec: ReplicaSpec, fitting: list[_Layout], work: ServingWorkload) -> list[_Layout]:
    """Each point's rate with the prompts' prefill time included: on its own chips, or (disaggregated) on prefill
    instances at the layout with the most prompt tokens per second per chip within the TTFT target."""
    prefill_share = work.computed_input_tokens / work.output_tokens
    if not work.disaggregated or not fitting:
        for found in fitting:
            found.rate = 1.0 / (1.0 / found.decode + prefill_share / found.prefill_rate)
        return fitting
    timely = [f for f in fitting if work.ttft_ms is None or f.ttft_ms <= work.ttft_ms] or fitting
    prefill = max(timely, key=lambda f: (f.prefill_rate, -f.layout.chips))
    transfer_ms = kv_transfer_s(spec.setup(prefill.layout), work.input_tokens) * 1000
    for found in fitting:
        found.rate = 1.0 / (1.0 / found.decode + prefill_share / prefill.prefill_rate)
        found.ttft_ms = prefill.ttft_ms + transfer_ms
        found.prefill_layout = prefill.layout
    return fitting


def search_layouts(
    spec: ReplicaSpec,
    work: ServingWorkload,
    *,
    batch_per_chip: int | None = None,
    chips: int | None = None,
    max_chips: int = MAX_REPLICA_CHIPS,
) -> SearchResult:
    """The best layout and batch for ``spec`` serving ``work`` at its targets, and the frontier over all.

    ``spec.layout`` fixes the layout; ``batch_per_chip`` fixes the batch; ``chips`` tries only layouts of exactly
    that many chips. The model must fit its context window.
    """
    spec.model.check_context(work.longest)
    if spec.layout is not None:
        layouts = [spec.layout]
    else:
        dp_attention = spec.stack_eff.dp_attention_with_ep
        domain = spec.hardware.scale_up_domain
        layouts = searched_layouts(
            spec.model, domain=domain, dp_attention=dp_attention, max_chips=max_chips, chips=chips
        )
    misses = _Misses()
    fitting = [found for lay in layouts if (found := _evaluate(spec, lay, work, batch_per_chip, misses)) is not None]
    fitting = _with_prefill(spec, fitting, work)
    evaluated = sum(len(f.batches) for f in fitting)
    best = _best(fitting, work)
    smallest = _smallest(fitting)
    reason = None if best is not None else _reason(spec, work, fitting, misses, max_chips, chips)
    return SearchResult(len(layouts), evaluated, best, smallest, _frontier(fitting), reason)


def _meeting(found: _Layout, work: ServingWorkload) -> npt.NDArray[np.bool_]:
    ok = np.ones(found.batches.shape, dtype=bool)
    if work.tpot_ms is not None:
        ok &= found.tpot_ms <= work.tpot_ms
    if work.ttft_ms is not None and found.ttft_ms > work.ttft_ms:
        ok[:] = False
    return ok


def _best(fitting: list[_Layout], work: ServingWorkload) -> ServingPoint | None:
    """Highest rate meeting the targets; ties go to fewer chips, then lower TPOT."""
    best: tuple[float, int, float] | None = None
    chosen = None
    for found in fitting:
        ok = np.flatnonzero(_meeting(found, work))
        if not len(ok):
            continue
        index = int(ok[np.argmax(found.rate[ok])])
        key = (float(found.rate[index]), -found.layout.chips, -float(found.tpot_ms[index]))
        if best is None or key > best:
            best, chosen = key, found.point(index)
    return chosen


def _smallest(fitting: list[_Layout]) -> ServingPoint | None:
    if not fitting:
        return None
    fewest = min(f.layout.chips for f in fitting)
    points = [f.point(int(np.argmax(f.rate))) for f in fitting if f.layout.chips == fewest]
    return max(points, key=lambda p: p.tokens_per_s_per_chip)


def _frontier(fitting: list[_Layout]) -> list[ServingPoint]:
    """Pareto points over every layout and batch (numpy: sort by TPOT, keep each new best rate)."""
    if not fitting:
        return []
    tpot = np.concatenate([f.tpot_ms for f in fitting])
    rate = np.concatenate([f.rate for f in fitting])
    owner = np.concatenate([np.full(len(f.batches), i) for i, f in enumerate(fitting)])
    index = np.concatenate([np.arange(len(f.batches)) for f in fitting])
    order = np.lexsort((-rate, tpot))
    ranked = rate[order]
    before = np.concatenate(([-np.inf], np.maximum.accumulate(ranked)[:-1]))
    keep = order[ranked > before]
    return [fitting[int(owner[k])].point(int(index[k])) for k in keep]


def _reason(
    spec: ReplicaSpec,
    work: ServingWorkload,
    fitting: list[_Layout],
    misses: _Misses,
    max_chips: int,
    chips: int | None,
) -> str:
    """The real cause when no point meets the targets, and by how much."""
    where = f"{spec.model.id} ({spec.precision.value}) on {spec.hardware.name}"
    if not fitting:
        if spec.layout is not None:
            scope = "at the layout given"
        elif chips is not None:
            scope = f"in any replica of exactly {chips:,} chips"
        else:
            scope = f"in any replica of up to {max_chips:,} chips"
        return _no_fit_reason(where, work, misses, spec.layout is not None, scope)
    fastest = min(fitting, key=lambda f: f.ttft_ms)
    if work.ttft_ms is not None and fastest.ttft_ms > work.ttft_ms:
        return (
            f"the TTFT target of {work.ttft_ms:g} ms cannot be met: the fastest prefill of a {work.input_tokens:,}"
            f"-token prompt for {where} takes {fastest.ttft_ms:,.0f} ms ({fastest.layout.describe()}), "
            f"{fastest.ttft_ms / work.ttft_ms:.1f}x the target"
        )
    timely = [f for f in fitting if work.ttft_ms is None or f.ttft_ms <= work.ttft_ms]
    quickest = min(timely, key=lambda f: float(f.tpot_ms[0]))
    tpot = float(quickest.tpot_ms[0])
    within = f" with TTFT within {work.ttft_ms:g} ms" if work.ttft_ms is not None and len(timely) < len(fitting) else ""
    target = work.tpot_ms if work.tpot_ms is not None else math.nan
    return (
        f"the TPOT target of {target:g} ms cannot be met: the fastest decode of {where}{within} takes "
        f"{tpot:,.1f} ms per token ({quickest.layout.describe()}, batch {int(quickest.batches[0])} per chip), "
        f"{tpot / target:.1f}x the target"
    )


def _no_fit_reason(where: str, work: ServingWorkload, misses: _Misses, fixed: bool, scope: str) -> str:
    if misses.batch is not None:
        most, layout = misses.batch
        return (
            f"the batch does not fit the KV cache of {where} {scope}: at most {most:,} sequences per chip of "
            f"{work.decode_context:,} tokens ({layout.describe()})"
        )
    if misses.context is not None:
        held, layout = misses.context
        return (
            f"a {work.longest:,}-token request does not fit the KV cache of {where} {scope}: the most room is "
            f"{held:,.0f} tokens per attention group ({layout.describe()})"
        )
    if misses.memory is not None and fixed:
        missing, layout = misses.memory
        return (
            f"{where} does not fit {layout.describe()} ({chips_text(layout.chips)}): it needs {missing:,.1f} GB "
            "more per chip; use more chips per replica or a smaller precision"
        )
    if misses.memory is not None:
        missing, layout = misses.memory
        return (
            f"{where} does not fit {scope}: the closest, {layout.describe()} ({chips_text(layout.chips)}), needs "
            f"{missing:,.1f} GB more per chip; use more chips per replica or a smaller precision"
        )
    return f"no layout of {where} was tried {scope}"
