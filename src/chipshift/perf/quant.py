"""Quantisation schemes: bytes per weight, the precision GEMMs run at, and the bytes of activations sent."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from chipshift.errors import ChipshiftError


class Quant(enum.StrEnum):
    """How weights and activations are stored and multiplied."""

    BF16 = "bf16"
    FP16 = "fp16"
    FP8 = "fp8"
    W8A8 = "w8a8"
    W4A16 = "w4a16"


@dataclass(frozen=True)
class QuantSpec:
    """What a quantisation scheme means for the roofline."""

    weight_bytes: float
    """Bytes per weight in memory."""
    gemm_precision: str
    """Precision the GEMM units run at (falls back to BF16 where the chip has no such unit)."""
    activation_bytes: float
    """Bytes per activation element sent in expert dispatch."""


QUANT_SPECS: dict[Quant, QuantSpec] = {
    Quant.BF16: QuantSpec(2.0, "bf16", 2.0),
    Quant.FP16: QuantSpec(2.0, "fp16", 2.0),
    Quant.FP8: QuantSpec(1.0, "fp8", 1.0),
    Quant.W8A8: QuantSpec(1.0, "int8", 1.0),
    Quant.W4A16: QuantSpec(0.5, "bf16", 2.0),
}


class KvCacheDtype(enum.StrEnum):
    """How the KV cache stores its elements (a setting of its own: FP8 weights often keep a BF16 cache)."""

    BF16 = "bf16"
    FP8 = "fp8"
    INT8 = "int8"

    @property
    def bytes(self) -> float:
        """Bytes per cached element."""
        return 2.0 if self is KvCacheDtype.BF16 else 1.0


def parse_kv_cache(value: str) -> KvCacheDtype:
    """A KV-cache dtype from its name, with a clear error listing the valid ones."""
    try:
        return KvCacheDtype(value.strip().lower())
    except ValueError:
        valid = ", ".join(k.value for k in KvCacheDtype)
        raise ChipshiftError(f"unknown KV-cache dtype '{value}' (one of {valid})") from None


def parse_quant(value: str) -> Quant:
    """A quantisation scheme from its name, with a clear error listing the valid ones."""
    try:
        return Quant(value.strip().lower())
    except ValueError:
        valid = ", ".join(q.value for q in Quant)
        raise ChipshiftError(f"unknown precision '{value}' (one of {valid})") from None
