"""Code that already handles several accelerator backends, found on the standard library's syntax tree.

Such code is kept as written: ``chipshift migrate`` rewrites nothing in it, for any target, and ``chipshift scan``
reports nothing in it, because the CUDA parts of a dispatch over backends are correct where they are. A region is

- a **literal** (tuple, list, set, dict) in which one element names CUDA and another element another backend:
  ``("xpu", "cuda", "npu")``, ``{"cuda": torch.cuda.synchronize, "npu": None}``, ``Literal["cpu", "cuda", "hpu"]``;
- a **condition** whose operands name CUDA and another backend: ``is_cuda_available() or is_npu_available()``;
- a **dispatch**: an ``if``/``elif`` chain (or a chain of conditional expressions) whose conditions name another
  backend (``elif is_npu_available():``, ``elif accelerator_name == "npu":``, ``DistributedType.XLA``). Its
  conditions and branches are kept; so is its ``else`` when the conditions also name CUDA or name two other
  backends or more (``if is_mlu: ... elif is_npu: ... else: return "cuda"``: the ``else`` is the CUDA branch); a
  lone ``if is_xla: ... else: <code for every other device>`` keeps only the XLA branch;
- a **backend selection**: in one function (or at module level), the assignments that set one variable to
  different backends (``accelerator_name = "xpu"`` ... ``accelerator_name = "cuda"``) and the ``if`` statements
  directly around them (DeepSpeed's ``if torch.cuda.is_available(): accelerator_name = "cuda"``), and the
  ``return`` statements of a function that returns different backends;
- **one probe per backend**: adjacent assignments or ``print`` calls that each name one backend, CUDA and another
  among them (``IS_CUDA_SYSTEM = torch.version.cuda is not None`` beside ``IS_XPU_SYSTEM = ...``);
- a **backend table**: a dict whose keys name two backends or more, the CPU counted (``{"cpu": ProfilerActivity.CPU,
  "cuda": ProfilerActivity.CUDA}``), and a class body that assigns different backends (``class RNGType: CUDA =
  "cuda"; MLU = "mlu"``);
- in **library mode** (a package that supports several backends), a **backend-specific implementation**: a class
  or module whose name names one backend (Lightning's ``CUDAAccelerator``, DeepSpeed's ``HPU_Accelerator`` and
  ``accelerator/cpu_accelerator.py``), a module under a ``backends/`` folder (bitsandbytes' ``backends/triton/``,
  written for XPU) and a function whose name names one accelerator backend (accelerate's
  ``is_cuda_available``, ``is_npu_available``) or that a decorator registers for CUDA (diffusers'
  ``@_custom_op(..., device_types="cuda")``): each is right for its backend as written; and **CUDA-guarded
  code**, an ``if`` (or conditional expression) whose condition names CUDA alone, with its branch
  (``if is_cuda_available(): torch.cuda.get_rng_state_all()``): a library runs it on CUDA only, so it stays CUDA;
- in any mode, a **module of another backend**: one whose path names one accelerator backend other than CUDA
  (flash-attn's ``flash_attn_triton_amd/`` and ``tests/test_flash_attn_ck.py``, ``ck`` being AMD's
  composable_kernel): its ``"cuda"`` is ROCm's device name, its Triton kernels are AMD's.

Positions are the syntax tree's: 1-based lines, 0-based columns counted in UTF-8 bytes (:func:`in_characters`
converts them for LibCST, which counts characters).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from chipshift.multibackend.names import (
    CUDA,
    backend_of_path_part,
    backends_in,
    names_one_backend,
    names_other_backend,
)

Position = tuple[int, int]
"""(line, column)."""
WHOLE_FILE_END: Position = (10**9, 0)


@dataclass(frozen=True, order=True)
class Region:
    """A stretch of source kept as written, with the reason."""

    start: Position
    """First position inside."""
    end: Position
    """Position just after the last character."""
    reason: str
    """Why: ``multi-backend literal``, ``dispatch over backends``, ``backend-specific implementation`` ..."""

    def holds(self, position: Position) -> bool:
        """Whether ``position`` lies inside."""
        return self.start <= position < self.end

    def covers(self, start: Position, end: Position) -> bool:
        """Whether the stretch from ``start`` to ``end`` lies wholly inside."""
        return self.start <= start and end <= self.end


def kept_regions(
    tree: ast.Module, *, library: bool = False, module_path: str = "", default_backend: bool = False
) -> tuple[Region, ...]:
    """The regions of ``tree`` kept as written; ``module_path`` (``pkg/cuda_accelerator.py``) names the module's
    backend; ``default_backend``: in library mode, the module is the default backend's in a folder that dispatches
    over per-backend subfolders (DeepSpeed's ``op_builder/``)."""
    if _names_other_backend_module(module_path):
        return (Region((1, 0), WHOLE_FILE_END, "module of another backend"),)
    if library and default_backend:
        return (Region((1, 0), WHOLE_FILE_END, "default backend beside per-backend folders"),)
    if library and (_names_backend_module(module_path) or _in_backends_folder(module_path)):
        return (Region((1, 0), WHOLE_FILE_END, "backend-specific module"),)
    nodes = tuple(ast.walk(tree))  # one walk for every finder
    found = [*_dispatches(nodes), *_literals(nodes), *_selections(tree, nodes), *_probes(nodes)]
    if library:
        found += [*_implementations(nodes), *_cuda_guarded(nodes)]
    return tuple(sorted(_outermost(found)))


def holds(regions: Sequence[Region], position: Position) -> bool:
    """Whether some region holds ``position``."""
    return any(region.holds(position) for region in regions)


def in_characters(regions: Iterable[Region], lines: Sequence[str]) -> tuple[Region, ...]:
    """``regions`` with columns counted in characters of ``lines`` (the source's lines) instead of bytes."""

    def convert(position: Position) -> Position:
        line, column = position
        if not 1 <= line <= len(lines) or column == 0:
            return position
        return (line, len(lines[line - 1].encode("utf-8")[:column].decode("utf-8", errors="ignore")))

    return tuple(Region(convert(r.start), convert(r.end), r.reason) for r in regions)


def backends_of(node: ast.AST) -> frozenset[str]:
    """Backends that the names and strings of ``node`` name."""
    return backends_in(_texts(node))


def _texts(node: ast.AST) -> Iterator[str]:
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str) and len(child.value) <= 200:
            yield child.value
        elif isinstance(child, ast.Name):
            yield child.id
        elif isinstance(child, ast.Attribute):
            yield child.attr


