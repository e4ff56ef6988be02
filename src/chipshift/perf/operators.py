"""Per-operator roofline of one engine step on one chip: FLOPs and bytes of each operator group, and their time.

Quantities may be floats or numpy arrays (one value per candidate batch), so the search can evaluate thousands of
configurations at once with the same formulas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from chipshift.perf.efficiency import ChipEfficiency, StackEfficiency
from chipshift.perf.hardware import Hardware, peak_for
from chipshift.perf.layout import InferenceLayout
from chipshift.perf.models import AttentionKind, ModelArch
from chipshift.perf.quant import KvCacheDtype, QuantSpec

Num = Any
"""A float or a numpy array of floats (one per candidate configuration)."""

NORM_BYTES_PER_TOKEN_PER_HIDDEN = 16.0
"""Bytes moved per token per hidden unit per layer by norms, residual adds and activations (fused, BF16)."""


@dataclass(frozen=True)
class StepBatch:
    """The work of one engine step for one attention group (the chips that share the same sequences)."""

    prefill_tokens: Num = 0.0
    """Prompt tokens processed in this step."""
    prefill_pairs: Num = 0.0
    """Sum over those tokens of the context each attends to (causal)."""
    prefill_seqs: Num = 0.0
    """Prompts that finish prefill in this step (their last token needs logits)."""
    decode_seqs: Num = 0.0
    """Sequences producing tokens in this step."""
    decode_ctx: Num = 0.0
    """Sum over decoding sequences of their context length (KV cache read)."""
    draft_tokens: int = 0
    """Speculative tokens verified per decoding sequence (MTP), besides the regular one."""

    @property
    def tokens(self) -> Num:
        """Tokens through the projections and FFN in this step."""
        return self.prefill_tokens + self.decode_seqs * (1 + self.draft_tokens)


@dataclass(frozen=True)
class OpCost:
    """One operator group of a step on one chip."""

    name: str
    """Operator group (``attention.proj``, ``moe.experts`` ...)."""
    flops: Num
    """Floating-point (or integer) operations."""
    bytes: Num
    """Bytes read or written in HBM."""
    compute_s: Num
    """Time at the achievable compute rate."""
    memory_s: Num
    """Time at the achievable memory bandwidth."""
    precision: str
    """Precision the operator computes in."""
    compute_efficiency: float
    """Share of peak assumed for compute."""

    @property
    def time_s(self) -> Num:
        """Roofline time: the larger of compute and memory time."""
        return np.maximum(self.compute_s, self.memory_s)


@dataclass(frozen=True)
class ChipSetup:
    """Everything fixed about a step: model, chip, stack, quantisation, layout."""

    model: ModelArch
    hw: Hardware
    chip_eff: ChipEfficiency
    stack_eff: StackEfficiency
    quant: QuantSpec
    layout: InferenceLayout
    imbalance: float = 1.0
    """Busiest-over-mean expert load (EP only)."""
    kv_cache: KvCacheDtype = KvCacheDtype.BF16
    """KV-cache element type."""
    draft_layers: float = 1.0
    """Decoder layers of device work per speculative draft token (0: drafted on the host)."""

    @property
    def kv_cache_bytes(self) -> float:
        """Bytes per KV-cache element (2 for BF16, 1 for FP8 or INT8)."""
        return self.kv_cache.bytes

    @property
    def attention_precision(self) -> str:
        """``fp8`` where the stack computes attention in FP8 over an FP8 cache, else ``bf16``."""
        return "fp8" if self.stack_eff.fp8_attention and self.kv_cache is KvCacheDtype.FP8 else "bf16"

    @property
    def layers(self) -> float:
        """Layers per pipeline stage."""
        return self.model.num_layers / self.layout.pp

    @property
    def moe_layer_share(self) -> float:
        """Share of the stage's layers that are MoE layers."""
        return self.model.moe_layers / self.model.num_layers

    def kv_split(self) -> int:
        """How many ways the KV cache of one sequence is split across the TP group."""
        if self.model.attention is AttentionKind.MLA:
            return 1
        return min(self.layout.tp, self.model.num_kv_heads)

    def kv_bytes_per_token(self) -> float:
        """KV cache bytes per token on one chip, whole stage."""
        per_layer = self.model.kv_elems_per_token_layer() * self.kv_cache_bytes / self.kv_split()
        return per_layer * self.layers


def _op(setup: ChipSetup, name: str, flops: Num, nbytes: Num, kind: str, context: Num = 0.0) -> OpCost:
    """One operator group's roofline; ``context`` (attention only) is the mean context a query attends to."""
    hw, eff, stack = setup.hw, setup.chip_eff, setup.stack_eff
    bandwidth = eff.memory
    if kind == "attention":
        peak, used = peak_for(hw, setup.attention_precision)
        fill = attention_fill(eff.attention_half_context, context)
        efficiency = eff.attention * stack.kernel * stack.attention_kernel * fill
        bandwidth = eff.memory * stack.attention_kernel
    else:
        peak, used = peak_for(hw, setup.quant.gemm_precision if kind in {"gemm", "moe"} else "bf16")
        efficiency = eff.gemm_for(used) * stack.kernel
        if kind == "moe":
            efficiency *= stack.moe_kernel
            bandwidth = eff.memory * stack.moe_kernel
    compute_s = flops / (peak * 1e12 * efficiency)
    memory_s = nbytes / (hw.hbm_bandwidth_gb_s * 1e9 * bandwidth)
    shown = efficiency if np.ndim(efficiency) == 0 else float(np.max(efficiency))
    return OpCost(name, flops, nbytes, compute_s, memory_s, used, round(float(shown), 3))


