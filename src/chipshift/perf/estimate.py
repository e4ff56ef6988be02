"""``chipshift estimate``: prefill and decode of one replica with the working per operator group, and a request set
served by one replica (``estimate serve``)."""

from __future__ import annotations

from dataclasses import dataclass

from chipshift.errors import ChipshiftError
from chipshift.perf.comm import kv_transfer_s
from chipshift.perf.efficiency import efficiencies
from chipshift.perf.inference import (
    DecodeResult,
    DoesNotFitError,
    PrefillResult,
    StepEstimate,
    estimate_decode,
    estimate_prefill,
)
from chipshift.perf.layout import InferenceLayout, chips_text
from chipshift.perf.memory import MemoryPlan, memory_plan
from chipshift.perf.search import ServingPoint, ServingWorkload, search_layouts
from chipshift.perf.serving import (
    RequestSet,
    ServingOptions,
    ServingResult,
    simulate_serving,
    with_poisson_arrivals,
)
from chipshift.perf.spec import ReplicaSpec


@dataclass(frozen=True)
class BreakdownRow:
    """One operator group or communication of a step, in milliseconds."""

    name: str
    compute_ms: float
    memory_ms: float
    comm_ms: float
    time_ms: float
    bottleneck: str
    """``compute``, ``memory`` or the fabric."""
    efficiency: float | None
    """Share of peak compute assumed."""
    precision: str | None


@dataclass(frozen=True)
class PhaseEstimate:
    """Prefill or decode with its breakdown."""

    phase: str
    tokens_per_s_per_chip: float
    latency_ms: float
    """TTFT for prefill, TPOT for decode."""
    batch: str
    step_ms: float
    host_ms: float
    overlap: float
    rows: list[BreakdownRow]


@dataclass(frozen=True)
class Estimate:
    """Prefill and decode of one replica: its layout, memory, serving figures and the efficiencies' sources."""

    model: str
    """Model id."""
    chip: str
    """Catalog chip id."""
    system: str | None
    """Catalog system id, when one was named."""
    precision: str
    """Quantisation scheme."""
    kv_cache: str
    """KV-cache dtype."""
    stack: str
    """Software stack id."""
    layout: str
    """The layout, e.g. ``TP8`` or ``TP1 DP-attn32 EP32``."""
    layout_searched: bool
    """Whether the layout search chose it (False: it was given)."""
    chips_per_replica: int
    """Chips of the replica."""
    memory: MemoryPlan
    """Memory of one chip."""
    prefill: PhaseEstimate
    """Prefill at a full batch."""
    decode: PhaseEstimate
    """Decode at the chosen batch."""
    serving: ServingPoint
    """The operating point: output tokens/s per chip with prefill time included, TPOT, TTFT of one prompt."""
    configurations: int
    """(layout, batch) configurations the search evaluated."""
    sources: dict[str, str]
    """Where the chip and stack efficiencies come from."""
    kv_transfer_ms: float
    """Moving one request's KV cache from a prefill to a decode instance (disaggregated serving), scale-out."""
    tokens_per_s_per_watt: float | None
    """Output tokens per second per watt of chip power (None: power unknown)."""
    tokens_per_s_per_usd: float | None
    """Output tokens per second per USD of chip price (None: no USD price in the catalog)."""


def breakdown(step: StepEstimate) -> list[BreakdownRow]:
    """Rows of a step: one per operator group with work in it, one per communication pattern."""
    rows = [
        BreakdownRow(
            op.name,
            float(op.compute_s) * 1e3,
            float(op.memory_s) * 1e3,
            0.0,
            float(op.time_s) * 1e3,
            "compute" if op.compute_s >= op.memory_s else "memory",
            op.compute_efficiency,
            op.precision,
        )
        for op in step.ops
        if float(op.flops) > 0 or float(op.bytes) > 0
    ]
    rows += [
        BreakdownRow(c.name, 0.0, 0.0, float(c.time_s) * 1e3, float(c.time_s) * 1e3, c.fabric, None, None)
        for c in step.comms
    ]
    return rows


def _phase(phase: str, result: PrefillResult | DecodeResult, batch: str) -> PhaseEstimate:
    latency = result.ttft_ms if isinstance(result, PrefillResult) else result.tpot_ms
    step = result.step
    return PhaseEstimate(
        phase,
        result.tokens_per_s_per_chip,
        latency,
        batch,
        float(step.step_s) * 1e3,
        step.host_s * 1e3,
        step.overlap,
        breakdown(step),
    )


class TargetNotMetError(ChipshiftError):
    """Layouts fit, but no layout and batch meets the latency targets; the message says which and by how much."""


def _chosen_point(spec: ReplicaSpec, work: ServingWorkload, batch_per_chip: int | None) -> tuple[ServingPoint, int]:
    """The searched point (the best at the targets), or an error naming the cause and a layout that would fit.

    Raises :class:`DoesNotFitError` when no layout holds the model and its requests, :class:`TargetNotMetError`
    when layouts fit but none meets the targets.
    """
    found = search_layouts(spec, work, batch_per_chip=batch_per_chip)
    if found.best is not None:
        return found.best, found.evaluated
    reason = found.reason or "no layout fits"
    if spec.layout is not None:
        other = search_layouts(spec.with_layout(None), work, batch_per_chip=batch_per_chip).best
        if other is not None:
            reason += f"; the layout search finds {other.layout.describe()} ({chips_text(other.chips_per_replica)})"
    raise (DoesNotFitError if found.smallest is None else TargetNotMetError)(reason)


