"""Dependency files: requirements*.txt, pyproject.toml, setup.cfg, setup.py, environment.yml.

Each is reduced to requirement lines with their line numbers (TOML through ``tomllib``, setup.py through ``ast``,
conda files through :func:`chipshift.datafiles.load_yaml`, which refuses alias bombs), then package-name and
requirement-text rules run on them.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

from chipshift.datafiles import load_yaml
from chipshift.scan.finding import Finding
from chipshift.scan.rules import Rule

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_SNIPPET_CHARS = 200


def normalise(name: str) -> str:
    """PEP 503 normalised package name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines(kind: str, text: str, name: str = "<text>") -> Iterator[tuple[int, str]]:
    """(line, requirement or option text) pairs of a dependency file of ``kind`` (``name`` is shown in errors)."""
    if kind == "requirements":
        yield from _plain_lines(text)
    elif kind == "setup-cfg":
        yield from _plain_lines(text, strip_keys=True)
    elif kind == "pyproject":
        yield from _toml_lines(text)
    elif kind == "conda":
        yield from _conda_lines(text, name)
    elif kind == "setup-py":
        yield from _setup_py_lines(text)


def _plain_lines(text: str, *, strip_keys: bool = False) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if strip_keys and "=" in line and not line.startswith(("-", "--")):
            line = line.split("=", 1)[1].strip()
        if line and not line.startswith(("#", ";", "[")):
            yield number, line


def _locate(text: str, value: str) -> int:
    index = text.find(value)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _toml_lines(text: str) -> Iterator[tuple[int, str]]:
    data = tomllib.loads(text)
    project = data.get("project", {})
    tool = data.get("tool", {})
    sections = [project.get("dependencies", []), project.get("optional-dependencies", {}),
                data.get("dependency-groups", {}), tool.get("poetry", {}).get("dependencies", {}),
                tool.get("uv", {}), tool.get("pdm", {}).get("dev-dependencies", {})]  # fmt: skip
    for value in _strings(sections):
        yield _locate(text, value), value
    poetry = tool.get("poetry", {}).get("dependencies", {})
    for name in poetry if isinstance(poetry, dict) else []:
        yield _locate(text, name), name


def _conda_lines(text: str, name: str) -> Iterator[tuple[int, str]]:
    data = load_yaml(text, name)[0] or {}  # an alias bomb raises InputFileError: scan makes the file a skip
    if not isinstance(data, dict):
        return
    for value in _strings([data.get("dependencies", []), data.get("channels", [])]):
        yield _locate(text, value), value.replace("::", " ")


def _setup_py_lines(text: str) -> Iterator[tuple[int, str]]:
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in ("install_requires", "extras_require", "setup_requires"):
            for constant in ast.walk(node.value):
                if isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                    yield constant.lineno, constant.value


def analyze_dependencies(kind: str, text: str, path: str, rules: list[Rule]) -> list[Finding]:
    """Findings of the dependency rules in one dependency file."""
    source_lines = text.splitlines()
    findings = []
    for line, requirement in requirement_lines(kind, text, path):
        for rule, shown in _matches(requirement, rules):
            snippet = source_lines[line - 1].strip()[:_SNIPPET_CHARS] if line <= len(source_lines) else requirement
            findings.append(
                Finding(rule.id, path, line, 1, f"{rule.title}: {shown}", rule.category, rule.severity.label,
                        rule.confidence, snippet)
            )  # fmt: skip
    return findings


def _matches(requirement: str, rules: list[Rule]) -> Iterator[tuple[Rule, str]]:
    name_match = _NAME.match(requirement) if not requirement.startswith("-") else None
    name = normalise(name_match.group(1)) if name_match else None
    for rule in rules:
        if rule.match.package and name and any(fnmatchcase(name, normalise(p)) for p in rule.match.package):
            yield rule, name
        elif rule.match.requirement_regex:
            found = re.search(rule.match.requirement_regex, requirement)
            if found:
                yield rule, found.group(0)
