"""One replica's fixed choices, resolved once: model, chip or system, precision, KV-cache dtype, stack and layout.

Every entry point of the performance model (estimate, layout search, serving capacity, sizing, serving simulation,
training) takes a :class:`ReplicaSpec` instead of loose names, so a system given once (CloudMatrix 384) is the
system everywhere, and names are resolved and checked in one place::

    spec = ReplicaSpec.build("deepseek-r1", "cloudmatrix-384", precision="w8a8", stack="mindie")
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from chipshift.catalog import Catalog
from chipshift.errors import ChipshiftError
from chipshift.perf.efficiency import ChipEfficiency, StackEfficiency, efficiencies
from chipshift.perf.hardware import Hardware, resolve_hardware
from chipshift.perf.layout import InferenceLayout, check_layout, layout_from_degrees
from chipshift.perf.models import ModelArch, load_model
from chipshift.perf.operators import ChipSetup
from chipshift.perf.quant import QUANT_SPECS, KvCacheDtype, Quant, parse_kv_cache, parse_quant
from chipshift.perf.speculative import DraftMethod, Speculative


@dataclass(frozen=True)
class EngineSettings:
    """Engine settings a deployment gives instead of the stack's defaults (None: the stack's)."""

    max_num_seqs: int | None = None
    """Running sequences per replica (vLLM ``--max-num-seqs``, SGLang ``--max-running-requests``)."""
    max_batched_tokens: int | None = None
    """Tokens per engine step (vLLM ``--max-num-batched-tokens``, SGLang ``--chunked-prefill-size``)."""
    memory_utilization: float | None = None
    """Share of device memory the engine may use (``--gpu-memory-utilization``, ``--mem-fraction-static``)."""
    async_scheduling: bool | None = None
    """Whether the engine schedules the next step while the device runs this one (vLLM ``--async-scheduling``)."""

    def updates(self) -> dict[str, float | int | bool]:
        """The fields given, as updates of the stack's factors."""
        names = ("max_num_seqs", "max_batched_tokens", "memory_utilization", "async_scheduling")
        return {name: value for name in names if (value := getattr(self, name)) is not None}


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
    speculative: Speculative | None = None
    """Speculative decoding (None: off)."""
    engine: EngineSettings = EngineSettings()
    """Engine settings that replace the stack's defaults."""

    @property
    def runs_natively(self) -> bool:
        """Whether the chip has units for this precision's GEMMs (the catalog lists its throughput there); where it
        has not, the model falls back to BF16 units, which no stack ships as a deployment."""
        return self.hardware.peak(QUANT_SPECS[self.precision].gemm_precision) is not None

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
        speculative: Speculative | None = None,
        engine: EngineSettings | None = None,
        catalog: Catalog | None = None,
    ) -> ReplicaSpec:
        """Resolve names once: ``hardware`` is a chip or a system id (``system`` names a chip's system).

        ``mtp_acceptance`` is MTP speculative decoding with one draft token (``speculative`` for any other setup).
        """
        arch = model if isinstance(model, ModelArch) else load_model(model)
        stack_id = (stack or "other").lower()
        stack_eff = efficiencies().stack(stack_id)
        kv = parse_kv_cache(kv_cache) if kv_cache is not None else stack_eff.kv_cache
        if mtp_acceptance is not None:
            if speculative is not None:
                raise ChipshiftError("give MTP acceptance or a speculative setup, not both")
            speculative = Speculative.of(DraftMethod.MTP, mtp_acceptance)
        if speculative is not None:
            speculative.check(arch)
        hw = resolve_hardware(hardware, system, catalog=catalog)
        return cls(arch, hw, parse_quant(precision), kv, stack_id, None, speculative, engine or EngineSettings())

    @property
    def stack_eff(self) -> StackEfficiency:
        """The stack's factors, with the scheduler limits it uses on this chip's memory and the engine settings."""
        stack = efficiencies().stack(self.stack).for_device(self.hardware.hbm_capacity_gb)
        updates = self.engine.updates()
        return stack.model_copy(update=updates) if updates else stack

    @property
    def chip_eff(self) -> ChipEfficiency:
        """The chip's achievable efficiencies."""
        return efficiencies().chip(self.hardware.chip_id)

    @property
    def mtp_acceptance(self) -> float | None:
        """Acceptance rate of the speculative setup, when there is one."""
        return None if self.speculative is None else self.speculative.acceptance

    @property
    def draft_tokens(self) -> int:
        """Speculative tokens verified per decode step (0 without speculative decoding)."""
        return 0 if self.speculative is None else self.speculative.tokens

    @property
    def accepted_per_step(self) -> float:
        """Tokens accepted per sequence per decode step."""
        return 1.0 if self.speculative is None else self.speculative.accepted_per_step

    def with_speculative(self, speculative: Speculative | None) -> ReplicaSpec:
        """The same spec with another speculative-decoding setup (checked against the model), or none."""
        if speculative is not None:
            speculative.check(self.model)
        return replace(self, speculative=speculative)

    def with_engine(self, engine: EngineSettings) -> ReplicaSpec:
        """The same spec with engine settings that replace the stack's defaults."""
        return replace(self, engine=engine)

    def with_layout(self, layout: InferenceLayout | None) -> ReplicaSpec:
        """The same spec with a fixed layout (checked against the model), or with the search choosing (None)."""
        if layout is not None:
            check_layout(self.model, layout)
        return replace(self, layout=layout)

    def with_degrees(
        self, *, tp: int | None = None, pp: int = 1, ep: int = 1, dp_attention: bool | None = None
    ) -> ReplicaSpec:
        """A fixed layout from measured-style degrees (``ep`` above ``tp``: attention data-parallel groups).

        ``dp_attention`` says whether ``tp`` of an MoE model ran attention data-parallel; None: as the stack
        usually runs it (its ``dp_attention`` factor).
        """
        reading = self.stack_eff.dp_attention if dp_attention is None else dp_attention
        layout = layout_from_degrees(self.model, tp=tp or 1, pp=pp, ep=ep, dp_attention=reading)
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
            kv_cache=self.kv_cache,
            draft_layers=self.speculative.draft_layers(self.model) if self.speculative else 1.0,
        )

    def describe(self) -> str:
        """``deepseek-r1 on huawei-ascend-910c in cloudmatrix-384 (w8a8, KV cache bf16, stack mindie)``."""
        spec = f", speculative {self.speculative.describe()}" if self.speculative is not None else ""
        return (
            f"{self.model.id} on {self.hardware.name} ({self.precision.value}, KV cache {self.kv_cache.value}, "
            f"stack {self.stack}{spec})"
        )
