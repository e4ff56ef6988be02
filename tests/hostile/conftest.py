"""Shared helpers of the hostile corpus: run the CLI as a user would and check that a refusal is a clean one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
