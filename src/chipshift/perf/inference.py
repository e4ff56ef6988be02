"""Inference estimates: one engine step, prefill (TTFT, tokens/s) and decode (TPOT, tokens/s) on one replica."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chipshift.errors import ChipshiftError
from chipshift.perf.comm import CommCost, step_comms
from chipshift.perf.memory import MemoryPlan, memory_plan
from chipshift.perf.operators import ChipSetup, Num, OpCost, StepBatch, step_ops


class DoesNotFitError(ChipshiftError):
    """The model (and its KV cache) does not fit the chips of the layout."""


@dataclass(frozen=True)
class StepEstimate:
    """One engine step of one pipeline stage on one chip, with its working."""

    ops: list[OpCost]
    """Operator groups with FLOPs, bytes and roofline times."""
    comms: list[CommCost]
    """Communication patterns."""
    compute_s: Num
    """Sum of operator roofline times."""
    comm_s: Num
    """Sum of communication times."""
    host_s: Num
    """Host overhead not hidden (scheduling, launches)."""
    overlap: float
    """Share of communication hidden under compute."""
    step_s: Num
    """Step time: compute + exposed communication + host."""


def draft_factor(setup: ChipSetup, draft_tokens: int) -> float:
    """Extra device work of drafting ``draft_tokens`` speculative tokens (MTP modules or an EAGLE-style head, one
    pass each; nothing for a draft proposed on the host), relative to the main model."""
    return 1.0 + draft_tokens * setup.draft_layers / setup.model.num_layers


def host_launch_s(setup: ChipSetup) -> float:
    """Host time to launch one step's kernels (eager stacks); it overlaps with device work."""
    stack, m = setup.stack_eff, setup.model
    launch_us = stack.per_layer_overhead_us * setup.layers
    if m.is_moe and stack.moe_expert_launch_us:
        local = m.num_experts / setup.layout.stage_chips if setup.layout.expert_parallel else m.num_experts
        launch_us += stack.moe_expert_launch_us * 3 * local * setup.layers * setup.moe_layer_share
    return launch_us / 1e6


def step_estimate(setup: ChipSetup, batch: StepBatch) -> StepEstimate:
    """Roofline of every operator, communication over the topology, overlap and host overhead.

    Device time is compute plus the communication not hidden under it, never less than the stack's per-layer floor;
    host launches overlap with it; the scheduling overhead of the step adds to it, or, with asynchronous scheduling,
    hides under it (the step takes the longer of the two).
    """
    ops = step_ops(setup, batch)
    comms = step_comms(setup, batch)
    stack = setup.stack_eff
    compute = sum((op.time_s for op in ops), start=np.float64(0.0)) * draft_factor(setup, batch.draft_tokens)
    compute = np.maximum(compute, stack.layer_floor_us * setup.layers / 1e6)
    comm = sum((c.time_s for c in comms), start=np.float64(0.0))
    device = compute + comm - stack.overlap * np.minimum(compute, comm)
    seqs = batch.decode_seqs + batch.prefill_seqs
    scheduling = stack.step_overhead_ms / 1000 + stack.per_seq_overhead_us * seqs / 1e6
    if stack.async_scheduling:
        step = np.maximum(np.maximum(device, host_launch_s(setup)), scheduling)
    else:
        step = scheduling + np.maximum(device, host_launch_s(setup))
    host = step - device
    return StepEstimate(ops, comms, compute, comm, float(host) if np.ndim(host) == 0 else host, stack.overlap, step)


@dataclass(frozen=True)
class PrefillResult:
    """Prefill of a batch of prompts on one replica."""

    tokens_per_s_per_chip: float
    """Prompt tokens processed per second per chip (a pipeline emits one micro-batch per stage step, so the step's
    tokens are shared by the TP x PP chips of the attention group)."""
    ttft_ms: float
    """Time to first token of a prompt in the batch (one batch step, all stages)."""
    batch_tokens: int
    """Prompt tokens per step per attention group."""
    step: StepEstimate
    """The working."""
    memory: MemoryPlan
    """Memory of one chip."""


