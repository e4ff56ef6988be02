"""Training on N chips: the fastest layout (TP, PP, CP, EP, DP) that fits, for any chip count, and sizing a run.

Layouts multiply to exactly the chip count: TP divides the attention heads within the scale-up domain (at most
:data:`MAX_TRAINING_TP`), CP is used only for long sequences, PP is any divisor of what is left (up to the number of
layers), and DP takes the rest (EP folded into DP for MoE models). A refusal says what really stops the run: the
memory of the smallest footprint, and whether a count with more divisors would fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from chipshift.errors import ChipshiftError
from chipshift.perf.hardware import Hardware
from chipshift.perf.models import ModelArch
from chipshift.perf.spec import ReplicaSpec
from chipshift.perf.training import Recompute, TrainingLayout, TrainingResult, estimate_training
from chipshift.quantities import MAX_MAGNITUDE

MAX_TRAINING_TP = 8
"""Largest tensor-parallel degree tried (Megatron and MindSpeed keep TP inside one 8-chip server)."""
CONTEXT_DEGREES = (1, 2, 4, 8, 16)
"""Context-parallel degrees tried for sequences of :data:`LONG_SEQUENCE` tokens or more."""
LONG_SEQUENCE = 16384
"""Sequence length from which context parallelism is tried."""
MAX_EXPERT_PARALLEL = 64
"""Largest expert-parallel degree tried."""
MAX_TRAINING_CHIPS = 2**20
"""Largest training job sized."""


def candidate_layouts(
    model: ModelArch, hw: Hardware, chips: int, seq_len: int, fixed: dict[str, int] | None = None
) -> list[TrainingLayout]:
    """Every layout of exactly ``chips`` chips (``fixed`` pins ``tp``, ``pp``, ``cp`` or ``ep``)."""
    fixed = fixed or {}
    tps = [t for t in range(1, min(hw.scale_up_domain, MAX_TRAINING_TP) + 1) if model.num_heads % t == 0]
    cps = CONTEXT_DEGREES if seq_len >= LONG_SEQUENCE else (1,)
    found = []
    for tp in [fixed["tp"]] if "tp" in fixed else tps:
        for cp in [fixed["cp"]] if "cp" in fixed else cps:
            rest, left = divmod(chips, tp * cp)
            if left or rest < 1:
                continue
            depths = [fixed["pp"]] if "pp" in fixed else _divisors(rest, model.num_layers)
            for pp in depths:
                dp, left = divmod(rest, pp)
                if left or dp < 1:
                    continue
                ep = fixed.get("ep") or _largest_ep(model, dp)
                found.append(TrainingLayout(tp=tp, pp=pp, dp=dp, ep=ep, cp=cp))
    return found


def _divisors(n: int, most: int) -> list[int]:
    """Divisors of ``n`` up to ``most``."""
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return sorted(d for d in {*small, *(n // d for d in small)} if d <= most)


def _largest_ep(model: ModelArch, dp: int) -> int:
    """The largest EP degree that divides both the data-parallel group and the routed experts."""
    if not model.is_moe:
        return 1
    common = math.gcd(dp, model.num_experts)
    return max(d for d in _divisors(common, MAX_EXPERT_PARALLEL))


def best_training_layout(
    model: ModelArch,
    hw: Hardware,
    *,
    chips: int,
    seq_len: int,
    fixed: dict[str, int] | None = None,
    explain: bool = True,
    **kwargs: Any,
) -> TrainingResult:
    """The highest-throughput layout of ``chips`` chips that fits; raises with the real cause when none does
    (``explain``: also look for a nearby count that fits)."""
    layouts = candidate_layouts(model, hw, chips, seq_len, fixed)
    if not layouts:
        pinned = " x ".join(f"{k.upper()}{v}" for k, v in sorted((fixed or {}).items()))
        raise ChipshiftError(f"{pinned or 'no layout'} does not divide {chips:,} chips for {model.id}")
    results = [estimate_training(model, hw, layout=lay, seq_len=seq_len, **kwargs) for lay in layouts]
    fitting = [r for r in results if r.fits]
    if fitting:
        return max(fitting, key=lambda r: r.tokens_per_s_per_chip)
    smallest = min(results, key=lambda r: r.memory_gb_per_chip)
    usable = hw.hbm_capacity_gb * 0.95
    hint = _fitting_count_hint(model, hw, chips, seq_len, fixed, kwargs) if explain else ""
    raise ChipshiftError(
        f"no layout of {model.id} on {chips:,} x {hw.name} fits memory: the smallest footprint, "
        f"{smallest.layout.describe()}, needs {smallest.memory_gb_per_chip:,.0f} GB per chip against "
        f"{usable:,.0f} GB usable{hint}"
    )


def _fitting_count_hint(
    model: ModelArch, hw: Hardware, chips: int, seq_len: int, fixed: dict[str, int] | None, kwargs: dict[str, Any]
) -> str:
    """What the count allows (its pipeline depths) and the nearest whole-server count that fits, if any."""
    depths = sorted({lay.pp for lay in candidate_layouts(model, hw, chips, seq_len, fixed)})
    shown = " or ".join(map(str, depths)) if len(depths) <= 4 else ", ".join(map(str, depths[:8])) + ", ..."
    allowed = f"; {chips:,} chips split into pipelines of {shown} stages"
    base = max(8, chips // 8 * 8)
    nearby = {base + 8 * k for k in range(-64, 65) if base + 8 * k >= 8} - {chips}
    for count in sorted(nearby, key=lambda c: (abs(c - chips), c)):
        try:
            fits = best_training_layout(model, hw, chips=count, seq_len=seq_len, fixed=fixed, explain=False, **kwargs)
        except ChipshiftError:
            continue
        return f"{allowed}; {count:,} chips fit as {fits.layout.describe()} (or use full recomputation or ZeRO-3)"
    return f"{allowed}; a deeper pipeline, more chips, full recomputation or ZeRO-3 would be needed"


def training_throughput(
    spec: ReplicaSpec,
    *,
    chips: int,
    seq_len: int,
    global_batch_tokens: int | None = None,
    recompute: Recompute = Recompute.SELECTIVE,
    zero_stage: int = 1,
    fixed: dict[str, int] | None = None,
    explain: bool = True,
) -> TrainingResult:
    """Best training layout of ``spec``'s model on ``chips`` chips: tokens/s per chip, MFU, step, memory."""
    if chips < 1 or chips > MAX_TRAINING_CHIPS:
        raise ChipshiftError(f"a training job has 1 to {MAX_TRAINING_CHIPS:,} chips, not {chips:,}")
    return best_training_layout(
        spec.model,
        spec.hardware,
        chips=chips,
        seq_len=seq_len,
        fixed=fixed,
        explain=explain,
        precision=spec.precision.value,
        stack=spec.stack,
        global_batch_tokens=global_batch_tokens,
        recompute=recompute,
        zero_stage=zero_stage,
    )


