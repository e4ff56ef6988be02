"""One bad file never stops a scan (issue 17): each is a skip with its reason and the other files are reported.

Every hostile file sits beside a good one; the scan must exit as its findings say (never 70), write its report,
list the bad file with a reason and still report the good file's findings.
"""

from __future__ import annotations

import faulthandler
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chipshift.cli.main import app
from chipshift.scan import analyze as scan_analyze
from chipshift.scan import scan_paths
from chipshift.scan import workers as scan_workers
from chipshift.scan.model import FileOutcome

GOOD = "import torch\ntorch.cuda.synchronize()\n"
"""A good file: one CS105 finding at line 2."""


def _notebook(**document: Any) -> str:
    """Notebook JSON; its metadata holds CUDA text, so that the prefilter never rules the file out."""
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {"note": GOOD}, **document})


def _code_cell(source: Any, **extra: Any) -> dict[str, Any]:
    return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source, **extra}


BAD_NOTEBOOKS = {
    "cells-not-a-list.ipynb": (_notebook(cells={"0": _code_cell(GOOD)}), "'cells' is an object, not a list"),
    "source-a-number.ipynb": (_notebook(cells=[_code_cell(42)]), "cell 0 'source' is a number"),
    "source-list-of-numbers.ipynb": (_notebook(cells=[_code_cell(["import torch\n", 7])]), "cell 0 'source' is a list"),
    "cell-a-string.ipynb": (_notebook(cells=["import torch"]), "cell 0 is str, not an object"),
    "no-cells.ipynb": (_notebook(), "neither 'cells' (nbformat 4) nor 'worksheets'"),
    "worksheets-a-number.ipynb": (_notebook(nbformat=3, worksheets=3), "'worksheets' is not a list"),
    "top-level-list.ipynb": (json.dumps([GOOD]), "top level is not an object"),
    "deep.ipynb": (
        '{"source": "import torch\\ntorch.cuda.synchronize()", "cells": ' + "[" * 20_000 + "]" * 20_000 + "}",
        "JSON nested too deeply",
    ),
    "nul-in-cell.ipynb": (_notebook(cells=[_code_cell(GOOD + "x = 1\u0000\n")]), "null bytes"),
    "truncated.ipynb": (_notebook(cells=[_code_cell(GOOD)])[:-3], "not valid notebook JSON"),
}


def _cli_json(*paths: Path, out: Path) -> tuple[int, str, dict[str, Any]]:
    args = ["scan", *map(str, paths), "--no-cache", "-j", "1", "-f", "json", "-o", str(out), "--fail-on", "low"]
    result = CliRunner().invoke(app, args)
    report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    return result.exit_code, result.stderr, report


