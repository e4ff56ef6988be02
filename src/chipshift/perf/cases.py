"""Validation cases: published measurements in the format of ``data/perf/SCHEMA.md``, read with line numbers."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chipshift.datafiles import line_of, load_yaml, validate_model
from chipshift.errors import InputFileError
from chipshift.files import MiB, read_input_text
from chipshift.quantities import Fraction, PositiveFloat, PositiveInt, capped

CASES_LIMIT_BYTES = 16 * MiB
"""Largest validation file read (the shipped calibration file is 60 KB)."""

MAX_PROMPTS = 100_000
"""Most prompts a serving case may simulate (every request is held in memory and stepped through)."""

PromptCount = Annotated[PositiveInt, capped(MAX_PROMPTS, "the simulation holds every request in memory")]


class Phase(enum.StrEnum):
    """What the measured setup was doing."""

    PREFILL = "prefill"
    DECODE = "decode"
    SERVING = "serving"
    OFFLINE = "offline"
    TRAINING = "training"


class Metric(enum.StrEnum):
    """The measured figure."""

    PREFILL_TOKENS_PER_S_PER_CHIP = "prefill_tokens_per_s_per_chip"
    DECODE_TOKENS_PER_S_PER_CHIP = "decode_tokens_per_s_per_chip"
    SERVING_TOTAL_TOKENS_PER_S = "serving_total_tokens_per_s"
    SERVING_OUTPUT_TOKENS_PER_S = "serving_output_tokens_per_s"
    OFFLINE_OUTPUT_TOKENS_PER_S = "offline_output_tokens_per_s"
    TRAINING_MFU = "training_mfu"
    GPU_HOURS_PER_TRILLION_TOKENS = "gpu_hours_per_trillion_tokens"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CaseHardware(_Strict):
    """Chips of the measured setup."""

    chip: str
    """Catalog id or alias."""
    count: PositiveInt
    """Chips used."""
    system: str | None = None
    """Catalog id of the server or supernode."""


class Parallel(_Strict):
    """Parallel degrees as measured."""

    tp: PositiveInt = 1
    pp: PositiveInt = 1
    dp: PositiveInt = 1
    ep: PositiveInt = 1
    cp: PositiveInt = 1
    dp_attention: bool | None = None
    """Whether ``tp`` of an MoE model ran attention data-parallel (None: as the stack usually runs it)."""


class Mtp(_Strict):
    """Multi-token prediction used as speculative decoding."""

    tokens: PositiveInt = 1
    """Draft tokens per step."""
    acceptance: Fraction
    """Share of draft tokens accepted."""


class SpeculativeDraft(_Strict):
    """Speculative decoding of any kind: MTP modules, an EAGLE-style draft head, or suffix lookup on the host."""

    method: str = Field(pattern="^(mtp|eagle|suffix)$")
    """``mtp``, ``eagle`` or ``suffix``."""
    tokens: PositiveInt
    """Draft tokens verified per step."""
    acceptance: Fraction
    """Share of draft tokens accepted (accepted / drafted)."""


class Engine(_Strict):
    """Engine settings the measured setup gave instead of the stack's defaults."""

    kv_cache: str | None = Field(None, pattern="^(bf16|fp8|int8)$")
    """KV-cache dtype."""
    max_num_seqs: PositiveInt | None = None
    """Running sequences per replica."""
    max_batched_tokens: PositiveInt | None = None
    """Tokens per engine step."""
    memory_utilization: Fraction | None = None
    """Share of device memory the engine may use."""
    async_scheduling: bool | None = None
    """Whether the engine scheduled the next step while the device ran this one (the engine's version decides)."""


