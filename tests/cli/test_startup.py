"""The command line starts without its heavy engines, and its light copies of engine choices match the engines.

No timing here (the figures are in ``benchmarks/bench_startup.py``): a fresh interpreter builds the app, runs a
command, and reports which packages it imported.
"""

from __future__ import annotations

import enum
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chipshift.catalog import ChipKind, DomesticBasis
from chipshift.cli import choices
from chipshift.fleet.views import Breakdown
from chipshift.plan import ExecutorKind
from chipshift.report import Language, ReportFormat
from chipshift.scan import Severity
from chipshift.scan.formats import ScanFormat

SRC = Path(__file__).resolve().parents[2] / "src"
HEAVY = ("sqlalchemy", "alembic", "scipy", "numpy", "highspy", "libcst", "tree_sitter", "torch", "pymcdm", "jinja2")
"""Packages no command may pay for at start-up unless it uses them."""

RUN = """
import contextlib, io, json, sys
from chipshift.cli.main import app
args = json.loads(sys.argv[1])
with contextlib.redirect_stdout(io.StringIO()):
    try:
        app(args, prog_name="chipshift")
    except SystemExit as done:
        assert not done.code, done.code
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def imported_by(args: list[str]) -> set[str]:
    """Top-level packages a fresh interpreter has imported after running ``chipshift ARGS``."""
    env = {name: value for name, value in os.environ.items() if name != "CHIPSHIFT_CATALOG"}
    env["PYTHONPATH"] = str(SRC)
    done = subprocess.run(
        [sys.executable, "-c", RUN, json.dumps(args)], env=env, capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout))


@pytest.mark.parametrize(
    "args", [["--help"], ["chips", "list"], ["scan", "--help"], ["estimate", "--help"], ["fleet", "status", "--help"]]
)
def test_building_the_app_imports_no_heavy_engine(args: list[str]) -> None:
    assert imported_by(args) & set(HEAVY) == set()


def test_the_help_does_not_even_load_the_catalog() -> None:
    assert {"pydantic", "yaml"} & imported_by(["--help"]) == set()


COPIES: list[tuple[type[enum.Enum], type[enum.Enum]]] = [
    (choices.ChipKind, ChipKind),
    (choices.DomesticBasis, DomesticBasis),
    (choices.Breakdown, Breakdown),
    (choices.ExecutorKind, ExecutorKind),
    (choices.ScanFormat, ScanFormat),
    (choices.ReportFormat, ReportFormat),
    (choices.Language, Language),
]


@pytest.mark.parametrize(("copy", "original"), COPIES, ids=[copy.__name__ for copy, _ in COPIES])
def test_every_cli_copy_of_a_choice_equals_the_engines(copy: type[enum.Enum], original: type[enum.Enum]) -> None:
    assert [(m.name, m.value) for m in copy] == [(m.name, m.value) for m in original]
    assert all(choices.engine_enum(original, member) is original[member.name] for member in copy)


def test_fail_on_lists_every_severity() -> None:
    assert tuple(s.label for s in sorted(Severity)) == choices.SEVERITY_LABELS
