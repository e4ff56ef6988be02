"""The device is resolved once per file (``device = torch.accelerator.current_accelerator(...) or ...``), and the
target's own modules (``import torch_npu``) are imported where anything was migrated.

In library mode nothing is resolved or imported unconditionally at import time: the device is a function,
``_accelerator_device()``, resolved when the code runs, and ``import torch_npu`` is guarded the way the module
guards its other optional backends (``if is_npu_available():`` where the module has such a check, else
``try: ... except ImportError: pass``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from chipshift.migrate.codemods.base import MigrationCommand, code_of
from chipshift.migrate.target import MigrationTarget
from chipshift.multibackend import words

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


LIBRARY_DEVICE_FUNCTIONS = ("_accelerator_device", "_chipshift_accelerator_device")
"""Names of the function that resolves the device in library mode; the first the file does not use wins."""


def existing_resolution(module: cst.Module, target: MigrationTarget) -> str | None:
    """How an earlier run's resolution is used: ``device`` for ``device = <expression>``, ``_accelerator_device()``
    for the library mode's ``def _accelerator_device(): return <expression>``."""
    if target.resolve_device is None:
        return None
    wanted = code_of(cst.parse_expression(target.resolve_device.expression))
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef) and _returns(statement) == wanted:
            return f"{statement.name.value}()"
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            continue
        assign = statement.body[0]
        if isinstance(assign, cst.Assign) and len(assign.targets) == 1 and code_of(assign.value) == wanted:
            name = assign.targets[0].target
            if isinstance(name, cst.Name):
                return name.value
    return None


def _returns(function: cst.FunctionDef) -> str | None:
    """The code of what a function returns when its body is one ``return`` (after a docstring), else None."""
    statements = [s for s in function.body.body if isinstance(s, cst.SimpleStatementLine | cst.BaseCompoundStatement)]
    body = [s for s in statements if not _is_docstring(s) and not _imports([s], "torch")]
    if len(body) == 1 and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Return):
        value = body[0].body[0].value
        return code_of(value) if value is not None else None
    return None


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString)
    )


def choose_device_name(module: cst.Module, target: MigrationTarget, *, library: bool = False) -> str:
    """How the resolved device is written: the name (or call) of an earlier run, else the first candidate the file
    does not use; in library mode a call of a function (``_accelerator_device()``)."""
    if target.resolve_device is None:
        return "device"
    found = existing_resolution(module, target)
    if found is not None:
        return found
    collector = _NameCollector()
    module.visit(collector)
    candidates = LIBRARY_DEVICE_FUNCTIONS if library else target.resolve_device.names
    for name in candidates:
        if name not in collector.names:
            return f"{name}()" if library else name
    counter = 2
    while f"{candidates[0]}_{counter}" in collector.names:
        counter += 1
    return f"{candidates[0]}_{counter}" + ("()" if library else "")


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
        name = self.state.device_name
        statement: cst.BaseStatement
        if name.endswith("()"):  # library mode: imports torch itself, when called
            statement = cst.parse_statement(
                f"def {name.removesuffix('()')}():\n"
                f'    """The accelerator this process runs on, else the CPU (resolved when called, not at import)."""\n'
                "    import torch\n\n"
                f"    return {resolution.expression}\n"
            ).with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
        else:
            value = self.build(resolution.expression)
            statement = cst.SimpleStatementLine(
                body=[cst.Assign(targets=[cst.AssignTarget(target=cst.Name(name))], value=value)]
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
    """Import the target's modules (``torch_npu``) in every file that was migrated; in library mode, guarded, with
    the modules new code needs that the module does not import."""

    DESCRIPTION = "import the target's PyTorch plugin"
    REWRITE = "target-import"
    METADATA_DEPENDENCIES = ()

    def is_needed(self, code: str) -> bool:
        return bool(self.state.changes)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        """``import torch_npu`` right after ``import torch``, as Ascend's documentation writes it; guarded in library
        mode."""
        if not self.state.changes:
            return updated_node
        body = list(updated_node.body)
        for module in sorted(self.state.guarded_imports):
            if not _imports_at_module_level(body, module):
                body.insert(_after_leading_imports(body), _try_import(module, noqa=False))
        for module in self.target.imports:
            if _imports(body, module) or (self.state.library and _imports_at_module_level(body, module)):
                continue
            if self.state.library:
                body.insert(_after_leading_imports(body), _guarded_import(module, updated_node, self.target))
                continue
            at = next((i + 1 for i, statement in enumerate(body) if _imports([statement], "torch")), None)
            if at is None:
                AddImportsVisitor.add_needed_import(self.context, module)
                continue
            alias = cst.ImportAlias(name=cst.parse_expression(module))  # type: ignore[arg-type]
            body.insert(at, cst.SimpleStatementLine(body=[cst.Import(names=[alias])]))
        return updated_node.with_changes(body=body)


def _imports_at_module_level(body: Sequence[cst.BaseStatement], name: str) -> bool:
    """Whether ``body`` imports ``name`` at module level, also under a top-level ``if`` or in a ``try``."""
    for statement in body:
        if _imports([statement], name):
            return True
        nested = isinstance(statement, cst.If | cst.Try) and isinstance(statement.body, cst.IndentedBlock)
        if nested and _imports_at_module_level(statement.body.body, name):  # type: ignore[attr-defined]
            return True
    return False


def _guarded_import(
    module_name: str, module: cst.Module, target: MigrationTarget
) -> cst.SimpleStatementLine | cst.BaseCompoundStatement:
    """``import <module_name>`` under the module's own availability check for the target's backend
    (``if is_npu_available():``), or in ``try``/``except ImportError`` where it has none."""
    check = _availability_check(module.body[: _after_leading_imports(module.body)], target)
    if check is not None:
        return _statement(f"if {check}():\n    import {module_name}  # noqa: F401\n")
    return _try_import(module_name)


def _try_import(module_name: str, *, noqa: bool = True) -> cst.SimpleStatementLine | cst.BaseCompoundStatement:
    """``import <module_name>`` that does nothing where the module is not installed."""
    comment = "  # noqa: F401" if noqa else ""
    return _statement(f"try:\n    import {module_name}{comment}\nexcept ImportError:\n    pass\n")


def _statement(code: str) -> cst.SimpleStatementLine | cst.BaseCompoundStatement:
    statement = cst.parse_statement(code)
    assert isinstance(statement, cst.SimpleStatementLine | cst.BaseCompoundStatement)
    return statement


def _availability_check(imports: Sequence[cst.BaseStatement], target: MigrationTarget) -> str | None:
    """A name the leading ``imports`` of a module bind that checks for the target's backend (``is_npu_available``)."""
    backend = next(iter(words(target.device)), "")
    wanted = re.compile(rf"is_(?:torch_)?{re.escape(backend)}_available")
    names = {
        code_of(alias.asname.name if alias.asname else alias.name)
        for statement in imports
        if isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body
        if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar)
        for alias in small.names
    }
    return next((name for name in sorted(names) if wanted.fullmatch(name)), None)
