"""Memory of one chip in a replica: weights, activation workspace, runtime reserve and what is left for KV cache."""

from __future__ import annotations

import math
from dataclasses import dataclass

from chipshift.perf.operators import ChipSetup

RUNTIME_RESERVED_GB = 1.0
"""Runtime context, communication buffers and captured graphs per chip (typical of vLLM/SGLang/MindIE logs)."""

ACTIVATION_BYTES_PER_TOKEN_HIDDEN = 40.0
"""Peak activation workspace per batched token per hidden unit (BF16 hidden states, QKV, gate/up, residual)."""

GB = 1e9

GIB_PER_MARKETED_GB = 2**30 / 1e9
"""HBM is marketed in binary units: an "80 GB" H100 holds 80 GiB (85.9e9 bytes)."""


@dataclass(frozen=True)
class MemoryPlan:
    """How one chip's memory is spent."""

    capacity_gb: float
    """Memory the engine may use (HBM times the stack's utilisation)."""
    weights_gb: float
    """Model weights held by this chip."""
    activations_gb: float
    """Activation workspace for the largest step."""
    reserved_gb: float
    """Runtime reserve."""
    kv_cache_gb: float
    """What is left for the KV cache (negative: does not fit)."""
    kv_tokens_per_group: float
    """Tokens of context the attention group can cache."""

    @property
    def fits(self) -> bool:
        """Whether weights and workspace fit with some room for KV cache."""
        return self.kv_cache_gb > 0

    @property
    def missing_gb(self) -> float:
        """GB per chip that would be needed to fit (0 when it fits)."""
        return max(0.0, -self.kv_cache_gb)


def experts_per_chip(setup: ChipSetup) -> float:
    """Routed experts one chip holds per MoE layer: whole experts under EP (a width that does not divide them
    places redundant copies, as EPLB does), a slice of every expert otherwise."""
    m, lay = setup.model, setup.layout
    if lay.expert_parallel:
        return float(math.ceil(m.num_experts / lay.stage_chips))
    return m.num_experts / lay.stage_chips


def weights_per_chip_bytes(setup: ChipSetup) -> float:
    """Weights one chip holds: its share of attention, dense FFN, shared and routed experts, embeddings."""
    m, lay, wb = setup.model, setup.layout, setup.quant.weight_bytes
    layers = setup.layers
    total = m.attention_params * wb / lay.tp * layers
    if m.is_moe:
        moe_layers = layers * setup.moe_layer_share
        total += m.dense_ffn_params * wb / lay.tp * (layers - moe_layers)
        total += m.num_shared_experts * m.expert_params * wb / lay.tp * moe_layers
        total += experts_per_chip(setup) * m.expert_params * wb * moe_layers
    else:
        total += m.dense_ffn_params * wb / lay.tp * layers
    total += m.embedding_params * 2.0 / lay.tp / lay.pp
    return float(total)


def memory_plan(setup: ChipSetup, batched_tokens: float | None = None) -> MemoryPlan:
    """Weights, workspace and KV room of one chip for a step of at most ``batched_tokens`` tokens."""
    stack = setup.stack_eff
    capacity = setup.hw.hbm_capacity_gb * GIB_PER_MARKETED_GB * stack.memory_utilization
    weights = weights_per_chip_bytes(setup) / GB
    tokens = batched_tokens if batched_tokens is not None else stack.max_batched_tokens
    activations = tokens / setup.layout.tp * setup.model.hidden_size * ACTIVATION_BYTES_PER_TOKEN_HIDDEN / GB
    kv_gb = capacity - weights - activations - RUNTIME_RESERVED_GB
    kv_tokens = max(0.0, kv_gb) * GB / setup.kv_bytes_per_token()
    return MemoryPlan(capacity, weights, activations, RUNTIME_RESERVED_GB, kv_gb, kv_tokens)
