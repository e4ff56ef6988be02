"""Training estimates: FLOPs with attention, memory with recomputation and ZeRO, step time under DP/TP/PP/EP/CP."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from chipshift.errors import ChipshiftError
from chipshift.perf.efficiency import ChipEfficiency, TrainingStackEfficiency, efficiencies
from chipshift.perf.hardware import Hardware, peak_for
from chipshift.perf.models import ModelArch
from chipshift.perf.quant import parse_quant

DEFAULT_GLOBAL_BATCH_TOKENS = 16 * 2**20
"""Global batch when none is given: 16M tokens (Llama 3, Pangu Ultra and DeepSeek-V3 train at 16M-64M)."""
MAX_VIRTUAL_STAGES = 8
"""Interleaved 1F1B: up to this many model chunks per pipeline stage."""
OPTIMIZER_BYTES_PER_PARAM = 12.0
"""FP32 master weight and Adam moments."""
WEIGHT_AND_GRAD_BYTES_PER_PARAM = 4.0
"""BF16 weight and BF16 gradient."""
ACTIVATION_BYTES_PER_TOKEN_HIDDEN = 34.0
"""Per layer with sequence parallelism and selective recomputation (Korthikanti et al., arXiv 2205.05198)."""
FULL_RECOMPUTE_BYTES_PER_TOKEN_HIDDEN = 2.0
"""Per layer with full recomputation (only the layer input is kept)."""


class Recompute(enum.StrEnum):
    """Activation recomputation."""

    SELECTIVE = "selective"
    FULL = "full"


@dataclass(frozen=True)
class TrainingLayout:
    """Parallel degrees of a training job."""

    tp: int = 1
    pp: int = 1
    dp: int = 1
    ep: int = 1
    cp: int = 1

    @property
    def chips(self) -> int:
        """Chips used (EP is folded into DP)."""
        return self.tp * self.pp * self.dp * self.cp

    def describe(self) -> str:
        """``TP8 PP16 DP8 CP16``."""
        parts = [f"TP{self.tp}", f"PP{self.pp}", f"DP{self.dp}"]
        parts += [f"EP{self.ep}"] if self.ep > 1 else []
        parts += [f"CP{self.cp}"] if self.cp > 1 else []
        return " ".join(parts)


@dataclass(frozen=True)
class TrainingResult:
    """Throughput, MFU and memory of a training job, with its working."""

    layout: TrainingLayout
    tokens_per_s_per_chip: float
    mfu: float
    """Model FLOPs utilisation against the chip's BF16 peak."""
    step_s: float
    compute_s: float
    bubble_s: float
    exposed_comm_s: float
    model_flops_per_token: float
    memory_gb_per_chip: float
    fits: bool
    chip_hours_per_trillion_tokens: float

    def days_for(self, tokens: float, chips: int) -> float:
        """Days to train ``tokens`` on ``chips`` chips."""
        return tokens / (self.tokens_per_s_per_chip * chips) / 86400


def model_flops_per_token(model: ModelArch, seq_len: int) -> float:
    """Forward + backward FLOPs per token: 6 x active weights (LM head included) plus causal attention."""
    dense = 6.0 * (model.active_params + model.vocab_size * model.hidden_size)
    attention = 3.0 * model.num_layers * model.attention_flops_per_pair(absorbed=False) * (seq_len + 1) / 2
    return dense + attention


def _fabric_bw(hw: Hardware, eff: ChipEfficiency, group: int) -> float:
    """One-direction bytes/s per chip for a collective over ``group`` chips."""
    if group <= hw.scale_up_domain and hw.scale_up_bandwidth_gb_s:
        return hw.scale_up_bandwidth_gb_s / 2 * 1e9 * eff.scale_up
    return (hw.scale_out_bandwidth_gb_s or eff.scale_out_gb_s) * 1e9 * eff.scale_out


