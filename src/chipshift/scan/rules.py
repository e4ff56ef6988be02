"""Scan rules as data: the typed schema of ``scan/rules/*.yaml``, the loader and lookups.

The file format is documented at the top of ``scan/rules/python.yaml``. Each rule has exactly one matcher; which
analyzer runs it follows from the matcher's kind (see :data:`MATCHER_ANALYZER`). A rule says how each porting target
of the catalog supports what it finds; a target it leaves out does not support it (:data:`NOT_SUPPORTED`).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema, field_validator, model_validator

from chipshift.catalog.schema import RECORD_ID_PATTERN
from chipshift.datafiles import dotted
from chipshift.errors import InputFileError
from chipshift.scan.finding import Severity, Support

RULE_FILES = ("python.yaml", "libraries.yaml", "cuda_cpp.yaml", "dependencies.yaml", "containers.yaml")

MATCHER_ANALYZER: dict[str, str] = {
    "call": "python",
    "reference": "python",
    "import_module": "python",
    "method_call": "python",
    "attribute_name": "python",
    "string": "python",
    "fstring": "python",
    "cpp_call": "cpp",
    "cpp_include": "cpp",
    "cpp_identifier": "cpp",
    "cpp_type": "cpp",
    "cpp_namespace": "cpp",
    "cpp_kernel_launch": "cpp",
    "cpp_kernel_qualifier": "cpp",
    "cpp_asm": "cpp",
    "device_index": "python",
    "package": "dependencies",
    "requirement_regex": "dependencies",
    "line_regex": "lines",
}
"""Which analyzer runs a matcher kind."""


class TargetSupport(BaseModel):
    """How one target supports what the rule finds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    support: Support
    """native, auto, equivalent or unsupported."""
    replacement: str | None = None
    """The named replacement (required for ``equivalent``), or what ``auto`` rewrites to."""
    note: str | None = None
    """A caveat, e.g. a precision or performance difference."""

    @model_validator(mode="after")
    def _equivalent_named(self) -> TargetSupport:
        if self.support is Support.EQUIVALENT and not self.replacement:
            raise ValueError("support 'equivalent' needs a named replacement")
        return self


NOT_SUPPORTED = TargetSupport(support=Support.UNSUPPORTED)
"""The support of a porting target a rule leaves out (a target added to the catalog after the rule was written)."""


