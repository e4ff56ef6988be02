"""CUDA C/C++ analysis through tree-sitter (the ``tree_sitter_cuda`` and ``tree_sitter_cpp`` grammar wheels).

No compiler, CUDA install or compilation database is needed: tree-sitter parses what it can and marks the rest as
error nodes, so a missing header or an unknown macro never stops the analysis.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from chipshift.scan.finding import Finding
from chipshift.scan.rules import Rule

_SNIPPET_CHARS = 200
_QUALIFIERS = frozenset({"__global__", "__device__", "__host__", "__shared__", "__constant__", "__managed__",
                         "__launch_bounds__", "__forceinline__", "__noinline__"})  # fmt: skip


@functools.cache
def _parser(grammar: str) -> Any:
    import tree_sitter_cpp
    import tree_sitter_cuda
    from tree_sitter import Language, Parser

    module = tree_sitter_cuda if grammar == "cuda" else tree_sitter_cpp
    return Parser(Language(module.language()))


@dataclass(frozen=True)
class CppRules:
    """The C/C++ rules, grouped by what they look at."""

    by_kind: dict[str, tuple[tuple[str, Rule], ...]]
    """Matcher kind -> (pattern, rule), most specific first."""

    @classmethod
    def build(cls, rules: list[Rule]) -> CppRules:
        """Index the C/C++ rules of ``rules``."""
        by_kind: dict[str, list[tuple[str, Rule]]] = {}
        for rule in rules:
            kind = rule.match.kind
            if not kind.startswith("cpp_"):
                continue
            value = getattr(rule.match, kind)
            patterns = value if isinstance(value, list) else ["*"]
            by_kind.setdefault(kind, []).extend((p, rule) for p in patterns)
        return cls({k: tuple(sorted(v, key=lambda pr: -len(pr[0].replace("*", "")))) for k, v in by_kind.items()})

    def best(self, kind: str, name: str) -> Rule | None:
        """The most specific rule of ``kind`` matching ``name``."""
        for pattern, rule in self.by_kind.get(kind, ()):
            if fnmatchcase(name, pattern):
                return rule
        return None


def grammar_for(suffix: str, data: bytes) -> str:
    """``cuda`` for .cu/.cuh and for C++ that uses CUDA syntax; ``cpp`` otherwise."""
    if suffix in (".cu", ".cuh") or b"<<<" in data or b"__global__" in data or b"__device__" in data:
        return "cuda"
    return "cpp"


def analyze_cpp(data: bytes, path: str, rules: CppRules, grammar: str) -> list[Finding]:
    """Findings in one C/C++/CUDA source."""
    tree = _parser(grammar).parse(data)
    lines = data.decode("utf-8", errors="replace").splitlines()
    seen: set[tuple[str, int, int]] = set()
    findings = []
    for rule, node, text in _hits(tree.root_node, rules):
        line, column = node.start_point[0] + 1, node.start_point[1] + 1
        if (rule.id, line, column) in seen:
            continue
        seen.add((rule.id, line, column))
        snippet = lines[line - 1].strip()[:_SNIPPET_CHARS] if line <= len(lines) else ""
        findings.append(
            Finding(rule.id, path, line, column, f"{rule.title}: {text}", rule.category, rule.severity.label,
                    rule.confidence, snippet)
        )  # fmt: skip
    return findings


def _hits(root: Any, rules: CppRules) -> Iterator[tuple[Rule, Any, str]]:
    """Every rule hit under ``root``, walking the tree with an explicit stack.

    Each node travels with its parent and whether it is its parent's first child: tree-sitter finds a node's parent
    by walking down from the root, which made deeply nested code (``f<a<a<a...``) cost the cube of its depth.
    """
    stack: list[tuple[Any, Any, bool]] = [(root, None, True)]
    while stack:
        node, parent, first = stack.pop()
        children = node.children
        stack.extend((child, node, index == 0) for index, child in reversed(list(enumerate(children))))
        yield from _node_hits(node, parent, first, rules)


def _text(node: Any) -> str:
    return node.text.decode("utf-8", errors="replace") if node.text is not None else ""


def _node_hits(node: Any, parent: Any, first: bool, rules: CppRules) -> Iterator[tuple[Rule, Any, str]]:
    kind = node.type
    if kind == "call_expression":
        yield from _call_hits(node, rules)
    elif kind == "preproc_include":
        header = node.child_by_field_name("path")
        if header is not None:
            name = _text(header).strip('<>"')
            rule = rules.best("cpp_include", name)
            if rule:
                yield rule, node, f"#include {_text(header)}"
    elif kind == "identifier" and parent is not None and parent.type != "call_expression":
        rule = rules.best("cpp_identifier", _text(node))
        if rule:
            yield rule, node, _text(node)
    elif kind == "type_identifier":
        rule = rules.best("cpp_type", _text(node))
        if rule:
            yield rule, node, _text(node)
    elif kind == "namespace_identifier":
        if parent is not None and parent.type == "qualified_identifier" and first:
            rule = rules.best("cpp_namespace", _text(node))
            if rule:
                yield rule, node, f"{_text(node)}::"
    elif kind == "kernel_call_syntax":
        rule = rules.best("cpp_kernel_launch", "*")
        if rule:
            function = parent.child_by_field_name("function") if parent is not None else None
            yield rule, node, _text(function or node)
    elif kind == "gnu_asm_expression":
        rule = rules.best("cpp_asm", "*")
        if rule:
            yield rule, node, re.sub(r"\s+", " ", _text(node))[:80]
    elif kind in _QUALIFIERS and node.child_count == 0:
        rule = rules.best("cpp_kernel_qualifier", kind)
        if rule:
            yield rule, node, kind


def _without_template_arguments(name: str) -> str:
    """``a<T>::f`` -> ``a::f``: on each line, from the first ``<`` to the last ``>`` (linear, unlike ``<.*>``)."""
    lines = []
    for line in name.split("\n"):
        opening, closing = line.find("<"), line.rfind(">")
        lines.append(line[:opening] + line[closing + 1 :] if 0 <= opening < closing else line)
    return "\n".join(lines)


def _call_hits(node: Any, rules: CppRules) -> Iterator[tuple[Rule, Any, str]]:
    function = node.child_by_field_name("function")
    if function is None or function.type not in ("identifier", "qualified_identifier", "template_function"):
        return
    name = _without_template_arguments(_text(function)).replace(" ", "")
    rule = rules.best("cpp_call", name)
    if rule is None and "::" in name:
        rule = rules.best("cpp_call", name.rsplit("::", 1)[1])
    if rule:
        yield rule, node, f"{name}()"
