"""Python analysis on the standard library's ``ast``: imports and aliases resolved to qualified names, then rules.

Nothing is imported or run. Names are resolved through the file's own imports (``import torch.cuda as tc``,
``from torch import cuda``, relative imports) and through re-exports found elsewhere in the scanned repository
(``reexports``: ``pkg.devices.amp`` -> ``torch.cuda.amp``).
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from chipshift.multibackend import INDEXED_CUDA_TEMPLATE, Region, holds, kept_regions
from chipshift.scan.finding import Finding
from chipshift.scan.python_positions import POSITION_NODES, PositionFacts
from chipshift.scan.rules import Rule

_SNIPPET_CHARS = 200
_KNOWN_NAMES = 50_000


def _specificity(pattern: str) -> int:
    return len(pattern.replace("*", "").replace("?", ""))


def _literal_head(pattern: str) -> str:
    """The first two dotted segments of ``pattern`` when they hold no wildcard, else ''."""
    head = ".".join(pattern.split(".")[:2])
    return "" if any(c in head for c in "*?[") or "." not in head else head


@dataclass(frozen=True)
class PatternIndex:
    """Patterns of one matcher kind with their rules; finds the most specific rule for a name."""

    entries: tuple[tuple[str, Rule], ...]
    """(pattern, rule), most specific first; at equal specificity rules with an argument condition first."""
    by_head: dict[str, tuple[tuple[str, Rule], ...]] = field(default_factory=dict, compare=False)
    """Entries by their first two segments ('' = patterns that must always be tried)."""
    known: dict[str, tuple[str, Rule] | None] = field(default_factory=dict, compare=False, repr=False)
    """Names already looked up, with their answer (a name is usually written many times)."""

    @classmethod
    def build(cls, rules: list[Rule], kind: str) -> PatternIndex:
        """Index of all ``kind`` patterns of ``rules``."""
        pairs = [(p, r) for r in rules if r.match.kind == kind for p in getattr(r.match, kind)]
        entries = tuple(sorted(pairs, key=lambda pair: (-_specificity(pair[0]), pair[1].match.arg is None)))
        groups: dict[str, list[tuple[str, Rule]]] = {}
        for pattern, rule in entries:
            groups.setdefault(_literal_head(pattern), []).append((pattern, rule))
        return cls(entries, {head: tuple(group) for head, group in groups.items()})

    def candidates(self, name: str) -> tuple[tuple[str, Rule], ...]:
        """Entries that could match ``name``, in priority order."""
        head = ".".join(name.split(".")[:2])
        own = self.by_head.get(head, ())
        always = self.by_head.get("", ())
        if not always:
            return own
        if not own:
            return always
        return tuple(sorted(own + always, key=lambda pair: (-_specificity(pair[0]), pair[1].match.arg is None)))

    def best(self, name: str) -> tuple[str, Rule] | None:
        """The most specific (pattern, rule) matching ``name``."""
        if name in self.known:
            return self.known[name]
        found = next(((p, r) for p, r in self.candidates(name) if fnmatchcase(name, p)), None)
        if len(self.known) >= _KNOWN_NAMES:
            self.known.clear()
        self.known[name] = found
        return found


@dataclass(frozen=True)
class PythonRules:
    """The Python rules, indexed once per process."""

    calls: PatternIndex
    references: PatternIndex
    imports: PatternIndex
    methods: PatternIndex
    attributes: PatternIndex
    strings: tuple[tuple[re.Pattern[str], Rule], ...]
    fstrings: tuple[tuple[re.Pattern[str], Rule], ...]
    device_indexes: tuple[Rule, ...] = ()
    relevant_cache: dict[str, bool] = field(default_factory=dict, compare=False)
    package_names: frozenset[str] = frozenset()
    """The top-level names the name rules start with (``torch``, ``megatron``, ``apex`` ...): only these, of a
    project's own names, can change what is reported (``tests/scan/test_own_package.py``)."""

    @classmethod
    def build(cls, rules: list[Rule]) -> PythonRules:
        """Index ``rules`` (only Python ones are used)."""
        strings = [(re.compile(r.match.string), r) for r in rules if r.match.kind == "string" and r.match.string]
        # compare-, call- and device-context rules are tried before rules for any context
        strings.sort(key=lambda pair: pair[1].match.context == "any")
        fstrings = [(re.compile(r.match.fstring), r) for r in rules if r.match.kind == "fstring" and r.match.fstring]
        calls, references, imports = (
            PatternIndex.build(rules, kind) for kind in ("call", "reference", "import_module")
        )
        return cls(
            calls=calls,
            references=references,
            imports=imports,
            methods=PatternIndex.build(rules, "method_call"),
            attributes=PatternIndex.build(rules, "attribute_name"),
            strings=tuple(strings),
            fstrings=tuple(fstrings),
            device_indexes=tuple(r for r in rules if r.match.kind == "device_index"),
            package_names=frozenset(p.split(".")[0] for i in (calls, references, imports) for p, _ in i.entries),
        )

    def is_relevant(self, qualified: str) -> bool:
        """True when ``qualified`` matches a name pattern, or any attribute of it does (``torch.cuda``).

        ``torch.nn`` is not relevant although ``torch.nn.DataParallel`` is: re-exports of whole common modules would
        make every file of a repository a candidate for the second pass.
        """
        cached = self.relevant_cache.get(qualified)
        if cached is not None:
            return cached
        self.relevant_cache[qualified] = found = self._is_relevant(qualified)
        return found

    def _is_relevant(self, qualified: str) -> bool:
        child = qualified + ".__any__"
        for index in (self.calls, self.references, self.imports):
            for pattern, _ in index.entries:
                if fnmatchcase(qualified, pattern) or fnmatchcase(child, pattern):
                    return True
        return False


