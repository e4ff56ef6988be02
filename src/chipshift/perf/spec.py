"""One replica's fixed choices, resolved once: model, chip or system, precision, KV-cache dtype, stack and layout.

Every entry point of the performance model (estimate, layout search, serving capacity, sizing, serving simulation,
training) takes a :class:`ReplicaSpec` instead of loose names, so a system given once (CloudMatrix 384) is the
system everywhere, and names are resolved and checked in one place::

    spec = ReplicaSpec.build("deepseek-r1", "cloudmatrix-384", precision="w8a8", stack="mindie")
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property

from chipshift.catalog import Catalog
from chipshift.errors import ChipshiftError
from chipshift.perf.efficiency import ChipEfficiency, StackEfficiency, efficiencies
from chipshift.perf.hardware import Hardware, resolve_hardware
from chipshift.perf.layout import InferenceLayout, check_layout, layout_from_degrees
from chipshift.perf.models import ModelArch, load_model
from chipshift.perf.operators import ChipSetup
from chipshift.perf.quant import QUANT_SPECS, KvCacheDtype, Quant, parse_kv_cache, parse_quant

MTP_DRAFT_TOKENS = 1
"""Draft tokens verified per step with MTP speculative decoding (DeepSeek's single MTP module)."""


@dataclass(frozen=True)
class ReplicaSpec:
    """What one replica runs and on what: fixed for every layout, batch and request the model tries."""

    model: ModelArch
    """The architecture."""
    hardware: Hardware
    """The chip, inside its system when one was named (topology, power and price per chip)."""
    precision: Quant
    """Weights and GEMMs."""
    kv_cache: KvCacheDtype
    """KV-cache element type."""
    stack: str
    """Software stack id (``other`` when none was named)."""
    layout: InferenceLayout | None = None
    """A fixed inference layout; None lets the layout search choose."""
    mtp_acceptance: float | None = None
    """MTP speculative decoding with this acceptance rate (None: off)."""

    @classmethod
    def build(
        cls,
        model: str | ModelArch,
        hardware: str,
        *,
        system: str | None = None,
        precision: str = "bf16",
        kv_cache: str | None = None,
        stack: str | None = None,
        mtp_acceptance: float | None = None,
        catalog: Catalog | None = None,
    ) -> ReplicaSpec:
        """Resolve names once: ``hardware`` is a chip or a system id (``system`` names a chip's system)."""
        arch = model if isinstance(model, ModelArch) else load_model(model)
        stack_id = (stack or "other").lower()
        stack_eff = efficiencies().stack(stack_id)
        kv = parse_kv_cache(kv_cache) if kv_cache is not None else stack_eff.kv_cache
        if mtp_acceptance is not None:
            _check_mtp(arch, mtp_acceptance)
        hw = resolve_hardware(hardware, system, catalog=catalog)
        return cls(arch, hw, parse_quant(precision), kv, stack_id, None, mtp_acceptance)

    @cached_property
    def stack_eff(self) -> StackEfficiency:
        """The stack's factors, with the scheduler limits it uses on this chip's memory."""
        return efficiencies().stack(self.stack).for_device(self.hardware.hbm_capacity_gb)

    @cached_property
    def chip_eff(self) -> ChipEfficiency:
        """The chip's achievable efficiencies."""
        return efficiencies().chip(self.hardware.chip_id)

    @property
    def draft_tokens(self) -> int:
        """Speculative tokens verified per decode step (0 without MTP)."""
        return MTP_DRAFT_TOKENS if self.mtp_acceptance is not None else 0

    @property
    def accepted_per_step(self) -> float:
        """Tokens accepted per sequence per decode step."""
        return 1.0 + (self.mtp_acceptance or 0.0) * self.draft_tokens

    def with_layout(self, layout: InferenceLayout | None) -> ReplicaSpec:
        """The same spec with a fixed layout (checked against the model), or with the search choosing (None)."""
        if layout is not None:
            check_layout(self.model, layout)
        return replace(self, layout=layout)

    def with_degrees(self, *, tp: int | None = None, pp: int = 1, ep: int = 1) -> ReplicaSpec:
        """A fixed layout from measured-style degrees (``ep`` above ``tp``: attention data-parallel groups)."""
        layout = layout_from_degrees(self.model, tp=tp or 1, pp=pp, ep=ep, dp_attention=self.stack_eff.dp_attention)
        return self.with_layout(layout)

    def setup(self, layout: InferenceLayout | None = None, *, expert_balance: str = "default") -> ChipSetup:
        """The step formulas' bundle for ``layout`` (default: the fixed layout, else one chip)."""
        chosen = layout or self.layout or InferenceLayout()
        check_layout(self.model, chosen)
        return ChipSetup(
            model=self.model,
            hw=self.hardware,
            chip_eff=self.chip_eff,
            stack_eff=self.stack_eff,
            quant=QUANT_SPECS[self.precision],
            layout=chosen,
            imbalance=efficiencies().imbalance(expert_balance),
            kv_cache_bytes=self.kv_cache.bytes,
        )

    def describe(self) -> str:
        """``deepseek-r1 on huawei-ascend-910c in cloudmatrix-384 (w8a8, KV cache bf16, stack mindie)``."""
        mtp = f", MTP acceptance {self.mtp_acceptance:.0%}" if self.mtp_acceptance is not None else ""
        return (
            f"{self.model.id} on {self.hardware.name} ({self.precision.value}, KV cache {self.kv_cache.value}, "
            f"stack {self.stack}{mtp})"
        )


def _check_mtp(model: ModelArch, acceptance: float) -> None:
    if not math.isfinite(acceptance) or not 0.0 <= acceptance <= 1.0:
        raise ChipshiftError(f"MTP acceptance must be between 0 and 1, not {acceptance:g}")
    if not model.mtp_layers:
        raise ChipshiftError(
            f"{model.id} has no MTP modules: speculative decoding with MTP needs a model that has them"
        )