def _start(node: ast.AST) -> Position:
    return (getattr(node, "lineno", 1), getattr(node, "col_offset", 0))


def _end(node: ast.AST) -> Position:
    return (getattr(node, "end_lineno", None) or 1, getattr(node, "end_col_offset", None) or 0)


def _dispatches(nodes: Sequence[ast.AST]) -> Iterator[Region]:
    for chain in _if_chains(nodes):
        branches = [(branch.test, branch.body) for branch in chain]
        yield from _dispatch(chain[0], [test for test, _ in branches], chain[-1].orelse, chain[-1].body[-1])
    for expressions in _ifexp_chains(nodes):
        last = expressions[-1]
        tests = [e.test for e in expressions] + [e.body for e in expressions] + [last.orelse]
        yield from _dispatch(expressions[0], tests, [last.orelse], last.test)


def _dispatch(head: ast.AST, tests: list[ast.expr], orelse: Sequence[ast.AST], last_kept: ast.AST) -> Iterator[Region]:
    """The region of a chain whose conditions name another backend: conditions, branches, and the ``else`` where it
    is the CUDA branch or the fallback of a dispatch over CUDA."""
    named = frozenset().union(*(backends_of(test) for test in tests))
    others = {backend for backend in named if backend != CUDA}
    if not others:
        return
    keeps_else = bool(orelse) and (CUDA in named or len(others) >= 2)
    end = _end(orelse[-1]) if keeps_else else _end(last_kept)
    yield Region(_start(head), end, "dispatch over backends")


def if_chains(tree: ast.Module) -> Iterator[list[ast.If]]:
    """``if``/``elif`` chains, each from its head (an ``else:`` holding only an ``if`` counts as an ``elif``)."""
    return _if_chains(tuple(ast.walk(tree)))


def _if_chains(nodes: Sequence[ast.AST]) -> Iterator[list[ast.If]]:
    inner = {id(node.orelse[0]) for node in nodes if isinstance(node, ast.If) and _elif(node) is not None}
    for node in nodes:
        if isinstance(node, ast.If) and id(node) not in inner:
            chain = [node]
            while (following := _elif(chain[-1])) is not None:
                chain.append(following)
            yield chain


def _elif(node: ast.If) -> ast.If | None:
    return node.orelse[0] if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If) else None


def _ifexp_chains(nodes: Sequence[ast.AST]) -> Iterator[list[ast.IfExp]]:
    inner = {id(node.orelse) for node in nodes if isinstance(node, ast.IfExp)}
    for node in nodes:
        if isinstance(node, ast.IfExp) and id(node) not in inner:
            chain = [node]
            while isinstance(chain[-1].orelse, ast.IfExp):
                chain.append(chain[-1].orelse)
            yield chain


