"""Helpers of the fleet part of the hostile corpus: run ``chipshift fleet`` as a user would, count what is stored."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from chipshift.cli.main import app

GOOD_REGISTER = b"site,model,count,serial\nlab,H20,1,SN-GOOD-1\nlab,910B,1,SN-GOOD-2\n"


@dataclass(frozen=True)
class Run:
    """Exit code and output of one CLI run."""

    code: int
    stdout: str
    stderr: str

    def refused(self, *expected: str) -> str:
        """Assert a user error: exit 2, one line on stderr starting ``error:`` and naming each ``expected`` part."""
        assert self.code == 2, (self.code, self.stderr[-2000:])
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, lines[:10]
        line = lines[0]
        assert line.startswith("error: "), line
        assert "internal error" not in line and "Traceback" not in self.stderr
        for part in expected:
            assert part in line, (part, line)
        return line


def fleet(*args: str | Path, stdin: bytes | None = None, env: dict[str, str] | None = None) -> Run:
    """``chipshift fleet ARGS`` in this process."""
    result = CliRunner().invoke(app, ["fleet", *(str(a) for a in args)], input=stdin, env=env)
    return Run(result.exit_code, result.stdout, result.stderr)


def stored(path: Path) -> tuple[int, int]:
    """(snapshots, device rows) in a SQLite fleet database, read without chipshift."""
    with sqlite3.connect(path) as connection:
        snapshots = connection.execute("SELECT count(*) FROM fleet_snapshots").fetchone()[0]
        devices = connection.execute("SELECT count(*) FROM fleet_devices").fetchone()[0]
    return snapshots, devices


def seeded_database(folder: Path) -> Path:
    """A fleet database holding one good register (1 snapshot, 2 devices)."""
    database = folder / "fleet.sqlite"
    register = folder / "good.csv"
    register.write_bytes(GOOD_REGISTER)
    run = fleet("ingest", register, "--db", database)
    assert run.code == 0, run.stderr
    assert stored(database) == (1, 2)
    return database
