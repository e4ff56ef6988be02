"""Parallel layouts of one inference replica: tensor, attention-data, expert and pipeline parallelism."""

from __future__ import annotations

from dataclasses import dataclass

from chipshift.errors import ChipshiftError
from chipshift.perf.models import ModelArch


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


def chips_text(count: int) -> str:
    """``1 chip``, ``40 chips``."""
    return f"{count:,} chip" if count == 1 else f"{count:,} chips"


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
    whose measured TP runs attention data-parallel (``dp_attention``) turns ``tp`` of an MoE model into attention
    groups.
    """
    if ep > 1 and not model.is_moe:
        raise LayoutError(f"{model.id} is dense: expert parallelism (EP{ep}) does not apply")
    if ep > 1:
        if ep % tp:
            raise LayoutError(f"EP{ep} is not a multiple of TP{tp}")
        layout = InferenceLayout(tp=tp, attention_dp=ep // tp, pp=pp, expert_parallel=True)
    elif dp_attention and model.is_moe and tp > 1:
        layout = InferenceLayout(tp=1, attention_dp=tp, pp=pp, expert_parallel=False)
    else:
        layout = InferenceLayout(tp=tp, attention_dp=1, pp=pp)
    check_layout(model, layout)
    return layout


STAGE_WIDTHS = (*range(1, 17), 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512)
"""Chips per pipeline stage the search tries: every count to 16, then four per doubling (plus the scale-up domain
and every TP degree that divides the heads)."""
PIPELINE_DEPTHS = (1, 2, 3, 4, 6, 8, 12, 16)
"""Pipeline stages the search tries."""
MAX_REPLICA_CHIPS = 512
"""Largest replica the search tries."""


def _stage_shapes(
    model: ModelArch, domain: int, tps: list[int], chips: int | None, max_chips: int
) -> list[tuple[int, int]]:
    """(chips per stage, stages) pairs: on the grid up to ``max_chips``, or every split of exactly ``chips``."""
    if chips is not None:
        return [(chips // pp, pp) for pp in range(1, min(chips, model.num_layers) + 1) if chips % pp == 0]
    widths = sorted({*STAGE_WIDTHS, domain, *tps})
    depths = [pp for pp in PIPELINE_DEPTHS if pp <= model.num_layers]
    return [(width, pp) for pp in depths for width in widths if width * pp <= max_chips]


def searched_layouts(
    model: ModelArch, *, domain: int, dp_attention: bool, max_chips: int = MAX_REPLICA_CHIPS, chips: int | None = None
) -> list[InferenceLayout]:
    """Every layout the search tries: attention TP x attention DP (with EP) x PP.

    Attention TP divides the query heads and stays inside the scale-up ``domain``; for an MoE model on a stack that
    runs attention data-parallel with expert parallelism (``dp_attention``), attention groups multiply the stage
    (whole experts per chip, so at most one chip per routed expert) and may reach beyond the domain; pipeline
    stages extend any layout. With ``chips``, only the layouts of exactly that many chips.
    """
    tps = [tp for tp in range(1, min(domain, model.num_heads) + 1) if model.num_heads % tp == 0]
    layouts = []
    for width, pp in _stage_shapes(model, domain, tps, chips, max_chips):
        for tp in tps:
            groups, rest = divmod(width, tp)
            if rest or (groups > 1 and not (model.is_moe and dp_attention and width <= model.num_experts)):
                continue
            layouts.append(InferenceLayout(tp=tp, attention_dp=groups, pp=pp, expert_parallel=groups > 1))
    return layouts