def test_every_bad_notebook_is_skipped_and_the_good_files_reported(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name, (text, _) in BAD_NOTEBOOKS.items():
        (repo / name).write_text(text, encoding="utf-8")
    (repo / "good.py").write_text(GOOD, encoding="utf-8")
    (repo / "good.ipynb").write_text(_notebook(cells=[_code_cell(GOOD)]), encoding="utf-8")
    code, err, report = _cli_json(repo, out=tmp_path / "scan.json")
    assert code == 1 and "internal error" not in err  # --fail-on low: the good files' CS105
    reasons = {Path(s["path"]).name: s["reason"] for s in report["result"]["skipped"]}
    for name, (_, reason) in BAD_NOTEBOOKS.items():
        assert reason in reasons.pop(name), name
    assert reasons == {}
    found = {(Path(f["path"]).name, f["line"], f["rule_id"]) for f in report["result"]["findings"]}
    assert found == {("good.py", 2, "CS105"), ("good.ipynb", 2, "CS105")}


def test_garbage_in_outputs_and_metadata_does_not_matter(tmp_path: Path) -> None:
    """Only cells, their type and their code are read; whatever else a notebook holds is never looked at."""
    cell = _code_cell(GOOD, outputs="garbage", execution_count={"x": []}, metadata=[1, 2])
    notebook = tmp_path / "odd.ipynb"
    notebook.write_text(_notebook(cells=[{"cell_type": 5}, cell], metadata="nonsense"), encoding="utf-8")
    result = scan_paths([notebook], jobs=1, use_cache=False)
    assert [(f.cell, f.line, f.rule_id) for f in result.findings] == [(1, 2, "CS105")] and not result.skipped


def test_nbformat_3_code_is_read_from_input(tmp_path: Path) -> None:
    worksheet = {"cells": [{"cell_type": "markdown", "source": "# cuda"},
                           {"cell_type": "code", "language": "python", "input": ["import torch\n", "x.cuda()\n"],
                            "outputs": [], "prompt_number": 1}]}  # fmt: skip
    notebook = tmp_path / "old.ipynb"
    notebook.write_text(json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [worksheet]}), encoding="utf-8")
    result = scan_paths([notebook], jobs=1, use_cache=False)
    assert [(f.cell, f.line, f.rule_id) for f in result.findings] == [(1, 2, "CS131")]


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("attributes.py", "import torch\nx = torch" + ".cuda" * 900 + "\n", "nested too deeply to analyse"),
        ("deeper.py", "import torch\nx = torch" + ".cuda" * 20_000 + "\n", "cannot parse: RecursionError"),
        ("sum.py", GOOD + "x = " + "+".join(["1"] * 800) + "\n", "nested too deeply to analyse"),
        ("longer_sum.py", GOOD + "x = " + "+".join(["1"] * 5_000) + "\n", "cannot parse: RecursionError"),
        ("parens.py", GOOD + "x = " + "(" * 300 + ")" * 300 + "\n", "too many nested parentheses"),
        ("setup.py", "import torch\nsetup(install_requires=" + "[" * 150 + "]" * 150 + ")\n" + GOOD, ""),
    ],
)
def test_deep_python_is_a_skip_not_a_crash(tmp_path: Path, name: str, text: str, reason: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    code, err, report = _cli_json(tmp_path, out=tmp_path / "scan.json")
    assert code == 1 and "internal error" not in err
    skipped = {Path(s["path"]).name: s["reason"] for s in report["result"]["skipped"]}
    assert reason in skipped.get(name, "") if reason else name not in skipped
    assert ("good.py", 2, "CS105") in {
        (Path(f["path"]).name, f["line"], f["rule_id"]) for f in report["result"]["findings"]
    }


def test_huge_single_line_files_of_every_kind_are_scanned(tmp_path: Path) -> None:
    long = "x" * 1_000_000
    files = {
        "one_line.py": f"import torch; torch.cuda.synchronize(); s = '{long}'\n",
        "Dockerfile": f"FROM nvidia/cuda:12.1 AS {long}\n",
        "requirements.txt": f"flash-attn  # {long}\n",
        "kernel.cu": f"__global__ void k() {{ }} // {long}\n",
        "CMakeLists.txt": f"project(x LANGUAGES CUDA) # {long}\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = scan_paths([tmp_path], jobs=1, use_cache=False)
    assert not result.skipped
    assert {(Path(f.path).name, f.line) for f in result.findings} >= {(name, 1) for name in files}


def test_an_analyzer_that_raises_costs_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **options: Any) -> None:
        raise IndexError("a bug in the C++ analyzer")

    monkeypatch.setattr(scan_analyze, "analyze_cpp", broken)
    (tmp_path / "kernel.cu").write_text("__global__ void k() {}\n", encoding="utf-8")
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    result = scan_paths([tmp_path], jobs=1, use_cache=False)
    assert [(s.path.endswith("kernel.cu"), s.reason) for s in result.skipped] == [
        (True, "analyzer failed (cuda): IndexError: a bug in the C++ analyzer")
    ]
    assert [f.rule_id for f in result.findings] == ["CS105"]


@pytest.mark.skipif(sys.platform != "linux" or os.cpu_count() == 1, reason="fork-started pools on Linux")
def test_a_worker_that_dies_costs_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real, test_process = scan_workers.analyze_file, os.getpid()

    def dies_on_boom(source: Any, *args: Any) -> FileOutcome:
        if source.path.name == "boom.py":
            assert os.getpid() != test_process, "boom.py must be analysed in a worker"
            os._exit(9)  # as a segfault or the out-of-memory killer would end the worker
        return real(source, *args)

    monkeypatch.setattr(scan_workers, "analyze_file", dies_on_boom)  # forked workers inherit it
    for index in range(60):  # two workers from 48 files
        (tmp_path / f"m{index:02}.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "boom.py").write_text(GOOD, encoding="utf-8")
    result = scan_paths([tmp_path], jobs=2, use_cache=False)
    assert [(Path(s.path).name, s.reason) for s in result.skipped] == [
        ("boom.py", "the analyzer process died on this file (a crash or out of memory)")
    ]
    assert sorted(Path(f.path).name for f in result.findings) == [f"m{index:02}.py" for index in range(60)]


@pytest.mark.skipif(sys.platform != "linux", reason="the memory cap reads /proc/self/statm")
def test_a_large_file_that_wants_too_much_memory_is_a_skip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tree-sitter wants about 2.4 KB per byte of a<a<a...; under a 64 MiB cap its child process gives up."""
    monkeypatch.setattr(scan_workers, "ISOLATED_MIN_BYTES", 100_000)
    monkeypatch.setattr(scan_workers, "ISOLATED_MEMORY_BYTES", 64 * 1024 * 1024)
    cap_memory = scan_workers._cap_memory

    def quiet_cap(extra_bytes: int) -> None:  # tree-sitter may segfault there: no faulthandler dump in the log
        faulthandler.disable()
        cap_memory(extra_bytes)

    monkeypatch.setattr(scan_workers, "_cap_memory", quiet_cap)
    (tmp_path / "ambiguous.cu").write_text("__global__ void k() { x = a" + "<a" * 100_000 + ";}\n", encoding="utf-8")
    (tmp_path / "kernel.cu").write_text("__global__ void k() {}\n" + "// padding\n" * 12_000, encoding="utf-8")
    result = scan_paths([tmp_path], jobs=1, use_cache=False)
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert reasons.keys() == {"ambiguous.cu"}
    assert "64 MiB" in reasons["ambiguous.cu"] or "out of memory" in reasons["ambiguous.cu"]
    assert [(Path(f.path).name, f.rule_id) for f in result.findings] == [("kernel.cu", "CS401")]


def test_deeply_nested_cpp_is_analysed(tmp_path: Path) -> None:
    """tree-sitter's parent lookup walks down from the root; the tree walk must not ask it (cubic before)."""
    source = "__global__ void k() { f" + "<a" * 20_000 + "; cudaMalloc(p, 4); }\n"
    (tmp_path / "nested.cu").write_text(source, encoding="utf-8")
    result = scan_paths([tmp_path], jobs=1, use_cache=False)
    assert {f.rule_id for f in result.findings} >= {"CS401"} and not result.skipped


def test_scanned_and_migrated_code_is_never_run(tmp_path: Path) -> None:
    """Files that would leave a mark if imported, executed or evaluated: scan (two workers) and migrate leave none."""
    repo, marker = tmp_path / "repo", tmp_path / "ran"
    repo.mkdir()
    touch = f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n"
    for name in ("evil.py", "setup.py", "conftest.py", "__init__.py", "__main__.py", "noxfile.py"):
        (repo / name).write_text(touch + GOOD, encoding="utf-8")
    (repo / "pyproject.toml").write_text('[build-system]\nrequires = ["torch"]\nbuild-backend = "evil"\n')
    (repo / "cells.ipynb").write_text(_notebook(cells=[_code_cell(touch + GOOD)]), encoding="utf-8")
    code, err, report = _cli_json(repo, out=tmp_path / "scan.json")
    assert code == 1 and "internal error" not in err and report["result"]["findings"]
    assert CliRunner().invoke(app, ["migrate", str(repo), "--patch", str(tmp_path / "p.patch")]).exit_code == 0
    assert (tmp_path / "p.patch").read_text() and not marker.exists()