def estimate(spec: ReplicaSpec, work: ServingWorkload, *, batch_per_chip: int | None = None) -> Estimate:
    """Prefill and decode of one replica at its best batch under the targets, with the working per operator.

    The layout is ``spec.layout`` when fixed, otherwise the layout search's best at the targets, so the figures
    equal those of :func:`chipshift.perf.search.search_layouts` and :func:`chipshift.perf.serving_capacity`.
    """
    point, configurations = _chosen_point(spec, work, batch_per_chip)
    setup = spec.setup(point.layout)
    hw = spec.hardware
    decode = estimate_decode(
        setup,
        point.batch_per_chip,
        work.decode_context,
        draft_tokens=spec.draft_tokens,
        acceptance=spec.mtp_acceptance or 0.0,
        check_kv=False,
    )
    prefill = estimate_prefill(setup, work.input_tokens, cached_tokens=work.cached_tokens)
    eff = efficiencies()
    sources = {"chip": eff.source_title(spec.chip_eff.source), "stack": eff.source_title(spec.stack_eff.source)}
    context = f"{point.batch_per_chip} sequences per chip at {work.decode_context:,} tokens of context"
    return Estimate(
        model=spec.model.id,
        chip=hw.chip_id,
        system=hw.system_id,
        precision=spec.precision.value,
        kv_cache=spec.kv_cache.value,
        stack=spec.stack,
        layout=point.layout.describe(),
        layout_searched=spec.layout is None,
        chips_per_replica=point.chips_per_replica,
        memory=memory_plan(setup),
        prefill=_phase("prefill", prefill, f"{prefill.batch_tokens:,} tokens"),
        decode=_phase("decode", decode, context),
        serving=point,
        configurations=configurations,
        sources=sources,
        kv_transfer_ms=kv_transfer_s(setup, work.input_tokens) * 1000,
        tokens_per_s_per_watt=point.tokens_per_s_per_chip / hw.tdp_w if hw.tdp_w else None,
        tokens_per_s_per_usd=point.tokens_per_s_per_chip / hw.price_usd if hw.price_usd else None,
    )


@dataclass(frozen=True)
class ServingEstimate:
    """A request set served by one replica with continuous batching."""

    model: str
    """Model id."""
    chip: str
    """Catalog chip id."""
    system: str | None
    """Catalog system id, when one was named."""
    precision: str
    """Quantisation scheme."""
    kv_cache: str
    """KV-cache dtype."""
    stack: str
    """Software stack id."""
    layout: str
    """The layout served on."""
    layout_searched: bool
    """Whether the layout search chose it (the smallest replica that holds the longest request)."""
    chips_per_replica: int
    """Chips of the replica."""
    requests: str
    """The request set: count, kind and mean lengths."""
    result: ServingResult
    """The simulation."""
    speculative: str | None = None
    """Speculative decoding, e.g. ``EAGLE, 3 draft tokens, 60% accepted`` (None: off)."""
    max_concurrency: int | None = None
    """The client's cap on requests in flight (None: none)."""
    prefix_hit_rate: float = 0.0
    """Share of each prompt found in the prefix cache."""


def serving_layout(spec: ReplicaSpec, requests: RequestSet) -> InferenceLayout:
    """The layout a request set is simulated on: the fixed one, or the smallest replica the layout search finds
    that holds the longest request (the best of that size, targets aside)."""
    if spec.layout is not None:
        return spec.layout
    work = ServingWorkload(
        max(1, round(float(requests.input_tokens.mean()))),
        max(1, round(float(requests.output_tokens.mean()))),
        longest_tokens=requests.longest,
    )
    found = search_layouts(spec, work)
    if found.smallest is None:
        raise DoesNotFitError(found.reason or f"{spec.model.id} does not fit {spec.hardware.name}")
    return found.smallest.layout


def estimate_serving(
    spec: ReplicaSpec,
    requests: RequestSet,
    *,
    request_rate: float | None = None,
    seed: int = 0,
    max_concurrency: int | None = None,
    prefix_hit_rate: float = 0.0,
) -> ServingEstimate:
    """Serve ``requests`` on one replica (:func:`serving_layout`), all at once or as a Poisson stream, with the
    spec's speculative decoding, an optional client concurrency cap and prefix-cache hit rate."""
    spec.model.check_context(requests.longest)
    options = ServingOptions(max_concurrency, spec.speculative, prefix_hit_rate)
    layout = serving_layout(spec, requests)
    setup = spec.setup(layout)
    arriving = requests if request_rate is None else with_poisson_arrivals(requests, request_rate, seed)
    result = simulate_serving(setup, arriving, layout.chips, options=options)
    hw = spec.hardware
    return ServingEstimate(
        spec.model.id,
        hw.chip_id,
        hw.system_id,
        spec.precision.value,
        spec.kv_cache.value,
        spec.stack,
        layout.describe(),
        spec.layout is None,
        layout.chips,
        requests.describe(),
        result,
        spec.speculative.describe() if spec.speculative is not None else None,
        max_concurrency,
        prefix_hit_rate,
    )