def _compute_s_per_token(
    model: ModelArch,
    hw: Hardware,
    eff: ChipEfficiency,
    precision: str,
    seq_len: int,
    st: TrainingStackEfficiency,
    imbalance: float,
) -> float:
    """Chip-seconds of compute per token (all chips together): linear layers at the GEMM precision, attention BF16."""
    fp8 = parse_quant(precision).value in {"fp8", "w8a8"}
    gemm_peak, used = peak_for(hw, "fp8" if fp8 else "bf16")
    bf16_peak, _ = peak_for(hw, "bf16")
    gemm_eff = eff.gemm_for(used) * st.kernel * (st.fp8_gemm_factor if used != "bf16" else 1.0)
    linear = 6.0 * (model.active_params + model.vocab_size * model.hidden_size)
    routed = 6.0 * model.moe_layers * model.experts_per_token * model.expert_params
    attention = model_flops_per_token(model, seq_len) - linear
    dense_s = (linear - routed) / (gemm_peak * 1e12 * gemm_eff)
    routed_s = routed * imbalance / (gemm_peak * 1e12 * gemm_eff * st.moe_kernel)
    return dense_s + routed_s + attention / (bf16_peak * 1e12 * eff.attention * st.kernel)


def _comm_s_per_token(model: ModelArch, hw: Hardware, eff: ChipEfficiency, lay: TrainingLayout) -> tuple[float, float]:
    """Seconds per token per chip group of TP+CP+EP traffic, and of the DP gradient reduction."""
    h, layers = model.hidden_size, model.num_layers / lay.pp
    tp_bytes = 8 * h * 2 * (lay.tp - 1) / lay.tp * layers if lay.tp > 1 else 0.0
    kv = model.kv_elems_per_token_layer() * 2
    cp_bytes = 3 * kv * (lay.cp - 1) / lay.cp * layers / lay.tp if lay.cp > 1 else 0.0
    ep_bytes = 0.0
    if model.is_moe and lay.ep > 1:
        share = model.moe_layers / model.num_layers
        copies = min(model.experts_per_token, model.routed_groups_per_token or model.experts_per_token)
        ep_bytes = 2 * copies * h * 3 * (lay.ep - 1) / lay.ep * layers * share / lay.tp
    tp_s = tp_bytes / _fabric_bw(hw, eff, lay.tp)
    cp_s = cp_bytes / _fabric_bw(hw, eff, lay.tp * lay.cp)
    ep_s = ep_bytes / _fabric_bw(hw, eff, lay.tp * lay.ep)
    return tp_s + cp_s + ep_s, _fabric_bw(hw, eff, lay.chips)


def _memory_gb(model: ModelArch, lay: TrainingLayout, seq_len: int, recompute: Recompute, zero_stage: int) -> float:
    """Per-chip memory: weights, gradients and optimizer (sharded over DP by the ZeRO stage), activations."""
    dense_params = model.total_params - model.moe_layers * model.num_experts * model.expert_params
    expert_params = model.moe_layers * model.num_experts * model.expert_params
    per_chip = dense_params / (lay.tp * lay.pp) + expert_params / (lay.tp * lay.pp * max(1, lay.ep))
    weight, grad = WEIGHT_AND_GRAD_BYTES_PER_PARAM / 2, WEIGHT_AND_GRAD_BYTES_PER_PARAM / 2
    optimizer = OPTIMIZER_BYTES_PER_PARAM / lay.dp if zero_stage >= 1 else OPTIMIZER_BYTES_PER_PARAM
    grad = grad / lay.dp if zero_stage >= 2 else grad
    weight = weight / lay.dp if zero_stage >= 3 else weight
    states = per_chip * (weight + grad + optimizer)
    per_token = (
        ACTIVATION_BYTES_PER_TOKEN_HIDDEN if recompute is Recompute.SELECTIVE else FULL_RECOMPUTE_BYTES_PER_TOKEN_HIDDEN
    )
    tokens = seq_len / lay.cp / lay.tp
    activations = tokens * model.hidden_size * per_token * model.num_layers / lay.pp * min(lay.pp, 8)
    return (states + activations) / 2**30