class Workload(_Strict):
    """Workload fields of every phase (which are required depends on the phase)."""

    input_tokens: PositiveInt | None = None
    output_tokens: PositiveInt | None = None
    tokens_per_batch: PositiveInt | None = None
    expert_balance: str = Field("default", pattern="^(perfect|default)$")
    batch_per_chip: PositiveInt | None = None
    tpot_slo_ms: PositiveFloat | None = None
    mtp: Mtp | None = None
    speculative: SpeculativeDraft | None = None
    dataset: str | None = Field(None, pattern="^(sharegpt|random)$")
    num_prompts: PromptCount | None = None
    max_concurrency: PositiveInt | None = None
    request_rate: PositiveFloat | None = None
    prefix_hit_rate: Fraction | None = None
    seq_len: PositiveInt | None = None
    global_batch_tokens: PositiveInt | None = None
    tokens: PositiveFloat | None = None


REQUIRED_WORKLOAD: dict[Phase, tuple[str, ...]] = {
    Phase.PREFILL: ("input_tokens",),
    Phase.DECODE: ("input_tokens", "batch_per_chip"),
    Phase.SERVING: ("dataset", "num_prompts"),
    Phase.OFFLINE: ("input_tokens", "output_tokens"),
    Phase.TRAINING: ("seq_len",),
}


class Measured(BaseModel):
    """The published figure and its context."""

    model_config = ConfigDict(frozen=True, extra="allow")

    metric: Metric
    value: PositiveFloat
    tpot_ms: PositiveFloat | None = None


class Case(_Strict):
    """One published measurement."""

    id: str
    source: str
    source_id: str | None = None
    """Short key of the independent source (one publication or benchmark run); cross-validation leaves each out."""
    confidence: str = Field(pattern="^(high|medium|low)$")
    hardware: CaseHardware
    model: str
    precision: str
    stack: str = "other"
    phase: Phase
    workload: Workload
    parallel: Parallel | None = None
    engine: Engine | None = None
    measured: Measured

    @property
    def source_key(self) -> str:
        """The source for cross-validation: ``source_id``, else ``source`` up to its first comma."""
        return self.source_id or self.source.split(",", 1)[0].strip()

    @model_validator(mode="after")
    def _phase_fields(self) -> Case:
        for name in REQUIRED_WORKLOAD[self.phase]:
            if getattr(self.workload, name) is None:
                raise ValueError(f"workload.{name} is required for phase '{self.phase.value}'")
        if self.workload.dataset == "random" and not (self.workload.input_tokens and self.workload.output_tokens):
            raise ValueError("dataset 'random' needs workload.input_tokens and workload.output_tokens")
        if self.workload.mtp is not None and self.workload.speculative is not None:
            raise ValueError("give workload.mtp or workload.speculative, not both")
        return self


class CaseFile(_Strict):
    """A whole validation file."""

    version: int
    cases: list[Case]


def _field_name(data: Any, location: list[int | str]) -> str:
    if len(location) >= 2 and location[0] == "cases" and isinstance(location[1], int):
        cases = data.get("cases") if isinstance(data, dict) else None
        case = cases[location[1]] if isinstance(cases, list) and location[1] < len(cases) else None
        case_id = case.get("id") if isinstance(case, dict) else None
        rest = ".".join(str(p) for p in location[2:] if not str(p).startswith("function-"))
        return f"case {case_id or '#' + str(location[1] + 1)}{': ' + rest if rest else ''}"
    return ".".join(str(p) for p in location)


def parse_cases(path: Path, text: str | None = None) -> list[Case]:
    """Read a validation file; a malformed one raises :class:`InputFileError` naming the line, case and field."""
    name = str(path)
    if text is None:
        text = read_input_text(path, limit_bytes=CASES_LIMIT_BYTES, what="validation file")
    data, root = load_yaml(text, name)
    parsed = validate_model(CaseFile, data, root, name, expected="expected a mapping with 'version' and 'cases'",
                            field_name=_field_name)  # fmt: skip
    seen: set[str] = set()
    for index, case in enumerate(parsed.cases):
        if case.id in seen:
            raise InputFileError(name, f"duplicate case id '{case.id}'", line=line_of(root, ("cases", index, "id")))
        seen.add(case.id)
    return parsed.cases
