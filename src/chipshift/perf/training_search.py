"""Search over training layouts (TP, PP, CP, EP, DP) for a chip count: the fastest layout that fits in memory."""

from __future__ import annotations

from itertools import product
from typing import Any

from chipshift.errors import ChipshiftError
from chipshift.perf.hardware import Hardware
from chipshift.perf.models import ModelArch
from chipshift.perf.training import TrainingLayout, TrainingResult, estimate_training

POWERS = (1, 2, 4, 8, 16, 32, 64)


def candidate_layouts(
    model: ModelArch, hw: Hardware, chips: int, seq_len: int, fixed: dict[str, int] | None = None
) -> list[TrainingLayout]:
    """Layouts whose degrees multiply to ``chips``: TP within the scale-up domain, CP only for long sequences."""
    fixed = fixed or {}
    found = []
    for tp, pp, cp in product(POWERS[:4], POWERS[:6], POWERS[:5]):
        if tp > hw.scale_up_domain or model.num_heads % tp or pp > model.num_layers:
            continue
        if cp > 1 and seq_len < 16384:
            continue
        if any(fixed.get(k, v) != v for k, v in (("tp", tp), ("pp", pp), ("cp", cp))):
            continue
        dp, rest = divmod(chips, tp * pp * cp)
        if rest or dp < 1:
            continue
        ep = fixed.get("ep") or _largest_ep(model, dp)
        found.append(TrainingLayout(tp=tp, pp=pp, dp=dp, ep=ep, cp=cp))
    return found


def _largest_ep(model: ModelArch, dp: int) -> int:
    if not model.is_moe:
        return 1
    ep = 1
    for candidate in POWERS:
        if candidate <= dp and model.num_experts % candidate == 0 and dp % candidate == 0:
            ep = candidate
    return ep


def best_training_layout(
    model: ModelArch, hw: Hardware, *, chips: int, seq_len: int, fixed: dict[str, int] | None = None, **kwargs: Any
) -> TrainingResult:
    """The highest-throughput layout that fits; raises when none does."""
    results = [
        estimate_training(model, hw, layout=lay, seq_len=seq_len, **kwargs)
        for lay in candidate_layouts(model, hw, chips, seq_len, fixed)
    ]
    fitting = [r for r in results if r.fits]
    if not fitting:
        smallest = min((r.memory_gb_per_chip for r in results), default=float("nan"))
        raise ChipshiftError(
            f"no layout of {model.id} on {chips} x {hw.chip_id} fits memory (best {smallest:.0f} GB per chip vs "
            f"{hw.hbm_capacity_gb:.0f} GB); use more chips or full recomputation"
        )
    return max(fitting, key=lambda r: r.tokens_per_s_per_chip)
