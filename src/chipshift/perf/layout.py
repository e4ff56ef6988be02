"""Parallel layouts of one inference replica: tensor, attention-data, expert and pipeline parallelism."""

from __future__ import annotations

from dataclasses import dataclass

from chipshift.errors import ChipshiftError
from chipshift.perf.models import AttentionKind, ModelArch


class LayoutError(ChipshiftError):
    """A parallel layout that cannot run this model."""


@dataclass(frozen=True)
class InferenceLayout:
    """How one model replica is spread over chips.

    Attention runs tensor-parallel over ``tp`` chips, and ``attention_dp`` such groups each serve their own
    sequences. The FFN of every stage spreads over all ``tp * attention_dp`` chips of the stage: routed experts
    are sharded across them (``expert_parallel``: whole experts per chip, else every expert split). ``pp`` stages.
    """

    tp: int = 1
    """Tensor-parallel degree of attention."""
    attention_dp: int = 1
    """Attention data-parallel groups per stage."""
    pp: int = 1
    """Pipeline stages."""
    expert_parallel: bool = False
    """Routed experts placed whole on chips (EP) rather than split (TP)."""

    @property
    def stage_chips(self) -> int:
        """Chips per pipeline stage."""
        return self.tp * self.attention_dp

    @property
    def chips(self) -> int:
        """Chips in one replica."""
        return self.stage_chips * self.pp

    def describe(self) -> str:
        """Short text such as ``TP1 x DP-attention 32 (EP32)``."""
        parts = [f"TP{self.tp}"]
        if self.attention_dp > 1:
            parts.append(f"DP-attn{self.attention_dp}")
        if self.expert_parallel:
            parts.append(f"EP{self.stage_chips}")
        if self.pp > 1:
            parts.append(f"PP{self.pp}")
        return " ".join(parts)


def check_layout(model: ModelArch, layout: InferenceLayout) -> None:
    """Raise :class:`LayoutError` if the layout cannot split this model."""
    if min(layout.tp, layout.attention_dp, layout.pp) < 1:
        raise LayoutError(f"parallel degrees must be at least 1, got {layout.describe()}")
    if model.num_heads % layout.tp:
        raise LayoutError(f"TP{layout.tp} does not divide {model.id}'s {model.num_heads} attention heads")
    if layout.pp > model.num_layers:
        raise LayoutError(f"PP{layout.pp} exceeds {model.id}'s {model.num_layers} layers")
    if layout.expert_parallel and not model.is_moe:
        raise LayoutError(f"{model.id} is dense: expert parallelism does not apply")


def layout_from_degrees(
    model: ModelArch, *, tp: int = 1, pp: int = 1, dp: int = 1, ep: int = 1, dp_attention: bool = False
) -> InferenceLayout:
    """Map measured degrees (``tp``, ``ep``, ...) to a replica layout.

    ``ep`` larger than ``tp`` means attention is data-parallel over ``ep / tp`` groups (DeepSeek-style). A stack
    with data-parallel MLA attention (``dp_attention``) turns ``tp`` of an MLA model into attention groups.
    """
    if ep > 1 and model.is_moe:
        if ep % tp:
            raise LayoutError(f"EP{ep} is not a multiple of TP{tp}")
        layout = InferenceLayout(tp=tp, attention_dp=ep // tp, pp=pp, expert_parallel=True)
    elif dp_attention and model.attention is AttentionKind.MLA and tp > 1:
        layout = InferenceLayout(tp=1, attention_dp=tp, pp=pp, expert_parallel=False)
    else:
        layout = InferenceLayout(tp=tp, attention_dp=1, pp=pp)
    check_layout(model, layout)
    return layout
