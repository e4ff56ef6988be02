"""Shared helpers of the hostile corpus: run the CLI as a user would and check that a refusal is a clean one."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chipshift.assess import example_scenario_path
from chipshift.cli.main import app


@dataclass(frozen=True)
class Outcome:
    """Exit code and output of one CLI run."""

    code: int
    stdout: str
    stderr: str

    def refused(self, *expected: str) -> str:
        """Assert a user error: exit 2 and one line on stderr naming every ``expected`` part; the line."""
        assert self.code == 2, (self.code, self.stderr)
        line = self.stderr.strip()
        assert "\n" not in line, line
        assert line.startswith("error: "), line
        for part in expected:
            assert part in line, (part, line)
        return line


def run(*args: str | Path, stdin: str | None = None) -> Outcome:
    """``chipshift ARGS`` in this process."""
    result = CliRunner().invoke(app, [str(a) for a in args], input=stdin)
    return Outcome(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def example_text() -> str:
    """The shipped example scenario's text."""
    return example_scenario_path().read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line of ``text`` that holds ``needle``."""
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def files_in(folder: Path) -> list[str]:
    """Every file under ``folder``, relative, sorted: to show that a refused run wrote nothing."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


_WATCHED: dict[str, list[str]] = {}
"""Paths an audit hook is watching for, each with the events that touched it; see :func:`watching_opens`."""


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _WATCHED and event == "open" and args and isinstance(args[0], str | Path):
        seen = _WATCHED.get(str(args[0]))
        if seen is not None:
            seen.append(event)


@contextlib.contextmanager
def watching_opens(path: Path) -> Iterator[list[str]]:
    """A list that receives an entry each time this process opens ``path`` (through Python's ``open`` or ``io``,
    which the XML parsers' entity resolvers use) while the block runs."""
    if not getattr(sys, "_chipshift_audit", False):
        sys.addaudithook(_audit)  # hooks cannot be removed: one for the whole process, idle when nothing is watched
        sys._chipshift_audit = True  # type: ignore[attr-defined]
    seen: list[str] = []
    _WATCHED[str(path)] = seen
    try:
        yield seen
    finally:
        del _WATCHED[str(path)]
