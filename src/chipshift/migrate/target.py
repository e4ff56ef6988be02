"""Migration targets described by data: one YAML file per target under ``migrate/targets/``.

A target says what each CUDA construct becomes. Templates are Python expressions; ``{device}`` stands for the name
of the device resolved once per file (targets with ``resolve_device``) and ``{index}`` for a device index. Each names
the catalog's porting target it implements (``porting_target``), the one ``chipshift scan --target`` rates the same
code against; a file naming one the catalog lacks is refused.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from chipshift.catalog import Catalog, load_catalog
from chipshift.catalog.schema import RECORD_ID_PATTERN
from chipshift.datafiles import line_of, load_yaml, validate_model
from chipshift.errors import InputFileError, UnknownIdError
from chipshift.files import MiB, read_input_text

TARGETS_DIR = Path(__file__).parent / "targets"

TARGET_FILE_LIMIT_BYTES = 4 * MiB
"""Largest migration target file read (the shipped ones are under 10 KB)."""


class Guard(StrEnum):
    """How a rewritten call is protected where no accelerator is present."""

    NONE = "none"
    STATEMENT = "statement"
    VALUE = "value"


class CallRule(BaseModel):
    """What one ``torch.cuda`` function becomes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    to: str
    """Expression template of the new callee, e.g. ``torch.accelerator.synchronize``."""
    guard: Guard = Guard.NONE
    """``statement``: wrap the statement in an accelerator check; ``value``: use ``default`` without accelerator."""
    default: str | None = None
    """Expression used instead of the call's value where no accelerator is present (``guard: value``)."""


class DeviceResolution(BaseModel):
    """A statement inserted once per file that resolves the device the code runs on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    expression: str
    """The value assigned to the device name."""
    names: tuple[str, ...]
    """Candidate names, the first one not used in the file wins."""


class FlashAttentionRule(BaseModel):
    """Where ``flash_attn.flash_attn_func`` can be mapped onto a fused attention of the target."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    function: str
    """Qualified name of the target's fused attention, e.g. ``torch_npu.npu_fusion_attention``."""
    layout: str
    """Input layout string passed to it (flash_attn's q, k, v are batch, sequence, heads, head dim)."""
    causal_mask: str
    """Expression of the attention mask used with ``causal=True``."""
    causal_sparse_mode: int
    """Sparse mode that matches flash_attn's bottom-right aligned causal mask."""


class MigrationTarget(BaseModel):
    """A migration target: what CUDA-specific code becomes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    """Target id used on the command line."""
    porting_target: str = Field(pattern=RECORD_ID_PATTERN)
    """Id of the catalog's porting target this implements (``ascend``; ``portable`` for vendor-neutral PyTorch)."""
    summary: str
    """One line shown in listings."""
    imports: tuple[str, ...] = ()
    """Modules imported by every migrated file (``torch_npu``)."""
    resolve_device: DeviceResolution | None = None
    """Device resolved once per file; ``{device}`` in templates names it."""
    device: str
    """Replaces a ``"cuda"`` device argument."""
    device_with_index: str
    """Replaces ``"cuda:N"``; ``{index}`` is N."""
    device_type: str
    """Replaces ``"cuda"`` where a device type is expected (``device_type=``, autocast, GradScaler)."""
    cuda_method: str
    """Method replacing ``.cuda()``: ``to`` passes the device, any other name keeps the arguments (``npu``)."""
    accelerator_check: str = "torch.accelerator.is_available()"
    """Expression that is true where an accelerator is present, used by guards."""
    module_renames: dict[str, str] = Field(default_factory=dict)
    """Modules renamed as a whole, e.g. ``torch.cuda`` to ``torch.npu``."""
    calls: dict[str, CallRule] = Field(default_factory=dict)
    """Per-function rewrites of ``torch.cuda`` calls, keyed by qualified name."""
    amp_to_autocast: bool = False
    """Rewrite ``torch.cuda.amp.autocast``/``GradScaler`` to ``torch.autocast``/``torch.amp.GradScaler``."""
    backend: str
    """Replaces the ``"nccl"`` backend of ``init_process_group``."""
    cudnn_guard: str | None = None
    """Condition that guards ``torch.backends.cudnn`` settings; none leaves them alone."""
    pin_memory: str | None = None
    """Replaces ``pin_memory=True``; none leaves it alone."""
    distributed_device_ids_guard: str | None = None
    """Condition under which DDP keeps its ``device_ids``; otherwise None is passed."""
    attribute_renames: dict[str, str] = Field(default_factory=dict)
    """Tensor attributes renamed, e.g. ``is_cuda`` to ``is_npu``."""
    env_renames: dict[str, str] = Field(default_factory=dict)
    """Environment variable names rewritten where they appear as string literals."""
    flash_attention: FlashAttentionRule | None = None
    """Mapping of ``flash_attn_func``; none lists it for manual work."""


def available_targets() -> list[str]:
    """Names of the shipped targets."""
    return sorted(path.stem for path in TARGETS_DIR.glob("*.yaml"))


@cache
def load_target(name: str) -> MigrationTarget:
    """The shipped target called ``name``."""
    path = TARGETS_DIR / f"{name}.yaml"
    if not path.is_file():
        raise UnknownIdError("migration target", name, available_targets())
    return load_target_file(path)


def load_target_file(path: Path, catalog: Catalog | None = None) -> MigrationTarget:
    """A target read and validated from a YAML file, its porting target one of ``catalog``'s (the shipped catalog
    when none is given); errors name the file, line and field."""
    name = str(path)
    text = read_input_text(path, limit_bytes=TARGET_FILE_LIMIT_BYTES, what="migration target file")
    data, root = load_yaml(text, name)
    target = validate_model(MigrationTarget, {} if data is None else data, root, name)
    known = (catalog or load_catalog()).porting_targets
    if target.porting_target not in known:
        raise InputFileError(
            name,
            f"'{target.porting_target}' is not a porting target of the catalog; one of {list(known)}, or add it "
            "under 'porting_targets' in a --catalog file",
            line=line_of(root, ("porting_target",)),
            field="porting_target",
        )
    return target
