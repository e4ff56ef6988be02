"""The one way chipshift reads YAML and JSON data files, safely and with errors that name file, line and field.

- :func:`load_yaml` parses once (libyaml when present), then checks the node graph before building anything: at most
  :data:`MAX_DEPTH` levels of nesting (aliases included), at most :data:`MAX_ALIAS_NODES` nodes added by aliases
  (an alias bomb of 1 KB is refused in milliseconds: sizes are counted once per node over the alias graph), no
  recursive alias, no duplicate mapping key. Only then are Python objects built, with a safe constructor.
- :func:`load_json` applies the same depth bound and refuses ``NaN`` and ``Infinity``.
- :func:`load_yaml_model` reads a user's file through :func:`chipshift.files.read_input_text`, parses it and
  validates it with a pydantic model; the first error names ``file:line`` and the dotted field, and the next few are
  listed briefly so that one run shows every mistake.

Every problem is an :class:`~chipshift.errors.InputFileError`; no ``RecursionError`` or ``yaml.YAMLError`` escapes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.constructor import ConstructorError, SafeConstructor

from chipshift.errors import InputFileError
from chipshift.files import DEFAULT_INPUT_LIMIT_BYTES, read_input_text

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted in a data file (no chipshift file needs more than ten)."""

MAX_ALIAS_NODES = 100_000
"""Most nodes that aliases may add when expanded; a file that needs more is refused as an alias bomb."""

MAX_NUMBER_CHARS = 100
"""Longest YAML number literal built (sexagesimal ``1:2:3`` numbers cost quadratic time in their length)."""

_PARSER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Location = Sequence[int | str]
FieldName = Callable[[Any, list[int | str]], str]
Model = TypeVar("Model", bound=BaseModel)


def load_yaml(text: str, name: str) -> tuple[Any, yaml.Node | None]:
    """The data of one YAML document and its root node (for line numbers); ``(None, None)`` for an empty file.

    Raises :class:`InputFileError` naming ``name`` and the line for a syntax error, nesting deeper than
    :data:`MAX_DEPTH`, aliases that expand beyond :data:`MAX_ALIAS_NODES` nodes, a recursive alias or a duplicate
    key.
    """
    root = _compose(text, name)
    if root is None:
        return None, None
    _check_graph(root, name)
    return _construct(root, name), root