def _literals(nodes: Sequence[ast.AST]) -> Iterator[Region]:
    for node in nodes:
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            parts: list[ast.AST] = list(node.elts)
        elif isinstance(node, ast.Dict):
            parts = [part for part in (*node.keys, *node.values) if part is not None]
        elif isinstance(node, ast.BoolOp):
            parts = list(node.values)
        else:
            continue
        if _names_several(parts):
            reason = "multi-backend condition" if isinstance(node, ast.BoolOp) else "multi-backend literal"
            yield Region(_start(node), _end(node), reason)
        elif isinstance(node, ast.Dict) and len(_key_backends(node)) >= 2:
            yield Region(_start(node), _end(node), "backend table")


def _key_backends(node: ast.Dict) -> set[str]:
    """Backends (the CPU counted) that the string keys of a dict name, one per key."""
    named: set[str] = set()
    for key in node.keys:
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            backends = backends_in([key.value]) | ({"cpu"} if key.value.split(":")[0] == "cpu" else set())
            if len(backends) == 1:
                named |= backends
    return named


def _cuda_guarded(nodes: Sequence[ast.AST]) -> Iterator[Region]:
    """``if`` statements and conditional expressions whose condition names CUDA alone, with their first branch."""
    for node in nodes:
        if isinstance(node, ast.If | ast.IfExp) and backends_of(node.test) == {CUDA}:
            end = _end(node.body[-1]) if isinstance(node, ast.If) else _end(node.test)
            yield Region(_start(node), end, "CUDA-guarded code")


def _names_several(parts: Sequence[ast.AST]) -> bool:
    """Whether one part names CUDA and another part another backend."""
    named = [backends_of(part) for part in parts]
    cuda = {index for index, backends in enumerate(named) if CUDA in backends}
    other = {index for index, backends in enumerate(named) if names_other_backend(backends)}
    return bool(cuda and other and (len(cuda | other) > 1))


def _implementations(nodes: Sequence[ast.AST]) -> Iterator[Region]:
    for node in nodes:
        if not isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if not (_implements_class(node) or _implements_function(node)):
            continue
        first = min([node, *node.decorator_list], key=_start)
        yield Region(_start(first), _end(node), "backend-specific implementation")


def _implements_class(node: ast.AST) -> bool:
    """A class whose name names one backend (``CUDAAccelerator``, ``cpu_accelerator``)."""
    return isinstance(node, ast.ClassDef) and names_one_backend(node.name, cpu=True)


def _implements_function(node: ast.AST) -> bool:
    """A function whose name names one accelerator backend or that a decorator registers for CUDA."""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    return names_one_backend(node.name) or any(_registers_for_cuda(d) for d in node.decorator_list)


def _registers_for_cuda(decorator: ast.expr) -> bool:
    """A decorator call with a string argument naming CUDA alone (``@custom_op(..., device_types="cuda")``,
    ``@torch.library.register_kernel("op", "cuda")``): the function is a CUDA kernel's registration."""
    if not isinstance(decorator, ast.Call):
        return False
    values = [*decorator.args, *(keyword.value for keyword in decorator.keywords)]
    return any(
        isinstance(value, ast.Constant) and isinstance(value.value, str) and backends_in([value.value]) == {CUDA}
        for value in values
    )


def _path_parts(module_path: str) -> list[str]:
    parts = module_path.replace("\\", "/").removesuffix(".py").split("/")
    return [part for part in parts if part and part != "__init__"]


def _names_backend_module(module_path: str) -> bool:
    return any(names_one_backend(part, cpu=True) for part in _path_parts(module_path))


def _names_other_backend_module(module_path: str) -> bool:
    """A module whose path names one accelerator backend other than CUDA (flash-attn's ``flash_attn_triton_amd/``,
    ``tests/test_flash_attn_ck.py``, a project's ``npu/`` port): that backend's code, in any mode."""
    return any(backend_of_path_part(part) is not None for part in _path_parts(module_path))


def _in_backends_folder(module_path: str) -> bool:
    """A module under a ``backends/`` folder of a multi-backend library (bitsandbytes' ``backends/triton/``, written
    for XPU, and ``backends/default/``): one implementation among several, each right for its devices."""
    return "backends" in _path_parts(module_path)[:-1]


def _selections(tree: ast.Module, nodes: Sequence[ast.AST]) -> Iterator[Region]:
    """Assignments that set one variable to different backends, the ``if`` statements right around them, and the
    ``return`` statements of a function that returns different backends."""
    for scope in _scopes(tree, nodes):
        table = isinstance(scope, ast.ClassDef)  # an enumeration: every assignment of a backend counts together
        assigned: dict[str, list[ast.stmt]] = {}
        returns: list[ast.stmt] = []
        for statement, parent in _statements(scope):
            backend = _backend_literal(statement)
            if backend is None:
                continue
            kept = parent if isinstance(parent, ast.If) and statement in parent.body else statement
            if isinstance(statement, ast.Return):
                returns.append(kept)
            else:
                assigned.setdefault("" if table else _assigned(statement), []).append(kept)
        for group in [*assigned.values(), returns]:
            if _several(group):
                yield from (Region(_start(s), _end(s), "backend selection") for s in group)