@dataclass(frozen=True)
class TrainingSizing:
    """Chips of one candidate to train ``tokens`` in ``days``."""

    chip: str
    """Catalog chip id."""
    system: str | None
    """Catalog system id, when the candidate is a system."""
    chips: int
    """Chips needed (a multiple of 8: whole servers)."""
    days: float
    """Days the run takes on them."""
    result: TrainingResult
    """The training estimate at that count."""


def size_training(spec: ReplicaSpec, *, tokens: float, days: float, seq_len: int) -> TrainingSizing:
    """Smallest chip count (a multiple of 8) that trains ``tokens`` within ``days``.

    Grows the count until the run fits in time, then bisects between the last count that was too slow and the
    first that was fast enough (step time is close to monotone in the count, so this is the smallest or very near).
    """
    for name, value in (("tokens", tokens), ("days", days)):
        if not (math.isfinite(value) and 0 < value <= MAX_MAGNITUDE):
            raise ChipshiftError(f"training {name} must be a positive finite number, not {value:g}")

    def attempt(n: int) -> tuple[float, TrainingResult] | None:
        try:
            result = training_throughput(spec, chips=n, seq_len=seq_len, explain=False)
        except ChipshiftError:
            return None
        return result.days_for(tokens, n), result

    slow, n, found = 0, 8, None
    while n <= MAX_TRAINING_CHIPS:
        found = attempt(n)
        if found is not None and found[0] <= days:
            break
        slow = n
        n = n * 2 if found is None else max(n * 2, 8 * math.ceil(n * found[0] / days / 8))
        found = None
    if found is None:
        raise ChipshiftError(
            f"{spec.model.id} cannot train {tokens:,.3g} tokens in {days:g} days on up to {MAX_TRAINING_CHIPS:,} x "
            f"{spec.hardware.name}"
        )
    low, high = slow // 8, n // 8
    while high - low > 1:
        middle = (low + high) // 2
        tried = attempt(middle * 8)
        if tried is not None and tried[0] <= days:
            high, found = middle, tried
        else:
            low = middle
    return TrainingSizing(spec.hardware.chip_id, spec.hardware.system_id, high * 8, found[0], found[1])
