"""What every migration codemod shares: the target, the resolved device, and the record of what was done."""

from __future__ import annotations

import ast
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider, ScopeProvider
from libcst.metadata.base_provider import ProviderT

from chipshift.migrate.outcome import Change, ManualItem
from chipshift.migrate.target import MigrationTarget
from chipshift.multibackend import Region, in_characters, kept_regions

CUDA_DEVICE = re.compile(r"cuda(?::(\d+))?")
"""A CUDA device string: ``cuda`` or ``cuda:N``."""

_EMPTY_MODULE = cst.Module(body=[])


def code_of(node: cst.CSTNode) -> str:
    """Source text of a node."""
    return _EMPTY_MODULE.code_for_node(node)


def string_value(node: cst.CSTNode) -> str | None:
    """Value of a plain (not f-, not byte) string literal, else None."""
    if isinstance(node, cst.SimpleString) and "b" not in node.prefix.lower():
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def cuda_device_match(node: cst.CSTNode) -> re.Match[str] | None:
    """The match of a ``"cuda"`` / ``"cuda:N"`` literal (group 1 is N), None for anything else."""
    value = string_value(node)
    return CUDA_DEVICE.fullmatch(value) if value is not None else None


def cuda_guard_comparison(test: cst.BaseExpression) -> cst.Comparison | None:
    """``<x>.type == "cuda"`` when ``test`` is that comparison or an ``and`` chain starting with it, else None.

    Code under such a condition runs only on CUDA, so it is portable as written (``chipshift scan`` agrees).
    """
    while isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        test = test.left
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return None
    for attribute, constant in ((test.left, target.comparator), (target.comparator, test.left)):
        if isinstance(attribute, cst.Attribute) and attribute.attr.value == "type" and string_value(constant) == "cuda":
            return test
    return None


def kept_cuda_body(node: cst.CSTNode, target: MigrationTarget) -> cst.CSTNode | None:
    """The body of ``if <x>.type == "cuda":`` (or of ``<a> if <x>.type == "cuda" else <b>``) that ``target`` keeps
    as written (targets that resolve one device).

    Vendor targets rename every ``"cuda"``, the guard's included, so they rewrite the body with it.
    """
    if target.resolve_device is None or not isinstance(node, cst.If | cst.IfExp):
        return None
    return node.body if cuda_guard_comparison(node.test) is not None else None


def requote(original: cst.SimpleString, value: str) -> cst.SimpleString:
    """A string literal holding ``value`` written with the quotes and prefix of ``original``."""
    prefix = original.prefix
    quote = original.quote
    return original.with_changes(value=f"{prefix}{quote}{value}{quote}")


@dataclass
class MigrationState:
    """Shared by the codemods of one file: the target, the device name, and the changes made."""

    target: MigrationTarget
    """Target being migrated to."""
    device_name: str
    """Name that ``{device}`` stands for in templates."""
    changes: list[Change] = field(default_factory=list)
    """Rewrites applied so far."""
    device_used: bool = False
    """Whether some rewrite referred to the resolved device."""
    mark: bool = False
    """Whether code left for manual work gets a ``# chipshift: manual`` comment."""
    manual: list[ManualItem] = field(default_factory=list)
    """What is left to port by hand."""
    kept: tuple[Region, ...] = ()
    """Code kept as written (multi-backend literals, dispatches, backend-specific implementations), in characters."""
    library: bool = False
    """Library mode: no unconditional vendor import, no device resolved at import time."""
    module_path: str = ""
    """The file's path relative to the migrated tree (a backend-specific module is kept whole in library mode)."""
    default_backend: bool = False
    """Library mode: the module is the default backend's, beside per-backend folders (kept whole)."""
    guarded_imports: set[str] = field(default_factory=set)
    """Library mode: modules new code needs where the module does not import them; imported in ``try``."""

    def find_kept(self, code: str) -> None:
        """Set :attr:`kept` to the kept regions of ``code`` (valid Python), in characters."""
        tree = ast.parse(code)
        regions = kept_regions(
            tree, library=self.library, module_path=self.module_path, default_backend=self.default_backend
        )
        self.kept = in_characters(regions, code.replace("\r\n", "\n").replace("\r", "\n").split("\n"))

    def is_kept(self, start: tuple[int, int], end: tuple[int, int]) -> bool:
        """Whether the code from ``start`` to ``end`` (line, character) lies in a kept region."""
        return any(region.covers(start, end) for region in self.kept)

    def render(self, template: str, **values: str) -> str:
        """Template text with ``{device}`` and other placeholders filled in."""
        return template.format(device=self.device_name, **values)