@dataclass
class _Context:
    """Facts about nodes gathered in one walk before rules run."""

    aliases: dict[str, str] = field(default_factory=dict)
    attribute_values: set[int] = field(default_factory=set)
    call_funcs: set[int] = field(default_factory=set)
    compared: set[int] = field(default_factory=set)
    call_args: set[int] = field(default_factory=set)
    skip_strings: set[int] = field(default_factory=set)
    exports: dict[str, str] = field(default_factory=dict)
    positions: PositionFacts = field(default_factory=PositionFacts)
    kept: Callable[[], tuple[Region, ...]] = tuple
    """The regions whose hits are not reported, worked out on first use: most modules have no hit to test, and the
    multi-backend regions take several walks of the tree."""
    typing_only: list[Region] = field(default_factory=list)
    """Bodies of ``if TYPE_CHECKING:`` and annotations: for type checkers, not a device or an API chosen."""
    constant_targets: set[int] = field(default_factory=set)
    """Names assigned a constant (``torch.backends.cudnn.benchmark = True``)."""
    own_packages: frozenset[str] = frozenset()
    """The code the file belongs to, as dotted prefixes (``bitsandbytes``, Megatron-LM's ``megatron.core``): its own
    API is no dependency on itself."""


def _is_type_checking(test: ast.expr) -> bool:
    """``TYPE_CHECKING`` or ``typing.TYPE_CHECKING``."""
    name = test.attr if isinstance(test, ast.Attribute) else test.id if isinstance(test, ast.Name) else ""
    return name == "TYPE_CHECKING"


def _span(first: ast.AST, last: ast.AST) -> Region:
    start = (getattr(first, "lineno", 1), getattr(first, "col_offset", 0))
    return Region(start, (getattr(last, "end_lineno", None) or 1, getattr(last, "end_col_offset", None) or 0), "typing")


_ANNOTATED_NODES = (ast.arg, ast.FunctionDef, ast.AsyncFunctionDef, ast.AnnAssign)


def _annotations(node: ast.AST) -> list[ast.expr]:
    """The type annotations ``node`` holds directly (an argument's, a function's return, an annotated assignment's)."""
    if isinstance(node, ast.arg):
        return [node.annotation] if node.annotation else []
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return [node.returns] if node.returns else []
    if isinstance(node, ast.AnnAssign):
        return [node.annotation]
    return []


def module_name(relative_path: str) -> str:
    """Dotted module name of a file path relative to its repository root (``pkg/a.py`` -> ``pkg.a``)."""
    parts = relative_path.removesuffix(".py").removesuffix(".ipynb").split("/")
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(p for p in parts if p)