class ArgCondition(BaseModel):
    """A string argument a call must have for the rule to fire (``init_process_group("nccl")``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    position: int | None = None
    """0-based positional index to look at."""
    keyword: str | None = None
    """Keyword argument name to look at."""
    value: str | None = None
    """Regular expression the string value must fully match; without one, the argument only has to be given (not
    ``None``, not a conditional expression: a choice already made)."""
    written_out: bool = False
    """Without ``value``: only a list or tuple written at the call (``device_ids=[local_rank]``), not a value computed
    elsewhere (Lightning's ``device_ids`` come from its accelerator, ``None`` on a CPU)."""


class Matcher(BaseModel):
    """What a rule looks for; exactly one kind is set."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    call: list[str] | None = None
    """Qualified names of called functions, ``fnmatch`` patterns (``torch.cuda.*``), resolved through imports."""
    reference: list[str] | None = None
    """Qualified names used without a call (``torch.backends.cudnn.benchmark``, decorators)."""
    set_to_constant: bool = False
    """For ``reference``: only where a constant is assigned to the name (``cudnn.benchmark = True``), not where it is
    read or set from a variable (a launcher copying the setting into a worker)."""
    import_module: list[str] | None = None
    """Imported modules, ``fnmatch`` patterns (``flash_attn``, ``flash_attn.*``)."""
    method_call: list[str] | None = None
    """Method names called on any object that is not a resolved import (``.cuda()``)."""
    bare: bool = False
    """For ``method_call``: only calls without arguments, and not the branch of a conditional expression."""
    attribute_name: list[str] | None = None
    """Attribute names read on any object (``.is_cuda``)."""
    string: str | None = None
    """Regular expression that a whole string literal matches."""
    fstring: str | None = None
    """Regular expression over an f-string's literal parts, each placeholder written ``{}``."""
    cpp_call: list[str] | None = None
    """C/C++ called function names, ``fnmatch`` patterns, qualified with ``::`` where written so."""
    cpp_include: list[str] | None = None
    """Included header paths, ``fnmatch`` patterns."""
    cpp_identifier: list[str] | None = None
    """Identifiers (variables, macros such as ``__CUDA_ARCH__``, built-ins such as ``threadIdx``)."""
    cpp_type: list[str] | None = None
    """Type names (``cudaStream_t``, ``cublasHandle_t``)."""
    cpp_namespace: list[str] | None = None
    """Namespaces used in qualified names (``thrust``, ``cub``, ``cutlass``)."""
    cpp_kernel_launch: bool | None = None
    """A ``<<<grid, block>>>`` kernel launch."""
    cpp_kernel_qualifier: list[str] | None = None
    """Function qualifiers (``__global__``, ``__device__``)."""
    cpp_asm: bool | None = None
    """Inline assembly, of the instruction set named by ``isa``."""
    isa: Literal["ptx", "gcn"] = "ptx"
    """For ``cpp_asm``: NVIDIA PTX, or AMD GCN/CDNA (``v_add_f32``, ``s_waitcnt``, ``ds_bpermute_b32``)."""
    device_index: bool | None = None
    """An integer device index (``model.to(self.gpu_id)``, ``device=local_rank``) where migrate rewrites it: a
    name like :data:`chipshift.multibackend.INTEGER_DEVICE_NAME` in a device position."""
    package: list[str] | None = None
    """Python package names in dependency files (normalised, ``fnmatch``)."""
    requirement_regex: str | None = None
    """Regular expression searched in each requirement or dependency-file line (``\\+cu\\d+``)."""
    line_regex: str | None = None
    """Regular expression searched in each non-comment line of the files named in ``files``."""
    files: list[Literal["docker", "ci", "shell", "build", "notebook-shell"]] | None = None
    """For ``line_regex``: which kinds of file the rule reads."""
    arg: ArgCondition | None = None
    """For ``call``: a string argument the call must have."""
    context: Literal["any", "compare", "call", "device"] = "any"
    """For ``string``: only literals compared with ``==``/``!=``/``in``, only call arguments, or only literals in
    the device positions migrate rewrites (:mod:`chipshift.scan.python_positions`)."""
    tokens: list[str] | None = None
    """Lower-case texts of which one must be in a file for the rule to fire; required for regular expressions."""

    @property
    def kind(self) -> str:
        """The one matcher kind that is set."""
        kinds = [k for k in MATCHER_ANALYZER if getattr(self, k) not in (None, False)]
        if len(kinds) != 1:
            raise ValueError(f"a matcher needs exactly one kind, got {kinds or 'none'}")
        return kinds[0]

    @model_validator(mode="after")
    def _one_kind(self) -> Matcher:
        kind = self.kind
        if kind in ("string", "fstring", "requirement_regex", "line_regex") and not self.tokens:
            raise ValueError(f"matcher '{kind}' needs 'tokens' (lower-case texts one of which a hit contains)")
        if kind == "line_regex" and not self.files:
            raise ValueError("matcher 'line_regex' needs 'files'")
        return self


class Rule(BaseModel):
    """One scan rule: what it finds, how bad it is, how each target supports it and what porting costs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^CS\d{3}$")
    """Stable id, never reused."""
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    """Short kebab-case name."""
    title: str
    """One line shown with every finding."""
    category: str
    """Group for counts (``device-api``, ``cuda-library``, ``kernel`` ...)."""
    severity: Annotated[Severity, WithJsonSchema({"type": "string", "enum": [s.label for s in Severity]})]
    """How much it blocks a port (written by name in rule files: ``info`` ... ``critical``)."""
    confidence: Literal["low", "medium", "high"]
    """How sure a hit is real."""
    match: Matcher
    """What the rule looks for."""
    targets: dict[Annotated[str, Field(pattern=RECORD_ID_PATTERN)], TargetSupport]
    """Support per porting target (catalog id); a target left out does not support what the rule finds."""
    effort_hours: float = Field(ge=0)
    """Hours to port one occurrence by hand when an equivalent exists."""
    fix: str
    """What to do, in one or two sentences."""
    docs: str | None = None
    """A link that explains the fix."""
    hip: str | None = Field(default=None, pattern=r"^CS\d{3}$")
    """For C/C++ rules: the HIP rule that reports this construct in HIP code (a ``.hip`` file, a ROCm branch)."""

    @field_validator("severity", mode="before")
    @classmethod
    def _severity_name(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return Severity.parse(value)
        except KeyError:
            raise ValueError(f"unknown severity {value!r}; one of {[s.label for s in Severity]}") from None

    @property
    def analyzer(self) -> str:
        """Which analyzer runs this rule."""
        return MATCHER_ANALYZER[self.match.kind]

    def support(self, target: str) -> TargetSupport:
        """Support on ``target``; :data:`NOT_SUPPORTED` where the rule does not name it."""
        return self.targets.get(target, NOT_SUPPORTED)


@dataclass(frozen=True)
class RuleBook:
    """All rules, with a digest that changes when any rule changes (keys the cache)."""

    rules: tuple[Rule, ...]
    """Rules in file order."""
    digest: str
    """SHA-256 of the rule files, shortened."""
    by_id: dict[str, Rule] = field(init=False, repr=False, compare=False)
    """Rules by id."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {rule.id: rule for rule in self.rules})

    def for_analyzer(self, analyzer: str) -> list[Rule]:
        """Rules an analyzer runs."""
        return [rule for rule in self.rules if rule.analyzer == analyzer]


def _rule_error(name: str, raw: object, error: ValidationError) -> InputFileError:
    """The first problem of a rule, in one line naming the file, the rule and the field."""
    first = error.errors()[0]
    rule_id = raw.get("id", "?") if isinstance(raw, dict) else "?"
    field = dotted([step for step in first["loc"] if not str(step).startswith("[")])
    return InputFileError(name, f"rule {rule_id}: {_one_line(first['msg'])}", field=field or None)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def parse_rules(documents: Iterable[tuple[str, str]]) -> RuleBook:
    """Rules from ``(file name, YAML text)`` pairs; a bad rule is an :class:`InputFileError` naming it."""
    rules: list[Rule] = []
    digest = hashlib.sha256()
    for name, text in documents:
        digest.update(text.encode())
        data = yaml.safe_load(text) or {}
        for raw in data.get("rules", []):
            try:
                rules.append(Rule.model_validate(raw))
            except ValidationError as error:
                raise _rule_error(name, raw, error) from None
    ids = [rule.id for rule in rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InputFileError("scan rules", f"duplicate rule ids {duplicates}")
    unknown = sorted(f"{rule.id} -> {rule.hip}" for rule in rules if rule.hip and rule.hip not in ids)
    if unknown:
        raise InputFileError("scan rules", f"'hip' names no rule: {', '.join(unknown)}")
    return RuleBook(rules=tuple(rules), digest=digest.hexdigest()[:16])


@functools.cache
def load_rules() -> RuleBook:
    """The rules shipped in the package."""
    folder = resources.files("chipshift.scan") / "rules"
    return parse_rules((name, (folder / name).read_text(encoding="utf-8")) for name in RULE_FILES)
