"""Checks that a port did not corrupt multi-backend code, comparing a source with its migrated text.

A migrated source must parse; it must not name one backend twice in a literal or a condition where the original did
not (``("xpu", "npu", "npu")``, a dict with two ``"npu"`` keys, ``x == "npu" or x == "npu"``); and every condition
and branch that handles a backend other than CUDA must still be there as it was written.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from chipshift.multibackend.names import CUDA, OTHER_BACKEND_WORDS
from chipshift.multibackend.regions import backends_of, if_chains

BACKEND_VALUES = frozenset({CUDA, "cpu", *OTHER_BACKEND_WORDS})
"""String values that name a backend in a literal (``"cuda"``, ``"npu:0"``, ``"cpu"``)."""


@dataclass(frozen=True)
class IntegrityProblem:
    """One way a migrated source corrupts multi-backend code."""

    kind: str
    """``syntax``, ``duplicated-backend`` or ``changed-branch``."""
    line: int
    """Line in the migrated source (``syntax``, ``duplicated-backend``) or in the original (``changed-branch``)."""
    detail: str
    """The code in question, shortened."""


def integrity_problems(original: str, migrated: str) -> list[IntegrityProblem]:
    """What is wrong with ``migrated`` as a port of ``original`` (empty when nothing is)."""
    try:
        after = ast.parse(migrated)
    except SyntaxError as error:
        return [IntegrityProblem("syntax", error.lineno or 0, error.msg)]
    before = ast.parse(original)
    problems = _new_duplicates(before, after, original, migrated)
    problems += _changed_branches(before, original, migrated)
    return problems


def _new_duplicates(before: ast.Module, after: ast.Module, original: str, migrated: str) -> list[IntegrityProblem]:
    old = Counter(_segment(original, node) for node in _duplicating(before))
    problems = []
    for node in _duplicating(after):
        text = _segment(migrated, node)
        if old[text] > 0:
            old[text] -= 1
        else:
            problems.append(IntegrityProblem("duplicated-backend", node.lineno, _short(text)))
    return problems


def _duplicating(tree: ast.Module) -> Iterator[ast.expr]:
    """Literals and conditions that name one backend twice."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            values = [_backend_value(e) for e in node.elts]
        elif isinstance(node, ast.Dict):
            values = [_backend_value(key) for key in node.keys if key is not None]
        elif isinstance(node, ast.BoolOp):
            values = [_compared_backend(operand) for operand in node.values]
        else:
            continue
        counts = Counter(value for value in values if value is not None)
        if any(count > 1 for count in counts.values()):
            yield node


def _backend_value(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        head = node.value.split(":", 1)[0].lower()
        return node.value.lower() if head in BACKEND_VALUES else None
    return None


def _compared_backend(node: ast.AST) -> str | None:
    """``"npu"`` for ``x == "npu"`` (what a condition compares with), with the compared expression."""
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
        value = _backend_value(node.comparators[0]) or _backend_value(node.left)
        return None if value is None else f"{ast.dump(node.left)}=={value}"
    return None


def _changed_branches(before: ast.Module, original: str, migrated: str) -> list[IntegrityProblem]:
    """Conditions of a dispatch over backends, and branches that handle another backend, of the original that are no
    longer in the migrated text (``if accelerator_name == "cuda":`` beside ``elif accelerator_name == "npu":``)."""
    wanted: Counter[str] = Counter()
    lines: dict[str, int] = {}
    for part in _backend_parts(before):
        text = _segment(original, part)
        wanted[text] += 1
        lines.setdefault(text, getattr(part, "lineno", 0))
    return [
        IntegrityProblem("changed-branch", lines[text], _short(text))
        for text, count in wanted.items()
        if migrated.count(text) < min(count, original.count(text))
    ]


def _backend_parts(tree: ast.Module) -> Iterator[ast.AST]:
    """Every condition of a chain that names another backend, and the branches under such a condition."""
    for chain in if_chains(tree):
        if any(_names_other(branch.test) for branch in chain):
            yield from (branch.test for branch in chain)
        for branch in chain:
            if _names_other(branch.test):
                yield from branch.body
    for node in ast.walk(tree):
        if isinstance(node, ast.IfExp) and _names_other(node.test):
            yield from (node.test, node.body)


def _names_other(node: ast.AST) -> bool:
    return any(backend != CUDA for backend in backends_of(node))


def _segment(source: str, node: ast.AST) -> str:
    return ast.get_source_segment(source, node) or ""


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 100 else flat[:97] + "..."