def _scopes(tree: ast.Module, nodes: Sequence[ast.AST]) -> Iterator[ast.AST]:
    yield tree
    yield from (node for node in nodes if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef))


def _statements(scope: ast.AST) -> Iterator[tuple[ast.stmt, ast.AST]]:
    """Statements of ``scope`` with their parent, not entering nested functions or classes."""
    stack: list[ast.AST] = [scope]
    while stack:
        parent = stack.pop()
        for field in ("body", "orelse", "finalbody", "handlers"):
            for child in getattr(parent, field, []):
                if isinstance(child, ast.stmt | ast.excepthandler):
                    if isinstance(child, ast.stmt):
                        yield child, parent
                    if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                        stack.append(child)


def _backend_literal(statement: ast.stmt) -> str | None:
    """The backend a statement sets or returns as a string (``x = "cuda"``, ``return "npu", "MULTI_NPU"``)."""
    value: ast.AST | None = None
    assigns = isinstance(statement, ast.Assign) and len(statement.targets) == 1 and bool(_assigned(statement))
    if assigns or isinstance(statement, ast.Return):
        value = statement.value  # type: ignore[attr-defined]
    if isinstance(value, ast.Tuple) and value.elts:
        value = value.elts[0]
    if isinstance(value, ast.Constant) and isinstance(value.value, str) and len(value.value) <= 20:
        named = backends_in([value.value])
        return next(iter(named)) if len(named) == 1 else None
    return None


def _assigned(statement: ast.stmt) -> str:
    target = statement.targets[0] if isinstance(statement, ast.Assign) else None
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return f".{target.attr}"
    return ""


def _several(statements: list[ast.stmt]) -> bool:
    """Whether ``statements`` set or return CUDA and another backend."""
    named = {backend for s in statements for backend in _set_by(s)}
    return CUDA in named and names_other_backend(named)


def _set_by(statement: ast.stmt) -> set[str]:
    """Backends a statement (or the statements right under an ``if``) sets or returns."""
    inner = statement.body if isinstance(statement, ast.If) else [statement]
    return {backend for s in inner if (backend := _backend_literal(s)) is not None}


def _probes(nodes: Sequence[ast.AST]) -> Iterator[Region]:
    """Runs of adjacent assignments or ``print`` calls that each name one backend, CUDA and another among them: one
    probe or report line per backend (``IS_CUDA_SYSTEM = torch.version.cuda is not None`` beside ``IS_XPU_SYSTEM =
    ...``, ``pt_cuda_available = torch.cuda.is_available()`` beside ``pt_xpu_available = is_xpu_available()``)."""
    for node in nodes:
        if isinstance(node, ast.ClassDef):
            continue  # a class body that assigns backends is a table (_selections)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            run: list[tuple[ast.stmt, str]] = []
            for statement in [*block, None]:
                backend = _probed(statement) if statement is not None else None
                if backend is not None:
                    run.append((statement, backend))
                    continue
                named = {b for _, b in run}
                if CUDA in named and names_other_backend(named):
                    yield Region(_start(run[0][0]), _end(run[-1][0]), "one probe per backend")
                run = []


def _probed(statement: ast.stmt) -> str | None:
    """The one backend (CPU not counted) that a probe names: an assignment whose target and value name it alone
    (``IS_XPU_SYSTEM = ...xpu...``), or a ``print`` whose text and values do (``print(f"CUDA: {torch.version.cuda}")``).
    """
    if isinstance(statement, ast.Assign | ast.AnnAssign):
        labels: list[ast.AST] = list(statement.targets) if isinstance(statement, ast.Assign) else [statement.target]
    elif _is_print(statement):
        labels = [node for node in ast.walk(statement) if isinstance(node, ast.Constant)]
    else:
        return None
    named = backends_of(statement)
    labelled = frozenset().union(*(backends_of(label) for label in labels))
    return next(iter(named)) if len(named) == 1 and labelled == named else None


def _is_print(statement: ast.stmt) -> bool:
    call = statement.value if isinstance(statement, ast.Expr) else None
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "print"


def _outermost(regions: list[Region]) -> list[Region]:
    """``regions`` without those inside another."""
    ordered = sorted(regions, key=lambda r: (r.start, (-r.end[0], -r.end[1])))
    kept: list[Region] = []
    for region in ordered:
        if not any(outer.covers(region.start, region.end) for outer in kept):
            kept.append(region)
    return kept
