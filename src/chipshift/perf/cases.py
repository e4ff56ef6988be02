"""Validation cases: published measurements in the format of ``data/perf/SCHEMA.md``, read with line numbers."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chipshift.errors import InputFileError


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
    count: int = Field(gt=0)
    """Chips used."""
    system: str | None = None
    """Catalog id of the server or supernode."""


class Parallel(_Strict):
    """Parallel degrees as measured."""

    tp: int = Field(1, gt=0)
    pp: int = Field(1, gt=0)
    dp: int = Field(1, gt=0)
    ep: int = Field(1, gt=0)
    cp: int = Field(1, gt=0)


class Mtp(_Strict):
    """Multi-token prediction used as speculative decoding."""

    tokens: int = Field(1, ge=1)
    """Draft tokens per step."""
    acceptance: float = Field(ge=0, le=1)
    """Share of draft tokens accepted."""


class Workload(_Strict):
    """Workload fields of every phase (which are required depends on the phase)."""

    input_tokens: int | None = Field(None, gt=0)
    output_tokens: int | None = Field(None, gt=0)
    tokens_per_batch: int | None = Field(None, gt=0)
    expert_balance: str = Field("default", pattern="^(perfect|default)$")
    batch_per_chip: int | None = Field(None, gt=0)
    tpot_slo_ms: float | None = Field(None, gt=0)
    mtp: Mtp | None = None
    dataset: str | None = Field(None, pattern="^(sharegpt|random)$")
    num_prompts: int | None = Field(None, gt=0)
    seq_len: int | None = Field(None, gt=0)
    global_batch_tokens: int | None = Field(None, gt=0)
    tokens: float | None = Field(None, gt=0)


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
    value: float = Field(gt=0)
    tpot_ms: float | None = None


class Case(_Strict):
    """One published measurement."""

    id: str
    source: str
    confidence: str = Field(pattern="^(high|medium|low)$")
    hardware: CaseHardware
    model: str
    precision: str
    stack: str = "other"
    phase: Phase
    workload: Workload
    parallel: Parallel | None = None
    measured: Measured

    @model_validator(mode="after")
    def _phase_fields(self) -> Case:
        for name in REQUIRED_WORKLOAD[self.phase]:
            if getattr(self.workload, name) is None:
                raise ValueError(f"workload.{name} is required for phase '{self.phase.value}'")
        if self.workload.dataset == "random" and not (self.workload.input_tokens and self.workload.output_tokens):
            raise ValueError("dataset 'random' needs workload.input_tokens and workload.output_tokens")
        return self


class CaseFile(_Strict):
    """A whole validation file."""

    version: int
    cases: list[Case]


def _line_of(node: yaml.Node | None, location: tuple[int | str, ...]) -> int | None:
    line = None if node is None else node.start_mark.line + 1
    for key in location:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _field_name(data: Any, location: tuple[int | str, ...]) -> str:
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
    try:
        text = path.read_text(encoding="utf-8") if text is None else text
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except OSError as error:
        raise InputFileError(name, f"cannot read: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise InputFileError(
            name, f"not valid YAML: {getattr(error, 'problem', error)}", line=mark.line + 1 if mark else None
        ) from None
    try:
        parsed = CaseFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = tuple(first["loc"])
        raise InputFileError(
            name, first["msg"], line=_line_of(node, location), field=_field_name(data, location)
        ) from None
    seen: set[str] = set()
    for index, case in enumerate(parsed.cases):
        if case.id in seen:
            raise InputFileError(name, f"duplicate case id '{case.id}'", line=_line_of(node, ("cases", index, "id")))
        seen.add(case.id)
    return parsed.cases
