"""Speculative decoding: a draft proposes ``tokens`` tokens per step, the model verifies them in the same step and
keeps ``acceptance`` of them on average.

Three kinds of draft, as deployed: MTP (the model's own multi-token-prediction modules, DeepSeek and its
descendants), EAGLE-style draft heads (one extra decoder layer run once per draft token) and suffix / n-gram
lookup (proposed on the host from the prompt and the output so far, no device work). The verification of the draft
tokens is charged by the step formulas (every draft token goes through the projections, the FFN and the attention
of the main model); the draft itself costs :meth:`Speculative.draft_layers` decoder layers per draft token.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from chipshift.errors import ChipshiftError
from chipshift.perf.models import ModelArch

MAX_DRAFT_TOKENS = 16
"""Most draft tokens verified per step (published deployments use 1 to 7)."""

MTP_DRAFT_TOKENS = 1
"""Draft tokens per step with MTP unless told (DeepSeek's single MTP module)."""

EAGLE_DRAFT_TOKENS = 3
"""Draft tokens per step with an EAGLE-style head unless told (vLLM's and SGLang's usual setting)."""


class DraftMethod(enum.StrEnum):
    """Where the draft tokens come from."""

    MTP = "mtp"
    EAGLE = "eagle"
    SUFFIX = "suffix"


DEFAULT_DRAFT_TOKENS = {
    DraftMethod.MTP: MTP_DRAFT_TOKENS,
    DraftMethod.EAGLE: EAGLE_DRAFT_TOKENS,
    DraftMethod.SUFFIX: EAGLE_DRAFT_TOKENS,
}
"""Draft tokens per step when the method is named without a count."""


@dataclass(frozen=True)
class Speculative:
    """A speculative-decoding setup: method, draft tokens verified per step, share of them accepted."""

    method: DraftMethod
    """MTP modules, an EAGLE-style draft head, or host-side suffix lookup."""
    tokens: int
    """Draft tokens verified per sequence per step."""
    acceptance: float
    """Share of the draft tokens accepted (vLLM's and SGLang's "acceptance rate": accepted / drafted)."""

    @classmethod
    def of(cls, method: str | DraftMethod, acceptance: float, tokens: int | None = None) -> Speculative:
        """A checked setup: acceptance in [0, 1], 1 to :data:`MAX_DRAFT_TOKENS` draft tokens."""
        kind = parse_draft_method(method) if isinstance(method, str) else method
        count = DEFAULT_DRAFT_TOKENS[kind] if tokens is None else tokens
        if isinstance(count, bool) or not 1 <= count <= MAX_DRAFT_TOKENS:
            raise ChipshiftError(f"speculative draft tokens must be 1 to {MAX_DRAFT_TOKENS}, not {count}")
        if not math.isfinite(acceptance) or not 0.0 <= acceptance <= 1.0:
            raise ChipshiftError(f"speculative acceptance must be between 0 and 1, not {acceptance:g}")
        return cls(kind, int(count), float(acceptance))

    @property
    def accepted_per_step(self) -> float:
        """Tokens a sequence advances per decode step: the verified token plus the accepted drafts."""
        return 1.0 + self.acceptance * self.tokens

    def draft_layers(self, model: ModelArch) -> float:
        """Decoder layers of device work per draft token (0 for a draft proposed on the host)."""
        if self.method is DraftMethod.SUFFIX:
            return 0.0
        if self.method is DraftMethod.MTP:
            return float(max(1, model.mtp_layers))
        return 1.0

    def check(self, model: ModelArch) -> None:
        """Refuse MTP for a model without MTP modules."""
        if self.method is DraftMethod.MTP and not model.mtp_layers:
            raise ChipshiftError(
                f"{model.id} has no MTP modules: speculative decoding with MTP needs a model that has them "
                "(use an EAGLE-style draft head or suffix decoding instead)"
            )

    def describe(self) -> str:
        """``MTP, 1 draft token, 70% accepted``."""
        drafts = "draft token" if self.tokens == 1 else "draft tokens"
        return f"{self.method.value.upper()}, {self.tokens} {drafts}, {self.acceptance:.0%} accepted"


def parse_draft_method(value: str) -> DraftMethod:
    """A draft method from its name, with a clear error listing the valid ones."""
    try:
        return DraftMethod(value.strip().lower())
    except ValueError:
        valid = ", ".join(m.value for m in DraftMethod)
        raise ChipshiftError(f"unknown speculative decoding method '{value}' (one of {valid})") from None


def speculative_from_rates(
    *, mtp: float | None = None, eagle: float | None = None, suffix: float | None = None, tokens: int | None = None
) -> Speculative | None:
    """The setup of at most one acceptance rate per method (``--mtp``, ``--eagle``, ``--suffix``) and a draft count
    (``--draft-tokens``); None when no rate is given."""
    given = [(m, rate) for m, rate in (("mtp", mtp), ("eagle", eagle), ("suffix", suffix)) if rate is not None]
    if len(given) > 1:
        raise ChipshiftError("give one of --mtp, --eagle and --suffix, not several")
    if not given:
        if tokens is not None:
            raise ChipshiftError("--draft-tokens needs --mtp, --eagle or --suffix")
        return None
    method, rate = given[0]
    return Speculative.of(method, rate, tokens)