def attention_fill(half_context: float, context: Num) -> Num:
    """Share of their best efficiency attention kernels reach at a mean ``context`` per query: ``c / (c + half)``."""
    if half_context <= 0:
        return 1.0
    ctx = np.maximum(context, 1.0)
    return ctx / (ctx + half_context)


def attention_ops(setup: ChipSetup, batch: StepBatch) -> list[OpCost]:
    """Attention projections, and the attention core: prompts against their own context (prefill, FLOPs growing
    with the square of the prompt) and decoding sequences against their KV cache (reads growing with context)."""
    m, tp, layers = setup.model, setup.layout.tp, setup.layers
    tokens = batch.tokens
    wb = setup.quant.weight_bytes
    proj = _op(
        setup,
        "attention.proj",
        2 * tokens * m.attention_params / tp * layers,
        (m.attention_params * wb / tp + tokens * m.hidden_size * 4) * layers,
        "gemm",
    )
    kv_token_bytes = setup.kv_bytes_per_token()
    prefill_context = batch.prefill_pairs / np.maximum(batch.prefill_tokens, 1.0)
    prefill = _op(
        setup,
        "attention.prefill",
        batch.prefill_pairs * m.attention_flops_per_pair(absorbed=False) / tp * layers,
        batch.prefill_tokens * kv_token_bytes,
        "attention",
        prefill_context,
    )
    queries = 1 + batch.draft_tokens
    decode_context = batch.decode_ctx / np.maximum(batch.decode_seqs, 1.0)
    decode = _op(
        setup,
        "attention.decode",
        batch.decode_ctx * queries * m.attention_flops_per_pair(absorbed=True) / tp * layers,
        batch.decode_ctx * kv_token_bytes,
        "attention",
        decode_context,
    )
    return [proj, prefill, decode]


def _expert_touch_fraction(m: ModelArch, routed_tokens: Num) -> Num:
    """Expected share of experts that receive at least one token."""
    return 1.0 - np.power(1.0 - m.experts_per_token / m.num_experts, routed_tokens)


def ffn_ops(setup: ChipSetup, batch: StepBatch) -> list[OpCost]:
    """Dense FFN layers, shared experts and routed experts of the stage on one chip."""
    m, lay, wb = setup.model, setup.layout, setup.quant.weight_bytes
    tokens, width = batch.tokens, lay.stage_chips
    if not m.is_moe:
        layers = setup.layers
        return [
            _op(
                setup,
                "ffn.dense",
                2 * tokens * m.dense_ffn_params / lay.tp * layers,
                m.dense_ffn_params * wb / lay.tp * layers,
                "gemm",
            )
        ]
    moe_layers = setup.layers * setup.moe_layer_share
    dense_layers = setup.layers - moe_layers
    ops = []
    if dense_layers > 0:
        ops.append(
            _op(
                setup,
                "ffn.dense",
                2 * tokens * m.dense_ffn_params / lay.tp * dense_layers,
                m.dense_ffn_params * wb / lay.tp * dense_layers,
                "gemm",
            )
        )
    if m.num_shared_experts:
        shared = m.num_shared_experts * m.expert_params
        ops.append(
            _op(
                setup,
                "moe.shared",
                2 * tokens * shared / lay.tp * moe_layers,
                shared * wb / lay.tp * moe_layers,
                "gemm",
            )
        )
    stage_tokens = tokens * lay.attention_dp
    imbalance = setup.imbalance if lay.expert_parallel else 1.0
    flops = 2 * stage_tokens * m.experts_per_token * m.expert_params / width * imbalance * moe_layers
    touched = _expert_touch_fraction(m, stage_tokens)
    nbytes = m.num_experts * touched * m.expert_params * wb / width * moe_layers
    ops.append(_op(setup, "moe.experts", flops, nbytes, "moe"))
    return ops


def other_ops(setup: ChipSetup, batch: StepBatch) -> list[OpCost]:
    """Norms and elementwise work, and the LM head on the last stage."""
    m, lay = setup.model, setup.layout
    norm = _op(
        setup,
        "norm.elementwise",
        0.0,
        batch.tokens * m.hidden_size * NORM_BYTES_PER_TOKEN_PER_HIDDEN * setup.layers,
        "gemm",
    )
    logits_tokens = batch.prefill_seqs + batch.decode_seqs * (1 + batch.draft_tokens)
    head_params = m.vocab_size * m.hidden_size / lay.tp
    head = _op(setup, "lm_head", 2 * logits_tokens * head_params, head_params * 2.0, "gemm")
    return [norm, head]


def step_ops(setup: ChipSetup, batch: StepBatch) -> list[OpCost]:
    """Every operator group of one step of one pipeline stage on one chip."""
    return [*attention_ops(setup, batch), *ffn_ops(setup, batch), *other_ops(setup, batch)]
