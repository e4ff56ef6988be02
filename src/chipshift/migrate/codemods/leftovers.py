"""What no rewrite handled: listed for manual work, and marked with ``# chipshift: manual`` on request."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import PositionProvider

from chipshift.migrate.codemods.base import (
    CUDA_DEVICE,
    MigrationCommand,
    MigrationState,
    code_of,
    cuda_guard_comparison,
    kept_cuda_body,
    string_value,
)
from chipshift.migrate.codemods.small_rewrites import is_pin_memory_guard
from chipshift.migrate.outcome import ManualItem

MARK = "chipshift: manual"
CUDA_ONLY_LIBRARIES = frozenset(
    {"apex", "amp_C", "xformers", "bitsandbytes", "flash_attn", "cupy", "pycuda", "pynvml", "tensorrt", "triton"}
)
CUDA_STRINGS = frozenset({"nccl", "NCCL", "CUDA_VISIBLE_DEVICES"})
TF32_SWITCHES = "torch.backends.cuda.matmul"
"""Targets without a CUDA guard keep these lines, which do nothing there (portable guards them instead)."""
SHORT = 70


class LeftoversCommand(MigrationCommand):
    """List the CUDA-specific code that is still there after the rewrites."""

    DESCRIPTION = "list what is left for manual work"
    REWRITE = "leftovers"
    TRIGGERS = ("cuda", "CUDA", "nccl", "NCCL", "pin_memory", *sorted(CUDA_ONLY_LIBRARIES))

    def __init__(self, state: MigrationState) -> None:
        super().__init__(state)
        self._skip: set[int] = set()
        """Ids of CUDA-guarded bodies (kept as written) and of the guards' comparisons."""

    def transform_module(self, module: cst.Module) -> cst.Module:
        """Kept code is found again on the migrated module: it is as it was, but its lines may have moved."""
        self.state.find_kept(module.code)
        return super().transform_module(module)

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Guards and what they guard are not leftovers (a vendor target renamed them already)."""
        if id(node) in self._skip or self.is_kept(node):
            return False
        if isinstance(node, cst.If | cst.IfExp) and (guard := cuda_guard_comparison(node.test)) is not None:
            self._skip.add(id(guard))
            if (body := kept_cuda_body(node, self.state.target)) is not None:
                self._skip.add(id(body))
        elif isinstance(node, cst.BooleanOperation) and (guard := cuda_guard_comparison(node)) is not None:
            self._skip.add(id(guard))
        return super().on_visit(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if node.attr.value == "is_cuda":
            self._note(node, "tensor.is_cuda: compare tensor.device.type with the target device instead")
            return True
        return self._check_cuda_name(node)

    def visit_Name(self, node: cst.Name) -> bool:
        return self._check_cuda_name(node)

    def visit_Call(self, node: cst.Call) -> bool:
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else ""
        if method == "cuda":
            self._note(node, ".cuda() with arguments chipshift does not rewrite")
        elif method == "pin_memory" and self.state.target.pin_memory is not None:
            self._note(node, ".pin_memory() fails where no accelerator is present: guard it")
        return True

    def visit_IfExp(self, node: cst.IfExp) -> bool:
        """``(x.pin_memory() if <accelerator present> else x)`` is already guarded."""
        return not is_pin_memory_guard(node, self.state)

    def visit_Comparison(self, node: cst.Comparison) -> bool:
        """Our own guards compare ``<device>.type`` with ``"cuda"``: not a leftover."""
        return code_of(node.left) != f"{self.state.device_name}.type"

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = string_value(node)
        if value is not None and (CUDA_DEVICE.fullmatch(value) or value in CUDA_STRINGS):
            self._note(node, f"CUDA name {value!r} in a string: check what it selects")

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        if "cuda" in node.value:
            self._note(node, "'cuda' inside an f-string: build the device string from the resolved device")

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            self._check_library(node, code_of(alias.name))
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if node.module is not None and not node.relative:
            self._check_library(node, code_of(node.module))
        return False

    def visit_Expr(self, node: cst.Expr) -> bool:
        """Docstrings and other bare strings are not code."""
        return not isinstance(node.value, cst.SimpleString | cst.ConcatenatedString)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        if not self.state.mark or not self._has_item(original_node):
            return updated_node
        comment = updated_node.trailing_whitespace.comment
        if comment is not None and MARK in comment.value:
            return updated_node
        text = f"{comment.value}  # {MARK}" if comment is not None else f"# {MARK}"
        whitespace = updated_node.trailing_whitespace.with_changes(
            whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(text)
        )
        return updated_node.with_changes(trailing_whitespace=whitespace)

    def _check_cuda_name(self, node: cst.Attribute | cst.Name) -> bool:
        found = self.names_of(node)
        if self.state.target.cudnn_guard is None and any(name.startswith(TF32_SWITCHES) for name in found):
            self._note(node, "TF32 switch, no effect off CUDA: set the target's reduced-precision mode (Ascend: HF32)")
            return False
        names = [name for name in found if name == "torch.cuda" or name.startswith("torch.cuda.")]
        if not names:
            return True
        self._note(node, f"{min(names, key=len)}: no safe rewrite for this target")
        return False

    def _check_library(self, node: cst.CSTNode, module: str) -> None:
        if module.split(".")[0] in CUDA_ONLY_LIBRARIES:
            self._note(node, f"{module}: CUDA-only library, find the target's counterpart")

    def _note(self, node: cst.CSTNode, reason: str) -> None:
        code = " ".join(code_of(node).split())
        code = code if len(code) <= SHORT else code[: SHORT - 3] + "..."
        self.state.manual.append(ManualItem(self.line_of(node), code, reason))

    def _has_item(self, line: cst.SimpleStatementLine) -> bool:
        position = self.get_metadata(PositionProvider, line)
        return any(position.start.line <= item.line <= position.end.line for item in self.state.manual)
