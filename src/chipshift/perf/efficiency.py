"""Achievable efficiencies per chip, precision and software stack: ``perf/data/efficiency.yaml`` (the factors with
their sources, and which of them the calibration fits) and ``perf/data/fitted.yaml`` (the fitted values, written by
``scripts/fit_perf.py``)."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chipshift.datafiles import load_package_yaml, validate_model
from chipshift.errors import ChipshiftError, UnknownIdError
from chipshift.perf.quant import KvCacheDtype


class LatencyUs(BaseModel):
    """Per-step latency of a collective on each fabric, microseconds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scale_up: float
    """Scale-up fabric (NVLink, HCCS, UB)."""
    scale_out: float
    """Scale-out network (InfiniBand, RoCE)."""


class ChipEfficiency(BaseModel):
    """What well-shaped kernels reach on one chip, as fractions of its peaks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gemm: dict[str, float]
    """GEMM compute efficiency by precision."""
    attention: float
    """Attention kernel efficiency (BF16)."""
    memory: float
    """Achievable share of HBM bandwidth."""
    scale_up: float
    """Achievable share of scale-up bandwidth in collectives."""
    scale_out: float
    """Achievable share of scale-out bandwidth."""
    scale_out_gb_s: float
    """Per-chip scale-out bandwidth assumed where the catalog has none, GB/s."""
    latency_us: LatencyUs
    """Per-step collective latency."""
    attention_half_context: float = 0.0
    """Context tokens per query at which attention kernels reach half their efficiency (tiles and launches that a
    short context cannot fill); 0: no such loss."""
    source: str
    """Id of the source in this file."""
    note: str | None = None
    """Where the numbers come from."""

    def gemm_for(self, precision: str) -> float:
        """GEMM efficiency at a precision (BF16's when that precision has no entry)."""
        return self.gemm.get(precision, self.gemm.get("bf16", 0.7))


class LargeMemoryLimits(BaseModel):
    """Scheduler limits a stack picks by itself on devices with much memory."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_gb: float
    """Device memory from which these limits apply."""
    max_num_seqs: int
    """Running sequences cap."""
    max_batched_tokens: int
    """Tokens per step cap."""


class StackEfficiency(BaseModel):
    """What an inference framework adds to or takes from the chip's efficiencies."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kernel: float
    """Multiplier on compute efficiency."""
    moe_kernel: float
    """Extra multiplier on routed-expert GEMMs."""
    attention_kernel: float = 1.0
    """Extra multiplier on the attention kernels (prefill and decode, compute and KV reads)."""
    fp8_attention: bool = False
    """With an FP8 KV cache the stack computes attention in FP8 (FlashMLA-FP8, FA3 FP8, TensorRT-LLM FP8 FMHA),
    at the chip's FP8 peak."""
    overlap: float
    """Share of communication hidden under compute."""
    step_overhead_ms: float
    """Host time per engine step not hidden."""
    per_layer_overhead_us: float
    """Host launch time per layer per step (eager execution), overlapped with device work."""
    async_scheduling: bool = False
    """The engine schedules step N+1 while step N runs on the device (vLLM >= 0.14 by default, SGLang's overlap
    scheduler, TensorRT-LLM's executor): the host time per step is hidden under the device time instead of added."""
    per_seq_overhead_us: float = 0.0
    """Host time per running sequence per step (input preparation, sampling, detokenisation), not hidden."""
    moe_expert_launch_us: float = 0.0
    """Host launch time per local expert per MoE layer (MoE run as a loop over experts, not one grouped GEMM)."""
    layer_floor_us: float = 0.0
    """Least device time of one layer however small the batch (fixed cost of its many small kernels)."""
    dp_attention: bool
    """A measured TP degree of an MoE model ran attention data-parallel across that group (how cases are read)."""
    dp_attention_with_ep: bool = True
    """The stack can run attention data-parallel with expert parallelism for any MoE model (searched layouts)."""
    kv_cache: KvCacheDtype = KvCacheDtype.BF16
    """KV-cache dtype used unless one is given."""
    max_num_seqs: int
    """Scheduler cap on running sequences per replica."""
    max_batched_tokens: int
    """Scheduler cap on tokens per step per replica."""
    memory_utilization: float
    """Share of HBM the engine may use."""
    large_memory: LargeMemoryLimits | None = None
    """Limits on devices with at least ``min_gb`` of memory."""
    source: str
    """Id of the source."""
    note: str | None = None
    """Conditions."""

    def for_device(self, hbm_gb: float) -> StackEfficiency:
        """The factors with the scheduler limits this stack uses on a device with ``hbm_gb`` of memory."""
        large = self.large_memory
        if large is None or hbm_gb < large.min_gb:
            return self
        return self.model_copy(
            update={"max_num_seqs": large.max_num_seqs, "max_batched_tokens": large.max_batched_tokens}
        )


class TrainingStackEfficiency(BaseModel):
    """What a training framework adds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kernel: float
    """Multiplier on compute efficiency."""
    overlap: float
    """Share of TP/EP/CP communication hidden."""
    dp_overlap: float
    """Share of the gradient all-reduce hidden."""
    fp8_gemm_factor: float = 1.0
    """FP8 training GEMMs against inference FP8 GEMMs (fine-grained scaling, transposes, FP32 promotion)."""
    moe_kernel: float = 1.0
    """Extra multiplier on routed-expert GEMMs (grouped GEMMs, permutation)."""
    source: str
    """Id of the source."""


class FitParameter(BaseModel):
    """One factor the calibration fits: where it sits in this file, how far from its source it may move."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    """Short name (``hopper.gemm.fp8``)."""
    targets: list[str] = Field(min_length=1)
    """Dotted paths of the values it sets (``chips.nvidia-h100-sxm.gemm.fp8``); the first holds its prior."""
    sigma: float = Field(gt=0)
    """Prior width in log space: how far the data must pull to move it (0.2: about 20%)."""
    min: float = Field(ge=0)
    """Smallest value allowed."""
    max: float = Field(gt=0)
    """Largest value allowed."""


class EfficiencyFile(BaseModel):
    """The whole ``efficiency.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    """Format version."""
    sources: list[dict[str, str]] = Field(default_factory=list)
    """Where the factors come from."""
    defaults: ChipEfficiency
    """For chips without an entry."""
    chips: dict[str, ChipEfficiency]
    """By catalog chip id."""
    stacks: dict[str, StackEfficiency]
    """Inference stacks by id."""
    training_stacks: dict[str, TrainingStackEfficiency]
    """Training stacks by id."""
    moe_imbalance: dict[str, float | str]
    """Busiest-over-mean expert load by balance mode."""
    fit: list[FitParameter] = Field(default_factory=list)
    """The factors the calibration fits (their values here are the priors, from the sources)."""

    def chip(self, chip_id: str) -> ChipEfficiency:
        """A chip's efficiencies, or the generic defaults."""
        return self.chips.get(chip_id, self.defaults)

    def stack(self, stack_id: str | None) -> StackEfficiency:
        """An inference stack's factors; ``other`` when none is named or the stack is a training framework."""
        key = _stack_key(stack_id, self.stacks, self.training_stacks, "inference stack")
        return self.stacks[key]

    def training_stack(self, stack_id: str | None) -> TrainingStackEfficiency:
        """A training stack's factors; ``other`` when none is named or the stack is an inference engine."""
        key = _stack_key(stack_id, self.training_stacks, self.stacks, "training stack")
        return self.training_stacks[key]

    def imbalance(self, balance: str) -> float:
        """Max-over-mean expert load for a balance mode."""
        value = self.moe_imbalance.get(balance)
        if not isinstance(value, float | int):
            raise ChipshiftError(f"unknown expert_balance '{balance}' (perfect or default)")
        return float(value)

    def source_title(self, source_id: str) -> str:
        """Readable title of a source id."""
        for source in self.sources:
            if source.get("id") == source_id:
                return source.get("title", source_id)
        return source_id


def _stack_key(stack_id: str | None, wanted: dict[str, Any], other_kind: dict[str, Any], kind: str) -> str:
    key = (stack_id or "other").lower()
    if key in wanted:
        return key
    if key in other_kind:
        return "other"
    raise UnknownIdError(kind, key, sorted(set(wanted) | set(other_kind)))


def _set(data: dict[str, Any], path: str, value: float) -> None:
    """Set a dotted path (``chips.nvidia-h100-sxm.gemm.fp8``) in the raw file."""
    *parents, last = path.split(".")
    node: Any = data
    for key in parents:
        if not isinstance(node, dict) or key not in node:
            raise ChipshiftError(f"efficiency.yaml has no '{path}' (fit target)")
        node = node[key]
    if not isinstance(node, dict) or last not in node:
        raise ChipshiftError(f"efficiency.yaml has no '{path}' (fit target)")
    node[last] = float(value)


@cache
def _raw_file() -> tuple[Any, Any]:
    return load_package_yaml("chipshift.perf", "data", "efficiency.yaml")


def build_efficiencies(values: Mapping[str, float] | None = None) -> EfficiencyFile:
    """The shipped factors with fitted parameter ``values`` (by parameter name) put in every target.

    With ``values=None`` the result holds the priors: the factors as their sources give them.
    """
    data, root = _raw_file()
    data = copy.deepcopy(data)
    if values:
        specs = {p.get("name"): p for p in data.get("fit", []) if isinstance(p, dict)}
        for name, value in values.items():
            if name not in specs:
                raise ChipshiftError(f"unknown fitted parameter '{name}' (not in efficiency.yaml's fit list)")
            for target in specs[name].get("targets", []):
                _set(data, str(target), value)
    return validate_model(EfficiencyFile, data, root, "chipshift/perf/data/efficiency.yaml")


@cache
def fitted_values() -> dict[str, float]:
    """The calibrated parameter values shipped in ``perf/data/fitted.yaml`` (empty when there is none)."""
    if not resources.files("chipshift.perf").joinpath("data", "fitted.yaml").is_file():
        return {}
    data, _ = load_package_yaml("chipshift.perf", "data", "fitted.yaml")
    values = data.get("parameters", {}) if isinstance(data, dict) else {}
    return {str(k): float(v) for k, v in values.items()}


@cache
def shipped_efficiencies() -> EfficiencyFile:
    """The shipped factors with the calibrated values in place (validated on first use)."""
    return build_efficiencies(fitted_values())


_ACTIVE: ContextVar[EfficiencyFile | None] = ContextVar("chipshift_perf_efficiencies", default=None)


def efficiencies() -> EfficiencyFile:
    """The factors in use: the shipped calibrated ones, or those :func:`using` set (calibration, cross-validation)."""
    return _ACTIVE.get() or shipped_efficiencies()


@contextmanager
def using(factors: EfficiencyFile) -> Iterator[EfficiencyFile]:
    """Run the model with other factors (a candidate fit), then restore the previous ones."""
    token = _ACTIVE.set(factors)
    try:
        yield factors
    finally:
        _ACTIVE.reset(token)