def _compose(text: str, name: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_PARSER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = None if mark is None else mark.line + 1
        problem = _one_line(error.problem or error)
        if "maximum nesting depth" in problem:
            raise _too_deep(name, line) from None
        raise InputFileError(name, f"not valid YAML: {problem}", line=line) from None
    except yaml.YAMLError as error:
        raise InputFileError(name, f"not valid YAML: {_one_line(error)}") from None
    except RecursionError:  # the pure-Python parser recurses once per level (libyaml stops at 1,000)
        raise _too_deep(name, None) from None
    except ValueError as error:  # text that cannot be encoded (a lone surrogate)
        raise InputFileError(name, f"not valid YAML text: {_one_line(error)}") from None


def _one_line(problem: object) -> str:
    """A parser's message on one line (the CLI prints every error as one line)."""
    return " ".join(str(problem).split())


def _too_deep(name: str, line: int | None) -> InputFileError:
    return InputFileError(name, f"nested more than {MAX_DEPTH} levels deep; refused", line=line)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_graph(root: yaml.Node, name: str) -> None:
    """Depth, alias expansion, recursion and duplicate keys, in time linear in the number of distinct nodes.

    Each collection is expanded once (its expanded size and depth are kept by identity), so an alias costs one
    lookup however large its target; scalars are counted where they are found.
    """
    graph = _Graph(name)
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            graph.finish(node)
        elif id(node) not in graph.size and isinstance(node, yaml.CollectionNode):
            stack.append((node, True))
            stack.extend((child, False) for child in graph.expand(node))


class _Graph:
    """Expanded sizes and depths of the collections of one YAML node graph, checked as they are found."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.size: dict[int, int] = {}
        self.depth: dict[int, int] = {}
        self.scalars: set[int] = set()
        self.on_path: set[int] = set()
        self.pending: dict[int, tuple[int, list[yaml.Node]]] = {}

    def expand(self, node: yaml.CollectionNode) -> list[yaml.Node]:
        """The collections below ``node`` not expanded yet; its scalars are counted here."""
        self.on_path.add(id(node))
        if isinstance(node, yaml.MappingNode):
            _check_duplicate_keys(node, self.name)
        own, nested = 1, []
        for child in _children(node):
            if isinstance(child, yaml.ScalarNode):
                own += 1
                self.scalars.add(id(child))
            elif id(child) in self.on_path:
                raise InputFileError(
                    self.name, "recursive alias (an anchor used inside itself); refused", line=_line(child)
                )
            else:
                nested.append(child)
        self.pending[id(node)] = (own, nested)
        return [child for child in nested if id(child) not in self.size]

    def finish(self, node: yaml.Node) -> None:
        """Size and depth of ``node`` once every collection below it is finished; refuse it over a limit."""
        key = id(node)
        own, nested = self.pending.pop(key)
        self.size[key] = own + sum(self.size[id(child)] for child in nested)
        self.depth[key] = 1 + max((self.depth[id(child)] for child in nested), default=1 if own > 1 else 0)
        self.on_path.discard(key)
        if self.size[key] - len(self.size) - len(self.scalars) > MAX_ALIAS_NODES:
            raise InputFileError(
                self.name,
                f"aliases expand to more than {MAX_ALIAS_NODES:,} extra nodes (an alias bomb?); refused",
                line=_line(node),
            )
        if self.depth[key] > MAX_DEPTH:
            raise _too_deep(self.name, _line(self.deepest(node)))

    def deepest(self, node: yaml.Node) -> yaml.Node:
        """The innermost node on the deepest path below ``node``, whose line an error can show."""
        while children := _children(node):
            node = max(children, key=lambda child: self.depth.get(id(child), 1))
        return node


def _check_duplicate_keys(node: yaml.MappingNode, name: str) -> None:
    keys = [(key.tag, key.value) for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
    if len(set(keys)) == len(keys):
        return
    seen: set[tuple[str, str]] = set()
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        key = (key_node.tag, key_node.value)
        if key in seen:
            raise InputFileError(name, f"duplicate key '{key_node.value}'", line=_line(key_node))
        seen.add(key)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})


class _Constructor(SafeConstructor):
    """PyYAML's safe constructor; a value that cannot be built (a date like 2025-13-45, an integer of more than
    4,300 digits, a number literal long enough to cost quadratic time) is an error at the node's line."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """The Python value of ``node``, or a :class:`ConstructorError` at its line."""
        if node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
            raise ConstructorError(None, None, f"a number of more than {MAX_NUMBER_CHARS} characters", node.start_mark)
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except Exception as error:  # PyYAML checks explicitly tagged values only in part (``!!timestamp x``)
            raise ConstructorError(None, None, str(error) or type(error).__name__, node.start_mark) from None


def _construct(root: yaml.Node, name: str) -> Any:
    try:
        return _Constructor().construct_document(root)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = None if mark is None else mark.line + 1
        raise InputFileError(name, f"not valid YAML: {_one_line(error.problem or error)}", line=line) from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as error:
        raise InputFileError(name, f"not valid YAML: {_one_line(error)}") from None


def load_json(text: str, name: str) -> Any:
    """The value of one JSON document: nesting at most :data:`MAX_DEPTH` deep, no ``NaN`` or ``Infinity``.

    Raises :class:`InputFileError` naming ``name`` (and the line of a syntax error).
    """
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as error:
        raise InputFileError(name, f"not valid JSON: {error.msg}", line=error.lineno) from None
    except RecursionError:
        raise _too_deep(name, None) from None
    except ValueError as error:  # NaN, Infinity, 1e400 or an integer of more than 4,300 digits
        raise InputFileError(name, f"not valid JSON: {error}") from None
    if _json_depth_exceeds(data, MAX_DEPTH):
        raise _too_deep(name, None)
    return data


def _refuse_constant(literal: str) -> float:
    raise ValueError(f"{literal} is not a number chipshift accepts (only finite numbers)")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"{literal[:40]} is too large for a finite number")
    return value