def prefill_batch(
    input_tokens: int, tokens_per_batch: int | None, max_batched: int, cached_tokens: int = 0
) -> StepBatch:
    """A step that prefills whole prompts of ``input_tokens``, as many as fit in the token budget; the first
    ``cached_tokens`` of each prompt are found in the prefix cache and only attended to."""
    new = max(1, input_tokens - cached_tokens)
    budget = tokens_per_batch or max(max_batched, new)
    seqs = max(1, budget // new)
    pairs = seqs * new * (input_tokens - new + (new + 1) / 2)
    return StepBatch(prefill_tokens=seqs * new, prefill_pairs=pairs, prefill_seqs=seqs)


def estimate_prefill(
    setup: ChipSetup, input_tokens: int, tokens_per_batch: int | None = None, *, cached_tokens: int = 0
) -> PrefillResult:
    """Prefill throughput per chip (prompt tokens computed) and TTFT for prompts of ``input_tokens``."""
    batch = prefill_batch(input_tokens, tokens_per_batch, setup.stack_eff.max_batched_tokens, cached_tokens)
    mem = memory_plan(setup, float(batch.prefill_tokens))
    if not mem.fits:
        raise DoesNotFitError(_fit_message(setup, mem))
    step = step_estimate(setup, batch)
    step_s = float(step.step_s)
    per_chip = float(batch.prefill_tokens) / step_s / (setup.layout.tp * setup.layout.pp)
    ttft = step_s * setup.layout.pp * 1000
    return PrefillResult(per_chip, ttft, int(batch.prefill_tokens), step, mem)


def prefill_alone(setup: ChipSetup, input_tokens: int, chunk_tokens: int | None = None) -> PrefillResult:
    """One prompt alone, prefilled in chunks of ``chunk_tokens`` (each attending to the chunks before it) that flow
    through the pipeline stages one behind the other: TTFT and prompt tokens per second per chip of the replica."""
    chunk = min(input_tokens, chunk_tokens or setup.stack_eff.max_batched_tokens)
    mem = memory_plan(setup, float(chunk))
    if not mem.fits:
        raise DoesNotFitError(_fit_message(setup, mem))
    starts = np.arange(0, input_tokens, chunk, dtype=np.float64)
    sizes = np.minimum(chunk, input_tokens - starts)
    last = np.zeros_like(sizes)
    last[-1] = 1.0
    batch = StepBatch(prefill_tokens=sizes, prefill_pairs=sizes * (starts + (sizes + 1) / 2), prefill_seqs=last)
    step = step_estimate(setup, batch)
    times = np.asarray(step.step_s, dtype=np.float64)
    ttft_s = float(times.sum() + (setup.layout.pp - 1) * times.max())
    per_chip = input_tokens / ttft_s / setup.layout.chips
    return PrefillResult(per_chip, ttft_s * 1000, chunk, step, mem)


def prefill_rate_and_ttft(setup: ChipSetup, input_tokens: int, cached_tokens: int = 0) -> tuple[float, float]:
    """Prefill tokens/s per chip at a full batch and the TTFT of one prompt alone, in one vectorised step.

    The same figures as two calls of :func:`estimate_prefill` (batched, then ``tokens_per_batch=input_tokens``);
    with a prefix cache the rate counts the tokens computed, not those found in the cache.
    """
    full = prefill_batch(input_tokens, None, setup.stack_eff.max_batched_tokens, cached_tokens)
    mem = memory_plan(setup, float(full.prefill_tokens))
    if not mem.fits:
        raise DoesNotFitError(_fit_message(setup, mem))
    one = prefill_batch(input_tokens, max(1, input_tokens - cached_tokens), 1, cached_tokens)
    seqs = np.array([full.prefill_seqs, 1.0])
    batch = StepBatch(
        prefill_tokens=seqs * one.prefill_tokens,
        prefill_pairs=seqs * one.prefill_pairs,
        prefill_seqs=seqs,
    )
    step_s = np.asarray(step_estimate(setup, batch).step_s, dtype=np.float64)
    rate = float(full.prefill_tokens) / float(step_s[0]) / (setup.layout.tp * setup.layout.pp)
    return rate, float(step_s[1]) * setup.layout.pp * 1000


@dataclass(frozen=True)
class DecodeResult:
    """Decode at a fixed batch on one replica."""

    tokens_per_s_per_chip: float
    """Output tokens per second per chip (with PP, ``pp`` micro-batches are in flight and one leaves per step)."""
    tpot_ms: float
    """Time per output token of one sequence."""
    batch_per_chip: int
    """Sequences per chip."""
    context_tokens: int
    """KV cache length per sequence."""
    accepted_per_step: float
    """Tokens accepted per sequence per step (1 without speculative decoding)."""
    step: StepEstimate
    """The working."""
    memory: MemoryPlan
    """Memory of one chip."""
    notes: list[str] = field(default_factory=list)
    """Assumptions that shaped the figure."""


def decode_batch(setup: ChipSetup, batch_per_chip: Num, context_tokens: Num, draft_tokens: int) -> StepBatch:
    """A decode step of ``batch_per_chip`` sequences per chip, each with ``context_tokens`` of context."""
    seqs = batch_per_chip * setup.layout.tp
    return StepBatch(decode_seqs=seqs, decode_ctx=seqs * context_tokens, draft_tokens=draft_tokens)


def estimate_decode(
    setup: ChipSetup,
    batch_per_chip: int,
    context_tokens: int,
    *,
    draft_tokens: int = 0,
    acceptance: float = 0.0,
    check_kv: bool = True,
) -> DecodeResult:
    """Decode TPOT and throughput per chip at a batch, with optional MTP speculative decoding.

    ``check_kv=False`` skips the KV-cache room check (a measured setup that ran the batch, perhaps with a smaller
    cache format than the BF16 cache assumed here); the weights must still fit.
    """
    batch = decode_batch(setup, batch_per_chip, context_tokens, draft_tokens)
    mem = memory_plan(setup, float(batch.tokens))
    needed = float(batch.decode_seqs) * (context_tokens + 1 + draft_tokens)
    if not mem.fits or (check_kv and needed * setup.layout.pp > mem.kv_tokens_per_group):
        raise DoesNotFitError(_fit_message(setup, mem, needed))
    step = step_estimate(setup, batch)
    step_s = float(step.step_s)
    accepted = 1.0 + acceptance * draft_tokens
    per_chip = float(batch.decode_seqs) * accepted / step_s / (setup.layout.tp * setup.layout.pp)
    tpot = step_s * setup.layout.pp / accepted * 1000
    return DecodeResult(per_chip, tpot, batch_per_chip, context_tokens, accepted, step, mem)


def _fit_message(setup: ChipSetup, mem: MemoryPlan, kv_tokens_needed: float | None = None) -> str:
    where = f"{setup.model.id} on {setup.layout.chips} x {setup.hw.chip_id} ({setup.layout.describe()})"
    if not mem.fits:
        return (
            f"{where} does not fit: weights {mem.weights_gb:.1f} GB + workspace "
            f"{mem.activations_gb + mem.reserved_gb:.1f} GB per chip exceed the usable {mem.capacity_gb:.1f} GB "
            f"by {mem.missing_gb:.1f} GB; use more chips per replica (larger TP/EP/PP) or a smaller precision"
        )
    have = mem.kv_tokens_per_group / setup.layout.pp
    return (
        f"{where}: the KV cache needs {kv_tokens_needed:,.0f} tokens per attention group but only "
        f"{have:,.0f} fit ({mem.kv_cache_gb:.1f} GB per chip); lower the batch or the context, or add chips"
    )
