"""Dockerfiles, CI workflows, shell scripts and CMake files: line rules over non-comment lines.

These files have no Python syntax tree; each rule is a regular expression over one logical line (continuations
joined), never over comments.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from chipshift.scan.finding import Finding
from chipshift.scan.rules import Rule

_SNIPPET_CHARS = 200


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each non-comment line, with backslash continuations joined."""
    start, parts = 0, list[str]()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not parts:
            start = number
        if line.startswith("#") and not parts:
            continue
        if line.endswith("\\"):
            parts.append(line[:-1])
            continue
        parts.append(line)
        yield start, " ".join(parts)
        parts = []
    if parts:
        yield start, " ".join(parts)


def analyze_lines(
    lines: list[tuple[int, str]], file_kind: str, path: str, rules: list[Rule], cell: int | None = None
) -> list[Finding]:
    """Findings of the line rules that read ``file_kind`` files."""
    findings = []
    applicable = [(re.compile(r.match.line_regex or ""), r) for r in rules if file_kind in (r.match.files or [])]
    for number, text in lines:
        for pattern, rule in applicable:
            found = pattern.search(text)
            if found:
                findings.append(
                    Finding(rule.id, path, number, found.start() + 1, f"{rule.title}: {found.group(0).strip()}",
                            rule.category, rule.severity.label, rule.confidence, text[:_SNIPPET_CHARS], cell)
                )  # fmt: skip
    return findings