def _json_depth_exceeds(data: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, level = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if level + 1 > limit:
                    return True
                stack.append((child, level + 1))
    return False


def load_package_yaml(package: str, *parts: str) -> tuple[Any, yaml.Node | None]:
    """A YAML file shipped in a chipshift package (``"chipshift.perf", "data", "efficiency.yaml"``), parsed by
    :func:`load_yaml` with the same checks as a user's file; errors name it as ``package/part/...``."""
    text = resources.files(package).joinpath(*parts).read_text(encoding="utf-8")
    return load_yaml(text, "/".join((package.replace(".", "/"), *parts)))


def load_yaml_model(
    path: Path | str,
    model: type[Model],
    *,
    text: str | None = None,
    limit_bytes: int = DEFAULT_INPUT_LIMIT_BYTES,
    what: str = "YAML file",
    expected: str | None = None,
    field_name: FieldName | None = None,
) -> Model:
    """A YAML file (or ``text``, named ``path``) validated as ``model``; an empty file is an empty mapping.

    ``expected`` says what the top level should be when it is not a mapping; ``field_name`` names a field in errors
    (default: the dotted path, ``targets[1].min_share``). Raises :class:`InputFileError` with file, line and field.
    """
    name = str(path)
    if text is None:
        text = read_input_text(path, limit_bytes=limit_bytes, what=what)
    data, root = load_yaml(text, name)
    return validate_model(model, {} if data is None else data, root, name, expected=expected, field_name=field_name)


def validate_model(
    model: type[Model],
    data: Any,
    root: yaml.Node | None,
    name: str,
    *,
    expected: str | None = None,
    field_name: FieldName | None = None,
) -> Model:
    """``data`` (parsed from ``root`` of file ``name``) validated as ``model``, with errors located as above."""
    if not isinstance(data, dict):
        raise InputFileError(name, expected or "expected a mapping of fields at the top level", line=1)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise validation_error(error, data, root, name, field_name=field_name) from None


def validation_error(
    error: ValidationError, data: Any, root: yaml.Node | None, name: str, *, field_name: FieldName | None = None
) -> InputFileError:
    """The first pydantic error as an :class:`InputFileError` at its line and field, the next three in brief."""
    describe = field_name or (lambda _data, location: dotted(location))
    first, *others = error.errors()
    line, location = locate(root, first["loc"])
    problem = first["msg"] + _more_problems(others, data, root, describe)
    return InputFileError(name, problem, line=line, field=describe(data, location) or None)


def _more_problems(others: list[Any], data: Any, root: yaml.Node | None, describe: FieldName, shown: int = 3) -> str:
    if not others:
        return ""
    parts = [f"'{describe(data, locate(root, e['loc'])[1])}': {e['msg']}" for e in others[:shown]]
    more = f" and {len(others) - shown} more" if len(others) > shown else ""
    return "; also " + "; ".join(parts) + more


def locate(root: yaml.Node | None, location: Location) -> tuple[int | None, list[int | str]]:
    """The line of the YAML node at a pydantic error location (or of its nearest parent), and the location as the
    file spells it: pydantic's own steps (union members such as ``InferenceWorkload``, ``function-after[...]``,
    ``[key]``) are left out, and a mapping key is a string even where pydantic reads it as a number."""
    node = root
    line = None if root is None else _line(root)
    shown: list[int | str] = []
    for step in location:
        child = None if node is None else _child(node, step)
        if child is None and _is_pydantic_step(step):
            continue
        shown.append(str(step) if isinstance(node, yaml.MappingNode) else step)  # a key 2025 is not an index
        node = child
        if child is not None:
            line = _line(child)
    return line, shown


def _child(node: yaml.Node, step: int | str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((value for key, value in node.value if getattr(key, "value", None) == str(step)), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        child: yaml.Node = node.value[step]
        return child
    return None


def _is_pydantic_step(step: int | str) -> bool:
    return isinstance(step, str) and (step[:1].isupper() or "[" in step or step.startswith("function-"))


def line_of(root: yaml.Node | None, location: Location) -> int | None:
    """The line of the YAML node at ``location`` (keys and list indexes), or of its nearest parent."""
    return locate(root, location)[0]


def dotted(location: Location) -> str:
    """A location as a dotted path with list indexes: ``workloads[0].ttft_ms``."""
    text = ""
    for step in location:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text
