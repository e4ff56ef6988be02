"""Communication of one step over the system's topology: TP all-reduce, EP dispatch/combine, PP send, KV transfer."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from chipshift.perf.operators import ChipSetup, Num, StepBatch

ACTIVATION_BYTES = 2.0
"""BF16 activations on the wire (TP all-reduce, combine, PP)."""


@dataclass(frozen=True)
class CommCost:
    """One communication pattern of a step on one chip."""

    name: str
    """``tp.allreduce``, ``ep.dispatch_combine``, ``pp.send``."""
    bytes: Num
    """Bytes each chip sends."""
    time_s: Num
    """Time at the achievable bandwidth plus latency."""
    fabric: str
    """``scale-up``, ``scale-out`` or ``mixed``."""


def _up_bw(setup: ChipSetup) -> float:
    """Achievable one-direction scale-up bandwidth per chip, bytes/s (scale-out when there is no fabric)."""
    hw, eff = setup.hw, setup.chip_eff
    if hw.scale_up_bandwidth_gb_s is None or hw.scale_up_domain <= 1:
        return _out_bw(setup)
    return hw.scale_up_bandwidth_gb_s / 2 * 1e9 * eff.scale_up


def _out_bw(setup: ChipSetup) -> float:
    hw, eff = setup.hw, setup.chip_eff
    out = hw.scale_out_bandwidth_gb_s or eff.scale_out_gb_s
    return out * 1e9 * eff.scale_out


def _hops(chips: int) -> int:
    """Latency-bound steps of a small all-reduce over ``chips`` (tree or recursive doubling: log2 of the group)."""
    return max(1, math.ceil(math.log2(chips))) if chips > 1 else 0


def group_transfer_time(
    setup: ChipSetup, nbytes: Num, group: int, *, out_share: Num | None = None, reduce: bool = False
) -> tuple[Num, str]:
    """Time to send ``nbytes`` spread evenly over the other members of a group of ``group`` chips.

    ``out_share`` overrides the share of the bytes that leaves the scale-up domain (node-deduplicated dispatch).
    A ``reduce`` (all-reduce) pays the fabric latency once per step of a tree over the group, a send or an
    all-to-all once.
    """
    domain = setup.hw.scale_up_domain
    lat = setup.chip_eff.latency_us
    if group <= domain:
        steps = _hops(group) if reduce else 1
        return nbytes / _up_bw(setup) + lat.scale_up * 1e-6 * steps, "scale-up"
    inside = (domain - 1) / (group - 1)
    outside = 1 - inside if out_share is None else out_share
    up = nbytes * inside / _up_bw(setup)
    out = nbytes * outside / _out_bw(setup)
    latency = lat.scale_out * (_hops(math.ceil(group / domain)) if reduce else 1) + lat.scale_up * (
        _hops(domain) if reduce else 0
    )
    return np.maximum(up, out) + latency * 1e-6, "mixed"


def _node_dedup_share(setup: ChipSetup, batch: StepBatch, width: int) -> Num | None:
    """Share of expert copies that cross domains when prefill-mode dispatch sends each token once per domain.

    High-throughput all-to-all kernels (DeepEP normal mode, hierarchical HCCL) forward a token to a remote domain
    once and fan out over the scale-up fabric; group-limited routing caps the domains a token reaches. Decode-mode
    (low-latency) kernels send every copy directly, so decode steps keep the plain share.
    """
    m, domain = setup.model, setup.hw.scale_up_domain
    if width <= domain or not m.experts_per_token:
        return None
    domains = width / domain
    reached = domains * (1 - (1 - 1 / domains) ** m.experts_per_token)
    if m.routed_groups_per_token:
        reached = min(reached, m.routed_groups_per_token)
    dedup = reached * (domains - 1) / domains / m.experts_per_token
    plain = 1 - (domain - 1) / (width - 1)
    return np.where(batch.prefill_tokens >= batch.decode_seqs, dedup, plain)


def tp_allreduce(setup: ChipSetup, batch: StepBatch) -> CommCost | None:
    """Two ring all-reduces per layer across the TP group (after attention and after the FFN)."""
    tp = setup.layout.tp
    if tp <= 1:
        return None
    per_call = batch.tokens * setup.model.hidden_size * ACTIVATION_BYTES * 2 * (tp - 1) / tp
    calls = 2 * setup.layers
    time, fabric = group_transfer_time(setup, per_call, tp, reduce=True)
    return CommCost("tp.allreduce", per_call * calls, time * calls, fabric)


def moe_exchange(setup: ChipSetup, batch: StepBatch) -> CommCost | None:
    """Token dispatch to experts and combine back, per MoE layer, across the stage's chips."""
    m, lay = setup.model, setup.layout
    width = lay.stage_chips
    if not m.is_moe or lay.attention_dp <= 1 or width <= 1:
        return None
    fanout = m.experts_per_token if lay.expert_parallel else 1
    per_token = m.hidden_size * fanout * (setup.quant.activation_bytes + ACTIVATION_BYTES)
    per_layer = batch.tokens / lay.tp * per_token * (width - 1) / width
    calls = setup.layers * setup.moe_layer_share
    share = _node_dedup_share(setup, batch, width) if lay.expert_parallel else None
    time, fabric = group_transfer_time(setup, per_layer, width, out_share=share)
    return CommCost("ep.dispatch_combine", per_layer * calls, time * calls, fabric)


def pp_send(setup: ChipSetup, batch: StepBatch) -> CommCost | None:
    """Activations handed to the next pipeline stage."""
    if setup.layout.pp <= 1:
        return None
    nbytes = batch.tokens / setup.layout.tp * setup.model.hidden_size * ACTIVATION_BYTES
    time, fabric = group_transfer_time(setup, nbytes, 2 * setup.layout.stage_chips)
    return CommCost("pp.send", nbytes, time, fabric)


def step_comms(setup: ChipSetup, batch: StepBatch) -> list[CommCost]:
    """Every communication of one step on one chip."""
    found = (tp_allreduce(setup, batch), moe_exchange(setup, batch), pp_send(setup, batch))
    return [c for c in found if c is not None]


def kv_transfer_s(setup: ChipSetup, context_tokens: float) -> float:
    """Time to move one sequence's KV cache from a prefill to a decode instance (disaggregated serving)."""
    nbytes = context_tokens * setup.kv_bytes_per_token() * setup.layout.pp
    return float(nbytes / _out_bw(setup) + setup.chip_eff.latency_us.scale_out * 1e-6)