def estimate_training(
    model: ModelArch,
    hw: Hardware,
    *,
    layout: TrainingLayout,
    seq_len: int,
    precision: str = "bf16",
    stack: str | None = None,
    global_batch_tokens: int | None = None,
    recompute: Recompute = Recompute.SELECTIVE,
    expert_balance: str = "default",
    zero_stage: int = 1,
) -> TrainingResult:
    """Step time, throughput per chip and MFU of one training layout."""
    eff_file = efficiencies()
    eff, st = eff_file.chip(hw.chip_id), eff_file.training_stack(stack)
    _check_layout(model, layout)
    batch = global_batch_tokens or DEFAULT_GLOBAL_BATCH_TOKENS
    tokens_per_dp = batch / layout.dp
    compute = _compute_s_per_token(model, hw, eff, precision, seq_len, st, eff_file.imbalance(expert_balance))
    if recompute is Recompute.FULL:
        compute *= 4 / 3
    compute_s = compute * batch / layout.chips
    micro_batches = max(1.0, tokens_per_dp / seq_len)
    virtual = max(1, min(MAX_VIRTUAL_STAGES, model.num_layers // layout.pp)) if layout.pp > 1 else 1
    bubble_s = compute_s * (layout.pp - 1) / (micro_batches * virtual)
    comm_per_token, dp_bw = _comm_s_per_token(model, hw, eff, layout)
    comm_s = comm_per_token * batch / (layout.dp * layout.cp)
    exposed = (1 - st.overlap) * comm_s + _dp_exposed_s(model, layout, dp_bw, st, zero_stage)
    step_s = compute_s + bubble_s + exposed
    per_chip = batch / step_s / layout.chips
    bf16_peak, _ = peak_for(hw, "bf16")
    flops = model_flops_per_token(model, seq_len)
    if zero_stage not in (0, 1, 2, 3):
        raise ChipshiftError(f"ZeRO stage must be 0, 1, 2 or 3, not {zero_stage}")
    memory = _memory_gb(model, layout, seq_len, recompute, zero_stage)
    return TrainingResult(
        layout=layout,
        tokens_per_s_per_chip=per_chip,
        mfu=flops * per_chip / (bf16_peak * 1e12),
        step_s=step_s,
        compute_s=compute_s,
        bubble_s=bubble_s,
        exposed_comm_s=exposed,
        model_flops_per_token=flops,
        memory_gb_per_chip=memory,
        fits=memory <= hw.hbm_capacity_gb * 0.95,
        chip_hours_per_trillion_tokens=1e12 / per_chip / 3600,
    )


def _dp_exposed_s(
    model: ModelArch, lay: TrainingLayout, bw: float, st: TrainingStackEfficiency, zero_stage: int
) -> float:
    """Gradient reduction over DP not hidden under the backward pass (ZeRO-3 also gathers weights twice)."""
    if lay.dp <= 1:
        return 0.0
    grads = model.total_params / (lay.tp * lay.pp * max(1, lay.ep)) * 2.0
    volume = 2.0 * grads + (2.0 * grads if zero_stage >= 3 else 0.0)
    return (1 - st.dp_overlap) * volume * (lay.dp - 1) / lay.dp / bw


def _check_layout(model: ModelArch, lay: TrainingLayout) -> None:
    if model.num_heads % lay.tp:
        raise ChipshiftError(f"TP{lay.tp} does not divide {model.id}'s {model.num_heads} heads")
    if lay.pp > model.num_layers:
        raise ChipshiftError(f"PP{lay.pp} exceeds {model.id}'s {model.num_layers} layers")
    if lay.ep > 1 and (not model.is_moe or model.num_experts % lay.ep):
        raise ChipshiftError(f"EP{lay.ep} does not divide {model.id}'s {model.num_experts} routed experts")
