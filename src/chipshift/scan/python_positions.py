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
``and``), are not lock-in. So is the *old-torch fallback*, the other branch of a torch version check
(``torch.amp.GradScaler(device) if _TORCH_GREATER_EQUAL_2_4 else torch.cuda.amp.GradScaler()``).

*Settings without effect* off CUDA: ``cudnn.benchmark = ...`` (a speed hint every other backend ignores) and
``cudnn.deterministic = True`` in a module that also calls ``torch.use_deterministic_algorithms`` (which covers every
device) need no change and no decision on any target.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from chipshift.multibackend import INTEGER_DEVICE_NAME, Region

CUDNN_SETTINGS = frozenset({"benchmark", "deterministic"})
"""cuDNN settings that can be without effect off CUDA (see the module's docstring)."""
NEUTRAL_CALLEE = re.compile(r"^torch\.accelerator\.|\bget_accelerator\(\)\.")
"""Callees whose integer device is an index of the active accelerator, not a CUDA device."""
NEWER_TORCH = re.compile(r"torch\w*(greater|newer|at_least)|(greater|newer|at_least)\w*torch", re.IGNORECASE)
"""Names of checks that torch is at least some version (Lightning's ``_TORCH_GREATER_EQUAL_2_4``)."""
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


POSITION_NODES = (ast.Call, ast.Assign, ast.arguments, ast.IfExp, ast.If, ast.BoolOp)
"""The node types :meth:`PositionFacts.visit` looks at (keep the two in step): the analyzer tests a node's type
against this once instead of calling ``visit`` for each of a module's nodes."""


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
    index_names: dict[int, str] = field(default_factory=dict)
    """Integer device indexes in a device position, by id, with their names (before :meth:`finish`)."""
    typed_indexes: set[str] = field(default_factory=set)
    """Names set to an index only for the device types a test names, else ``None`` (``device_index =
    torch.device(d).index if torch.device(d).type in ["cuda", "xpu"] else None``): the index is used only there."""
    cudnn_settings: dict[int, str] = field(default_factory=dict)
    """Assigned ``cudnn.benchmark`` and ``cudnn.deterministic`` targets, by id, with the setting's name."""
    deterministic_everywhere: bool = False
    """The module calls ``torch.use_deterministic_algorithms``."""

    def visit(self, node: ast.AST) -> None:
        """Record what ``node`` contributes (called for every node of a module)."""
        if isinstance(node, ast.Call):
            self._call(node)
        elif isinstance(node, ast.Assign):
            self._assign(node)
        elif isinstance(node, ast.arguments):
            self._defaults(node)
        elif isinstance(node, ast.IfExp):
            self.conditional_bodies.add(id(node.body))
            if _string(node.body) == CUDA and _is_cuda_availability(node.test):
                self.device_strings.add(id(node.body))
            if (constant := _guard_constant(node.test)) is not None:
                self.guard_strings.add(id(constant))
                body = node.body
                self.guarded_spans.append(_region(body, "guard"))
            if _is_newer_torch(node.test):
                self.guarded_spans.append(_region(node.orelse, "old-torch fallback"))
        elif isinstance(node, ast.If):
            self._guard(node)
            if _is_newer_torch(node.test) and node.orelse:
                self.guarded_lines.update(range(node.orelse[0].lineno, (node.orelse[-1].end_lineno or 0) + 1))
        elif isinstance(node, ast.BoolOp) and (constant := _guard_constant(node)) is not None:
            self.guard_strings.add(id(constant))

    def _assign(self, node: ast.Assign) -> None:
        if len(node.targets) != 1:
            return
        target = node.targets[0]
        name = _assigned_name(target)
        if "device" in name:
            self._add_device(node.value, indexed=True)  # device = "cuda:1": migrate's device variables
        if isinstance(node.value, ast.IfExp) and _device_type_test(node.value.test) and _none_branch(node.value):
            self.typed_indexes.add(name)
        if isinstance(target, ast.Attribute) and target.attr in CUDNN_SETTINGS and "cudnn" in ast.unparse(target.value):
            self.cudnn_settings[id(target)] = target.attr

    def finish(self) -> set[int]:
        """Settle what needs the whole module, once every node is visited: the device indexes (less the typed
        ones); the ids of the cuDNN settings without effect, returned."""
        self.device_indexes = {key for key, name in self.index_names.items() if name not in self.typed_indexes}
        noop = {"benchmark", "deterministic"} if self.deterministic_everywhere else {"benchmark"}
        return {key for key, setting in self.cudnn_settings.items() if setting in noop}

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
        if isinstance(func, ast.Attribute | ast.Name) and _assigned_name(func) == "use_deterministic_algorithms":
            self.deterministic_everywhere = True
        is_option = isinstance(func, ast.Attribute) and func.attr == "add_argument" and node.args
        if is_option and "device" in (_string(node.args[0]) or ""):
            default = next((k.value for k in node.keywords if k.arg == "default"), None)
            self._add_device(default, indexed=False)

    def _device_indexes(self, node: ast.Call) -> None:
        """Names of integer device indexes passed where migrate rewrites them: ``.to(x)``, ``torch.device(x)``,
        ``device=x``, ``map_location=x`` (``output_device`` is DDP's: the distributed rewrite guards it). Not in a
        call through a device-neutral API (``torch.accelerator.*``, DeepSpeed's ``get_accelerator().*``), where an
        index is one of the active accelerator's devices."""
        func = node.func
        found = [k.value for k in node.keywords if k.arg in ("device", "map_location")]
        if node.args and _is_to_or_device(func):
            found.append(node.args[0])
        named = [
            (value, name) for value in found if (name := _assigned_name(value)) and INTEGER_DEVICE_NAME.fullmatch(name)
        ]
        if named and not NEUTRAL_CALLEE.search(ast.unparse(func)):
            self.index_names.update((id(value), name) for value, name in named)

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


def _is_to_or_device(func: ast.expr) -> bool:
    """``<x>.to`` or ``torch.device``."""
    if not isinstance(func, ast.Attribute):
        return False
    return func.attr == "to" or (
        func.attr == "device" and isinstance(func.value, ast.Name) and func.value.id == "torch"
    )


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


def _region(node: ast.expr, reason: str) -> Region:
    return Region((node.lineno, node.col_offset), (node.end_lineno or 0, node.end_col_offset or 0), reason)


def _is_newer_torch(test: ast.expr) -> bool:
    """A test that torch is at least some version (a name or call such as ``_TORCH_GREATER_EQUAL_2_4``)."""
    if isinstance(test, ast.Call):
        test = test.func
    return isinstance(test, ast.Name | ast.Attribute) and bool(NEWER_TORCH.search(_assigned_name(test)))


def _device_type_test(test: ast.expr) -> bool:
    """``<x>.type == "..."`` or ``<x>.type in [...]``: a test of which device type a value is."""
    return isinstance(test, ast.Compare) and any(
        isinstance(side, ast.Attribute) and side.attr == "type" for side in (test.left, *test.comparators)
    )


def _none_branch(node: ast.IfExp) -> bool:
    return any(isinstance(side, ast.Constant) and side.value is None for side in (node.body, node.orelse))
