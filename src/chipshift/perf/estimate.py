"""``chipshift estimate``: prefill and decode of one model on one chip, with the working shown per operator group."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from chipshift.catalog import Catalog
from chipshift.errors import ChipshiftError
from chipshift.perf.capacity import decode_frontier, replica_layouts
from chipshift.perf.comm import kv_transfer_s
from chipshift.perf.efficiency import efficiencies
from chipshift.perf.hardware import hardware_view
from chipshift.perf.inference import (
    DecodeResult,
    DoesNotFitError,
    PrefillResult,
    StepEstimate,
    estimate_decode,
    estimate_prefill,
    make_setup,
)
from chipshift.perf.layout import InferenceLayout, layout_from_degrees
from chipshift.perf.memory import MemoryPlan, memory_plan
from chipshift.perf.models import load_model
from chipshift.perf.operators import ChipSetup
from chipshift.perf.serving import RequestSet, ServingResult, simulate_serving, with_poisson_arrivals


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
    """Prefill and decode of one model on one chip type, the layout, memory and the efficiencies' sources."""

    model: str
    chip: str
    precision: str
    stack: str
    layout: str
    chips_per_replica: int
    memory: MemoryPlan
    prefill: PhaseEstimate
    decode: PhaseEstimate
    sources: dict[str, str]
    """Where the chip and stack efficiencies come from."""
    kv_transfer_ms: float
    """Moving one request's KV cache from a prefill to a decode instance (disaggregated serving), scale-out."""
    decode_tokens_per_s_per_watt: float | None
    """Decode output tokens per second per watt of chip power (None: power unknown)."""
    decode_tokens_per_s_per_usd: float | None
    """Decode output tokens per second per USD of chip price (None: no USD price in the catalog)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return asdict(self)


def breakdown(step: StepEstimate) -> list[BreakdownRow]:
    """Rows of a step: one per operator group, one per communication pattern."""
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


def _fits(setup: ChipSetup, context: int) -> tuple[bool, MemoryPlan]:
    mem = memory_plan(setup)
    return mem.fits and mem.kv_tokens_per_group >= context, mem


def _choose_setup(
    model_id: str, make: Any, layouts: list[InferenceLayout], context: int, fallback: list[InferenceLayout]
) -> ChipSetup:
    """The first layout that fits; otherwise say what is missing and which layout would fit."""
    missing = None
    for layout in layouts:
        setup: ChipSetup = make(layout)
        ok, mem = _fits(setup, context)
        if ok:
            return setup
        missing = missing or (layout, mem)
    hint = next((lay.describe() for lay in fallback if _fits(make(lay), context)[0]), None)
    where = f" at {missing[0].describe()}" if missing else ""
    short = f"{missing[1].missing_gb:.1f} GB more per chip" if missing and not missing[1].fits else "more KV cache room"
    fix = f"; a layout that fits: {hint}" if hint else "; no replica of up to 256 chips fits"
    raise DoesNotFitError(f"{model_id} does not fit{where}: it needs {short}{fix}")


def replica_setup(
    model: str,
    chip: str,
    *,
    context_tokens: int,
    precision: str = "bf16",
    tp: int | None = None,
    pp: int = 1,
    ep: int = 1,
    stack: str | None = None,
    system: str | None = None,
    catalog: Catalog | None = None,
) -> ChipSetup:
    """The replica of the given degrees, or the smallest that fits the weights and one ``context_tokens`` sequence."""
    arch = load_model(model)
    arch.check_context(context_tokens)
    hw = hardware_view(chip, system, catalog=catalog)
    stack_id = stack or "other"
    dp_attention = efficiencies().stack(stack_id).dp_attention

    def make(layout: InferenceLayout) -> ChipSetup:
        return make_setup(arch, hw, precision=precision, layout=layout, stack=stack_id)

    automatic = replica_layouts(arch, hw.scale_up_domain, dp_attention)
    if tp is not None or ep > 1 or pp > 1:
        layouts = [layout_from_degrees(arch, tp=tp or 1, pp=pp, ep=ep, dp_attention=dp_attention)]
    else:
        layouts = automatic
    return _choose_setup(arch.id, make, layouts, context_tokens, automatic)


def estimate(
    model: str,
    chip: str,
    *,
    precision: str = "bf16",
    input_tokens: int = 1024,
    output_tokens: int = 256,
    batch_per_chip: int | None = None,
    tpot_ms: float | None = None,
    tp: int | None = None,
    pp: int = 1,
    ep: int = 1,
    stack: str | None = None,
    system: str | None = None,
    mtp_acceptance: float | None = None,
    catalog: Catalog | None = None,
) -> Estimate:
    """Prefill and decode of ``model`` on ``chip``; the layout is chosen (smallest that fits) unless given."""
    setup = replica_setup(
        model,
        chip,
        context_tokens=input_tokens + output_tokens,
        precision=precision,
        tp=tp,
        pp=pp,
        ep=ep,
        stack=stack,
        system=system,
        catalog=catalog,
    )
    arch, hw, stack_id = setup.model, setup.hw, stack or "other"
    mid_context = input_tokens + output_tokens // 2
    if batch_per_chip is None:
        kv = memory_plan(setup).kv_tokens_per_group / setup.layout.pp
        points = [p for p in decode_frontier(setup, mid_context, kv) if tpot_ms is None or p.tpot_ms <= tpot_ms]
        batch_per_chip = max(points, key=lambda p: p.tokens_per_s_per_chip).batch_per_chip if points else 1
    if mtp_acceptance is not None and not arch.mtp_layers:
        raise ChipshiftError(f"{arch.id} has no MTP modules: speculative decoding with MTP needs a model that has them")
    draft = 1 if mtp_acceptance is not None else 0
    decode = estimate_decode(setup, batch_per_chip, mid_context, draft_tokens=draft, acceptance=mtp_acceptance or 0.0)
    prefill = estimate_prefill(setup, input_tokens)
    eff = efficiencies()
    chip_eff, stack_eff = eff.chip(hw.chip_id), eff.stack(stack_id)
    sources = {"chip": eff.source_title(chip_eff.source), "stack": eff.source_title(stack_eff.source)}
    return Estimate(
        arch.id,
        hw.chip_id,
        precision,
        stack_id,
        setup.layout.describe(),
        setup.layout.chips,
        memory_plan(setup),
        _phase("prefill", prefill, f"{prefill.batch_tokens} tokens"),
        _phase("decode", decode, f"{batch_per_chip} sequences per chip at {mid_context} tokens of context"),
        sources,
        kv_transfer_s(setup, input_tokens) * 1000,
        decode.tokens_per_s_per_chip / hw.tdp_w if hw.tdp_w else None,
        decode.tokens_per_s_per_chip / hw.price_usd if hw.price_usd else None,
    )


@dataclass(frozen=True)
class ServingEstimate:
    """A request set served by one replica with continuous batching."""

    model: str
    chip: str
    precision: str
    stack: str
    layout: str
    chips_per_replica: int
    requests: str
    """The request set: count, kind and mean lengths."""
    result: ServingResult

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return asdict(self)


def estimate_serving(
    model: str,
    chip: str,
    requests: RequestSet,
    *,
    request_rate: float | None = None,
    precision: str = "bf16",
    tp: int | None = None,
    pp: int = 1,
    ep: int = 1,
    stack: str | None = None,
    system: str | None = None,
    seed: int = 0,
    catalog: Catalog | None = None,
) -> ServingEstimate:
    """Serve ``requests`` on one replica (chosen as in :func:`estimate`), at once or as a Poisson stream."""
    setup = replica_setup(
        model,
        chip,
        context_tokens=requests.longest,
        precision=precision,
        tp=tp,
        pp=pp,
        ep=ep,
        stack=stack,
        system=system,
        catalog=catalog,
    )
    arriving = requests if request_rate is None else with_poisson_arrivals(requests, request_rate, seed)
    result = simulate_serving(setup, arriving, setup.layout.chips)
    return ServingEstimate(
        setup.model.id,
        setup.hw.chip_id,
        precision,
        stack or "other",
        setup.layout.describe(),
        setup.layout.chips,
        requests.describe(),
        result,
    )
