"""The device is resolved once per file (``device = torch.accelerator.current_accelerator(...) or ...``), and the
target's own modules (``import torch_npu``) are imported where anything was migrated."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from chipshift.migrate.codemods.base import MigrationCommand, code_of
from chipshift.migrate.target import MigrationTarget

SKIPPED_NAME_PARENTS = (cst.Attribute, cst.Arg, cst.ImportAlias, cst.ImportFrom)


class _NameCollector(cst.CSTVisitor):
    """Every identifier a module binds or reads, attribute names and keywords excluded."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self._attrs: set[int] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._attrs.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._attrs.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._attrs:
            self.names.add(node.value)


def existing_resolution(module: cst.Module, target: MigrationTarget) -> str | None:
    """Name assigned by a resolution statement already in the module (from an earlier run)."""
    if target.resolve_device is None:
        return None
    wanted = code_of(cst.parse_expression(target.resolve_device.expression))
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            continue
        assign = statement.body[0]
        if isinstance(assign, cst.Assign) and len(assign.targets) == 1 and code_of(assign.value) == wanted:
            name = assign.targets[0].target
            if isinstance(name, cst.Name):
                return name.value
    return None


def choose_device_name(module: cst.Module, target: MigrationTarget) -> str:
    """The name of the resolved device: the one of an earlier run, else the first candidate the file does not use."""
    if target.resolve_device is None:
        return "device"
    found = existing_resolution(module, target)
    if found is not None:
        return found
    collector = _NameCollector()
    module.visit(collector)
    for name in target.resolve_device.names:
        if name not in collector.names:
            return name
    counter = 2
    while f"device_{counter}" in collector.names:
        counter += 1
    return f"device_{counter}"


class DeviceResolutionCommand(MigrationCommand):
    """Insert the device resolution after the leading imports, where some rewrite uses it."""

    DESCRIPTION = "resolve the device once per file"
    REWRITE = "resolve-device"
    METADATA_DEPENDENCIES = ()

    def is_needed(self, code: str) -> bool:
        return self.state.device_used

    @classmethod
    def applies_to(cls, target: MigrationTarget) -> bool:
        return target.resolve_device is not None

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        resolution = self.target.resolve_device
        if resolution is None or not self.state.device_used or existing_resolution(updated_node, self.target):
            return updated_node
        value = self.build(resolution.expression)
        statement = cst.SimpleStatementLine(
            body=[cst.Assign(targets=[cst.AssignTarget(target=cst.Name(self.state.device_name))], value=value)]
        )
        body = list(updated_node.body)
        at = _after_leading_imports(body)
        body.insert(at, statement)
        return updated_node.with_changes(body=body)


def _imports(body: Sequence[cst.BaseStatement], module: str) -> bool:
    """Whether a top-level statement of ``body`` is ``import <module>`` (alone or among others, any alias)."""
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import) and any(code_of(a.name) == module for a in small.names):
                    return True
    return False


def _after_leading_imports(body: Sequence[cst.BaseStatement]) -> int:
    """Index just after the docstring and the imports that open a module."""
    at = 0
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        small = statement.body[0]
        is_docstring = index == 0 and isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString)
        if is_docstring or isinstance(small, cst.Import | cst.ImportFrom):
            at = index + 1
        else:
            break
    return at


class TargetImportsCommand(MigrationCommand):
    """Import the target's modules (``torch_npu``) in every file that was migrated."""

    DESCRIPTION = "import the target's PyTorch plugin"
    REWRITE = "target-import"
    METADATA_DEPENDENCIES = ()

    def is_needed(self, code: str) -> bool:
        return bool(self.state.changes)

    @classmethod
    def applies_to(cls, target: MigrationTarget) -> bool:
        return bool(target.imports)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        """``import torch_npu`` right after ``import torch``, as Ascend's documentation writes it."""
        if not self.state.changes:
            return updated_node
        body = list(updated_node.body)
        for module in self.target.imports:
            if _imports(body, module):
                continue
            at = next((i + 1 for i, statement in enumerate(body) if _imports([statement], "torch")), None)
            if at is None:
                AddImportsVisitor.add_needed_import(self.context, module)
                continue
            alias = cst.ImportAlias(name=cst.parse_expression(module))  # type: ignore[arg-type]
            body.insert(at, cst.SimpleStatementLine(body=[cst.Import(names=[alias])]))
        return updated_node.with_changes(body=body)