class MigrationCommand(cst.CSTTransformer):
    """Base of the migration codemods: one subclass per rewrite, run as one pass over the tree with metadata.

    LibCST's codemod shape (qualified names, imports added and removed by its visitors) on a plain transformer:
    the matcher machinery of ``VisitorBasedCodemodCommand`` triples the time of a pass and is not used here.
    """

    DESCRIPTION: ClassVar[str] = ""
    REWRITE: ClassVar[str] = ""
    TRIGGERS: ClassVar[tuple[str, ...]] = ("cuda",)
    """Text without any of these has nothing for this rewrite: the pass is skipped."""
    METADATA_DEPENDENCIES: ClassVar[Collection[ProviderT]] = (QualifiedNameProvider, PositionProvider, ScopeProvider)

    def __init__(self, state: MigrationState) -> None:
        super().__init__()
        self.state = state
        self.context = CodemodContext()
        self.current: cst.CSTNode | None = None
        """The node of the input tree being rewritten, where imports for the new code are looked up."""

    @classmethod
    def applies_to(cls, target: MigrationTarget) -> bool:
        """Whether this rewrite has anything to do for ``target``."""
        return True

    def is_needed(self, code: str) -> bool:
        """Whether the source text may hold something for this rewrite (a cheap test before parsing metadata)."""
        return any(trigger in code for trigger in self.TRIGGERS)

    def transform_module(self, module: cst.Module) -> cst.Module:
        """The module after this rewrite, with the imports it asked for added and those it freed removed."""
        module = MetadataWrapper(module, unsafe_skip_copy=True).visit(self)
        if AddImportsVisitor.CONTEXT_KEY in self.context.scratch:
            module = AddImportsVisitor(self.context).transform_module(module)
        if RemoveImportsVisitor.CONTEXT_KEY in self.context.scratch:
            module = RemoveImportsVisitor(self.context).transform_module(module)
        return module

    @property
    def target(self) -> MigrationTarget:
        """The target being migrated to."""
        return self.state.target

    def names_of(self, node: cst.CSTNode) -> set[str]:
        """Qualified names a node may refer to."""
        return {name.name for name in self.get_metadata(QualifiedNameProvider, node, set())}

    def refers_to(self, node: cst.CSTNode, names: Collection[str]) -> str | None:
        """The first of ``names`` that ``node`` refers to, if any."""
        found = self.names_of(node)
        return next((name for name in names if name in found), None)

    def is_kept(self, node: cst.CSTNode) -> bool:
        """Whether a node of the input tree lies in code kept as written."""
        if not self.state.kept:
            return False
        position = self.get_metadata(PositionProvider, node, None)
        if position is None:
            return False
        start, end = position.start, position.end
        return self.state.is_kept((start.line, start.column), (end.line, end.column))

    def line_of(self, node: cst.CSTNode) -> int:
        """First line of a node of the input tree."""
        return int(self.get_metadata(PositionProvider, node).start.line)

    def record(self, node: cst.CSTNode, description: str) -> None:
        """Note one rewrite at the position of ``node`` (a node of the input tree)."""
        self.state.changes.append(Change(self.line_of(node), self.REWRITE, description))

    def build(self, template: str, **values: str) -> cst.BaseExpression:
        """An expression from a target template; the modules it names are imported."""
        text = self.state.render(template, **values)
        if "{device}" in template:
            self.state.device_used = True
        self.need_imports(text)
        return cst.parse_expression(text)

    def need_imports(self, text: str) -> None:
        """Import ``torch`` / ``torch_npu``-style roots used by generated code, unless the code being rewritten
        already sees them (a module that imports ``torch`` only when it is available keeps doing so)."""
        for root in re.findall(r"\b(torch(?:_\w+)?)\.", text):
            if self._sees(root):
                continue
            if self.state.library:
                self.state.guarded_imports.add(root)
            else:
                AddImportsVisitor.add_needed_import(self.context, root)

    def _sees(self, name: str) -> bool:
        """Whether ``name`` is bound where the current node is (in its scope or an enclosing one)."""
        if self.current is None:
            return False
        scope = self.get_metadata(ScopeProvider, self.current, None)
        return scope is not None and name in scope

    def forget_import(self, qualified_name: str) -> None:
        """Drop ``from module import name`` for a name that may have become unused."""
        module, _, name = qualified_name.rpartition(".")
        if module:
            RemoveImportsVisitor.remove_unused_import(self.context, module, name)


def with_arg_value(call: cst.Call, index: int, value: cst.BaseExpression) -> cst.Call:
    """``call`` with the value of its ``index``-th argument replaced."""
    args = list(call.args)
    args[index] = args[index].with_changes(value=value)
    return call.with_changes(args=args)


def keyword_index(call: cst.Call, keyword: str) -> int | None:
    """Position of the argument passed as ``keyword=``, if any."""
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == keyword:
            return index
    return None


def positional_index(call: cst.Call, position: int) -> int | None:
    """Position in ``call.args`` of the ``position``-th positional argument, if given."""
    seen = 0
    for index, arg in enumerate(call.args):
        if arg.keyword is None and not arg.star:
            if seen == position:
                return index
            seen += 1
    return None


def method_name(call: cst.Call) -> str | None:
    """``name`` for a call ``something.name(...)``."""
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None
