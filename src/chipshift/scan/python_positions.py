"""Where a ``"cuda"`` literal sits, and which code runs only on CUDA: facts the Python rules depend on.

*Device positions* are the places ``chipshift migrate --target portable`` rewrites a ``"cuda"`` literal into the
resolved device: ``device=``/``map_location=``/``output_device=`` arguments, ``device_type="cuda"``, ``.to("cuda")``,
``device = "cuda"`` settings, ``def f(device="cuda")`` defaults, ``add_argument("--device", default="cuda")`` and the
``"cuda" if torch.cuda.is_available() else "cpu"`` idiom. A literal anywhere else (``"cuda" in name``) is left for a
person; rule CS141 matches the first kind and CS149 the second, so the scan's "auto" means what migrate does.

*CUDA guards* are ``if <device>.type == "cuda":`` blocks (also as the first operand of an ``and``) and the first
branch of ``<a> if <device>.type == "cuda" else <b>``. The block runs only
on CUDA, so its CUDA-only settings and calls are portable as written; migrate inserts such guards itself. Findings in
a guarded block, and the guard's own ``"cuda"`` (in an ``if``, a conditional expression or as the first operand of an
``and``), are not lock-in.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from chipshift.multibackend import INTEGER_DEVICE_NAME, Region

DEVICE_KEYWORDS = frozenset({"device", "map_location", "output_device"})
"""Keyword arguments whose ``"cuda"`` or ``"cuda:N"`` value migrate rewrites."""
CUDA = "cuda"


def _string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_cuda_device(value: str | None, *, indexed: bool) -> bool:
    if value is None:
        return False
    if value == CUDA:
        return True
    head, _, index = value.partition(":")
    return indexed and head == CUDA and index.isdigit()


def _assigned_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_cuda_availability(node: ast.expr) -> bool:
    """``torch.cuda.is_available()`` (or any ``<...>.cuda.is_available()``)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    func = node.func
    return func.attr == "is_available" and isinstance(func.value, ast.Attribute) and func.value.attr == CUDA


@dataclass
class PositionFacts:
    """Ids of ``"cuda"`` constants in device positions and of guard constants; lines inside CUDA guards."""

    device_strings: set[int] = field(default_factory=set)
    guard_strings: set[int] = field(default_factory=set)
    guarded_lines: set[int] = field(default_factory=set)
    guarded_spans: list[Region] = field(default_factory=list)
    """The first branches of conditional expressions guarded by ``<x>.type == "cuda"``."""
    device_indexes: set[int] = field(default_factory=set)
    """Integer device indexes in a device position (``model.to(self.gpu_id)``), as migrate's device flow finds them."""
    conditional_bodies: set[int] = field(default_factory=set)
    """Branches of conditional expressions (``x.pin_memory() if ... else x``): a choice already made."""

    def visit(self, node: ast.AST) -> None:
        """Record what ``node`` contributes (called for every node of a module)."""
        if isinstance(node, ast.Call):
            self._call(node)
        elif isinstance(node, ast.Assign):
            if len(node.targets) == 1 and "device" in _assigned_name(node.targets[0]):
                self._add_device(node.value, indexed=True)  # device = "cuda:1": migrate's device variables
        elif isinstance(node, ast.arguments):
            self._defaults(node)
        elif isinstance(node, ast.IfExp):
            self.conditional_bodies.add(id(node.body))
            if _string(node.body) == CUDA and _is_cuda_availability(node.test):
                self.device_strings.add(id(node.body))
            if (constant := _guard_constant(node.test)) is not None:
                self.guard_strings.add(id(constant))
                body = node.body
                self.guarded_spans.append(
                    Region((body.lineno, body.col_offset), (body.end_lineno or 0, body.end_col_offset or 0), "guard")
                )
        elif isinstance(node, ast.If):
            self._guard(node)
        elif isinstance(node, ast.BoolOp) and (constant := _guard_constant(node)) is not None:
            self.guard_strings.add(id(constant))

    def _add_device(self, value: ast.AST | None, *, indexed: bool) -> None:
        if _is_cuda_device(_string(value), indexed=indexed):
            self.device_strings.add(id(value))

    def _call(self, node: ast.Call) -> None:
        for keyword in node.keywords:
            if keyword.arg in DEVICE_KEYWORDS:
                self._add_device(keyword.value, indexed=True)
            elif keyword.arg == "device_type":
                self._add_device(keyword.value, indexed=False)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "to" and node.args:
            self._add_device(node.args[0], indexed=True)
        self._device_indexes(node)
        is_option = isinstance(func, ast.Attribute) and func.attr == "add_argument" and node.args
        if is_option and "device" in (_string(node.args[0]) or ""):
            default = next((k.value for k in node.keywords if k.arg == "default"), None)
            self._add_device(default, indexed=False)

    def _device_indexes(self, node: ast.Call) -> None:
        """Names of integer device indexes passed where migrate rewrites them: ``.to(x)``, ``torch.device(x)``,
        ``device=x``, ``map_location=x`` (``output_device`` is DDP's: the distributed rewrite guards it)."""
        found = [k.value for k in node.keywords if k.arg in ("device", "map_location")]
        func = node.func
        first = node.args[0] if node.args else None
        to_or_device = (isinstance(func, ast.Attribute) and func.attr == "to") or ast.unparse(func) == "torch.device"
        if first is not None and to_or_device:
            found.append(first)
        for value in found:
            name = _assigned_name(value)
            if name and INTEGER_DEVICE_NAME.fullmatch(name):
                self.device_indexes.add(id(value))

    def _defaults(self, node: ast.arguments) -> None:
        positional = [*node.posonlyargs, *node.args]
        pairs = list(zip(positional[len(positional) - len(node.defaults) :], node.defaults, strict=True))
        pairs += [(arg, default) for arg, default in zip(node.kwonlyargs, node.kw_defaults, strict=True) if default]
        for arg, default in pairs:
            if "device" in arg.arg:
                self._add_device(default, indexed=False)

    def _guard(self, node: ast.If) -> None:
        constant = _guard_constant(node.test)
        if constant is None or not node.body:
            return
        self.guard_strings.add(id(constant))
        first, last = node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno
        self.guarded_lines.update(range(first, last + 1))


def _guard_constant(test: ast.expr) -> ast.Constant | None:
    """The ``"cuda"`` of a condition that is (or starts with, in an ``and``) ``<x>.type == "cuda"``."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        test = test.values[0]
    return _device_type_compare(test)


def _device_type_compare(test: ast.expr) -> ast.Constant | None:
    """The ``"cuda"`` constant of ``<x>.type == "cuda"`` (either side), else None."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return None
    left, right = test.left, test.comparators[0]
    for attribute, constant in ((left, right), (right, left)):
        if isinstance(attribute, ast.Attribute) and attribute.attr == "type" and _string(constant) == CUDA:
            assert isinstance(constant, ast.Constant)
            return constant
    return None