def _absolute_module(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if module else []
    drop = node.level - 1 if is_package else node.level
    base = base[: len(base) - drop] if drop <= len(base) else []
    return ".".join([*base, node.module] if node.module else base)


class PythonAnalyzer:
    """Finds rule hits in one parsed Python module."""

    def __init__(self, rules: PythonRules, reexports: Mapping[str, str] | None = None) -> None:
        self.rules = rules
        self.reexports = reexports or {}

    def analyze(
        self,
        tree: ast.Module,
        lines: list[str],
        *,
        module: str = "",
        is_package: bool = False,
        library: bool = False,
        relative_path: str = "",
        own_packages: frozenset[str] = frozenset(),
        default_backend: bool = False,
    ) -> _Run:
        """All hits in ``tree``; ``lines`` are the source lines for snippets. Code that already handles several
        backends (and, for a ``library``, backend-specific implementations) is not reported: ``migrate`` keeps it
        as written (:mod:`chipshift.multibackend.regions`); ``default_backend``: the module is the default backend's
        implementation in a library's dispatch folder."""
        ctx = self._context(tree, module, is_package)
        spans = (*ctx.positions.guarded_spans, *ctx.typing_only)  # not ctx itself: no reference cycle
        ctx.kept = functools.cache(
            lambda: (
                *kept_regions(tree, library=library, module_path=relative_path, default_backend=default_backend),
                *spans,
            )
        )
        ctx.own_packages = own_packages
        run = _Run(self, lines, ctx)
        run.visit(tree)
        return run

    def _context(self, tree: ast.Module, module: str, is_package: bool) -> _Context:
        ctx = _Context()
        for node in ast.walk(tree):
            if isinstance(node, POSITION_NODES):
                ctx.positions.visit(node)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        ctx.aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        ctx.aliases[top] = top
            elif isinstance(node, ast.ImportFrom):
                base = _absolute_module(node, module, is_package)
                for alias in node.names:
                    if alias.name != "*":
                        ctx.aliases[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
            elif isinstance(node, ast.Attribute):
                ctx.attribute_values.add(id(node.value))
            elif isinstance(node, ast.Call):
                ctx.call_funcs.add(id(node.func))
                ctx.call_args.update(id(a) for a in node.args)
                ctx.call_args.update(id(k.value) for k in node.keywords)
            elif isinstance(node, ast.Compare):
                ctx.compared.update(id(n) for n in (node.left, *node.comparators))
            elif isinstance(node, ast.JoinedStr):
                ctx.skip_strings.update(id(v) for v in node.values)
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                ctx.skip_strings.add(id(node.value))  # docstrings and bare strings are prose
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                ctx.constant_targets.update(id(target) for target in node.targets)
            elif isinstance(node, ast.If) and _is_type_checking(node.test):
                ctx.typing_only.append(_span(node.body[0], node.body[-1]))
            if isinstance(node, _ANNOTATED_NODES):  # Literal["cpu", "cuda"], -> torch.cuda.CUDAGraph: types only
                ctx.typing_only.extend(_span(annotation, annotation) for annotation in _annotations(node))
        ctx.constant_targets -= ctx.positions.finish()  # cuDNN settings without effect off CUDA
        ctx.aliases = {name: self._resolve(qn) for name, qn in ctx.aliases.items()}
        return ctx

    def exports(self, tree: ast.Module, run: _Run) -> dict[str, str]:
        """Module-level names bound by imports to names the rules care about (re-export candidates)."""
        exported: dict[str, str] = {}
        statements = list(tree.body)
        while statements:
            statement = statements.pop()
            if isinstance(statement, (ast.If, ast.Try)):
                statements.extend(statement.body + statement.orelse + getattr(statement, "finalbody", []))
                statements.extend(s for handler in getattr(statement, "handlers", []) for s in handler.body)
            elif isinstance(statement, (ast.Import, ast.ImportFrom)):
                for alias in statement.names:
                    local = alias.asname or alias.name.split(".")[0]
                    qualified = run.ctx.aliases.get(local)
                    if qualified and "." in qualified and len(local) >= 3 and self.rules.is_relevant(qualified):
                        exported[local] = qualified
        return exported

    def _resolve(self, qualified: str) -> str:
        if not self.reexports:
            return qualified
        parts = qualified.split(".")
        for end in range(len(parts), 0, -1):
            target = self.reexports.get(".".join(parts[:end]))
            if target:
                return ".".join([target, *parts[end:]])
        return qualified


class _Run(ast.NodeVisitor):
    """One walk over one module, collecting hits as (rule, node, text)."""

    def __init__(self, analyzer: PythonAnalyzer, lines: list[str], ctx: _Context) -> None:
        self.rules = analyzer.rules
        self.lines = lines
        self.ctx = ctx
        self.hits: list[tuple[Rule, int, int, str]] = []
        self.consumed: set[int] = set()

    def findings(self, path: str, line_map: Mapping[int, tuple[int, int]] | None = None) -> Iterator[Finding]:
        """Hits as findings, except in CUDA-guarded blocks; ``line_map`` maps a line to (cell, line in cell)."""
        guarded = self.ctx.positions.guarded_lines
        for rule, line, column, text in self.hits:
            if line in guarded or holds(self.ctx.kept(), (line, column - 1)):
                continue
            snippet = self.lines[line - 1].strip()[:_SNIPPET_CHARS] if 0 < line <= len(self.lines) else ""
            cell, cell_line = line_map[line] if line_map and line in line_map else (None, line)
            yield Finding(
                rule_id=rule.id,
                path=path,
                line=cell_line,
                column=column,
                message=f"{rule.title}: {text}",
                category=rule.category,
                severity=rule.severity.label,
                confidence=rule.confidence,
                snippet=snippet,
                cell=cell,
            )

    def _hit(self, rule: Rule, node: ast.AST, text: str) -> None:
        self.hits.append((rule, getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1, text))

    def qualified_name(self, node: ast.expr) -> str | None:
        """``torch.cuda.synchronize`` for ``tc.synchronize`` after ``import torch.cuda as tc``; None if unknown."""
        if isinstance(node, ast.Name):
            return self.ctx.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualified_name(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def visit_Import(self, node: ast.Import) -> None:
        self._imports(node, [alias.name for alias in node.names])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            return  # relative imports are the repository's own modules
        module = node.module or ""
        self._imports(node, [module] + [f"{module}.{alias.name}" for alias in node.names if alias.name != "*"])

    def _own(self, qualified: str) -> bool:
        """Whether ``qualified`` names the file's own code (bitsandbytes calling ``bitsandbytes.functional``,
        Megatron-LM's scripts importing ``megatron.core``): it is, or lies under, one of the own prefixes."""
        own = self.ctx.own_packages
        if not own:
            return False
        parts = qualified.split(".")
        return any(".".join(parts[:end]) in own for end in range(1, len(parts) + 1))

    def _imports(self, node: ast.stmt, modules: list[str]) -> None:
        seen: dict[str, tuple[int, str, Rule]] = {}
        for module in modules:
            if self._own(module):
                continue
            found = self.rules.imports.best(module)
            if found:
                pattern, rule = found
                if rule.id not in seen or _specificity(pattern) > seen[rule.id][0]:
                    seen[rule.id] = (_specificity(pattern), module, rule)
        for _, module, rule in seen.values():
            self._hit(rule, node, module)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self._built_device_string(node)
        self.generic_visit(node)

    def _built_device_string(self, node: ast.expr) -> None:
        """``"cuda:{}".format(i)``, ``"cuda:%d" % i`` and ``"cuda:" + str(i)`` are what ``f"cuda:{i}"`` is."""
        template = built_device_template(node)
        if template is None:
            return
        self.consumed.add(id(template))
        for pattern, rule in self.rules.fstrings:
            if pattern.fullmatch("cuda:{}"):
                self._hit(rule, node, f"{template.value!r}")
                return

    def visit_Call(self, node: ast.Call) -> None:
        self._built_device_string(node)
        func = node.func
        qualified = self.qualified_name(func)
        if qualified and (self._own(qualified) or self._call_rule(node, qualified)):
            self.consumed.add(id(func))
        elif qualified is None and isinstance(func, ast.Attribute):
            found = self.rules.methods.best(func.attr)
            if found and not (found[1].match.bare and self._decided(node)):
                self._hit(found[1], func, f".{func.attr}()")
                self.consumed.add(id(func))
        self._device_indexes(node)
        self.generic_visit(node)

    def _decided(self, node: ast.Call) -> bool:
        """A call with arguments, or the branch of a conditional expression (``x.pin_memory() if ... else x``)."""
        return bool(node.args or node.keywords) or id(node) in self.ctx.positions.conditional_bodies

    def _device_indexes(self, node: ast.Call) -> None:
        values = [*node.args[:1], *(keyword.value for keyword in node.keywords)]
        for value in values:
            if id(value) in self.ctx.positions.device_indexes:
                for rule in self.rules.device_indexes:
                    self._hit(rule, value, ast.unparse(value))

    def _call_rule(self, node: ast.Call, qualified: str) -> bool:
        for pattern, rule in self.rules.calls.candidates(qualified):
            if not fnmatchcase(qualified, pattern):
                continue
            condition = rule.match.arg
            if condition is None:
                self._hit(rule, node, f"{qualified}()")
                return True
            argument = _argument(node, condition.position, condition.keyword)
            if condition.value is None:
                if _given(argument) and (not condition.written_out or isinstance(argument, ast.List | ast.Tuple)):
                    self._hit(rule, node, f"{qualified}({condition.keyword or condition.position}=...)")
                    return True
                continue
            is_string = isinstance(argument, ast.Constant) and isinstance(argument.value, str)
            if is_string and re.fullmatch(condition.value, argument.value):  # type: ignore[union-attr]
                self.consumed.add(id(argument))
                self._hit(rule, node, f"{qualified}({argument.value!r})")  # type: ignore[union-attr]
                return True
        return False

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._reference(node)
        ids = (self.consumed, self.ctx.attribute_values, self.ctx.call_funcs)
        if all(id(node) not in seen for seen in ids) and self.qualified_name(node) is None:
            found = self.rules.attributes.best(node.attr)
            if found:
                self._hit(found[1], node, f".{node.attr}")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        self._reference(node)

    def _reference(self, node: ast.Attribute | ast.Name) -> None:
        if id(node) in self.consumed or id(node) in self.ctx.attribute_values:
            return
        qualified = self.qualified_name(node)
        if qualified and not self._own(qualified):
            found = self.rules.references.best(qualified)
            if found and not (found[1].match.set_to_constant and id(node) not in self.ctx.constant_targets):
                self._hit(found[1], node, qualified)

    def visit_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, str) or id(node) in self.consumed or id(node) in self.ctx.skip_strings:
            return
        if len(node.value) > 200 or id(node) in self.ctx.positions.guard_strings:
            return
        for pattern, rule in self.rules.strings:
            context = rule.match.context
            if context == "compare" and id(node) not in self.ctx.compared:
                continue
            if context == "call" and id(node) not in self.ctx.call_args:
                continue
            if context == "device" and id(node) not in self.ctx.positions.device_strings:
                continue
            if pattern.fullmatch(node.value):
                self._hit(rule, node, repr(node.value))
                return

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        template = "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}" for v in node.values
        )
        for pattern, rule in self.rules.fstrings:
            if pattern.fullmatch(template):
                self._hit(rule, node, f'f"{template}"')
                break
        self.generic_visit(node)


def built_device_template(node: ast.expr) -> ast.Constant | None:
    """The ``"cuda:{}"`` / ``"cuda:%d"`` / ``"cuda:"`` constant of a CUDA device string built from an index."""
    template: ast.expr | None = None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        template = node.func.value if len(node.args) == 1 and not node.keywords else None
        wanted = "{"
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and not isinstance(node.right, ast.Tuple):
        template, wanted = node.left, "%"
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        template, wanted = node.left, ":"
    if not (isinstance(template, ast.Constant) and isinstance(template.value, str)):
        return None
    text = template.value
    ends_right = text.endswith(":") if wanted == ":" else wanted in text
    return template if INDEXED_CUDA_TEMPLATE.fullmatch(text) and ends_right else None


def _given(argument: ast.expr | None) -> bool:
    """An argument that is there, not ``None`` and not a conditional expression (a choice already made)."""
    none = isinstance(argument, ast.Constant) and argument.value is None
    return argument is not None and not none and not isinstance(argument, ast.IfExp)


def _argument(node: ast.Call, position: int | None, keyword: str | None) -> ast.expr | None:
    if keyword is not None:
        for item in node.keywords:
            if item.arg == keyword:
                return item.value
    if position is not None and position < len(node.args):
        return node.args[position]
    return None
