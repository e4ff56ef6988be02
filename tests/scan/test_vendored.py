"""Vendored trees (issue 14, item 4): CUDA code bundled from elsewhere (``third_party/``, ``cutlass/``,
``composable_kernel/``) is reported apart and not costed, unless ``--include-vendored``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipshift.cli.main import app
from chipshift.scan import ScanResult, scan_paths
from chipshift.scan.discover import is_vendored

KERNEL = "__global__ void add(float* x) { x[threadIdx.x] += 1; }\nvoid run() { cudaDeviceSynchronize(); }\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("import torch\ntorch.cuda.synchronize()\n")
    bundled = tmp_path / "third_party" / "cutlass" / "include"
    bundled.mkdir(parents=True)
    (bundled / "gemm.cu").write_text(KERNEL)
    (tmp_path / "csrc" / "composable_kernel").mkdir(parents=True)
    (tmp_path / "csrc" / "composable_kernel" / "ck.cu").write_text(KERNEL)
    return tmp_path


@pytest.mark.parametrize(
    ("path", "vendored"),
    [
        ("third_party/cutlass/include/gemm.cu", True),
        ("csrc/composable_kernel/ck.cu", True),
        ("pkg/_vendor/six.py", True),
        ("src/train.py", False),
        ("cutlass.py", False),  # a file named so is the project's own
    ],
)
def test_vendored_folders(path: str, vendored: bool) -> None:
    assert is_vendored(path) is vendored


def test_vendored_findings_are_apart_and_not_costed(repo: Path) -> None:
    result = scan_paths([repo], ["portable"], use_cache=False, jobs=1)
    assert {Path(f.path).relative_to(repo).as_posix() for f in result.findings} == {"src/train.py"}
    assert {Path(f.path).relative_to(repo).parts[0] for f in result.vendored} == {"third_party", "csrc"}
    own = ScanResult(result.roots, result.targets, result.findings)
    assert result.effort_person_days("portable") == own.effort_person_days("portable")
    counted = scan_paths([repo], ["portable"], use_cache=False, jobs=1, include_vendored=True)
    assert counted.vendored == []
    assert len(counted.findings) == len(result.findings) + len(result.vendored)
    assert counted.effort_person_days("portable") > result.effort_person_days("portable")
    assert ScanResult.from_dict(result.to_dict()).vendored == result.vendored


def test_the_cli_says_what_it_left_out(repo: Path) -> None:
    run = CliRunner().invoke(app, ["scan", str(repo), "-t", "portable", "--no-cache", "-f", "json"])
    assert run.exit_code == 0, run.output
    assert "findings in vendored code or copies not counted" in run.stderr
    assert f"{repo.as_posix()}/third_party/" in run.stderr and "--include-vendored counts them" in run.stderr
    report = json.loads(run.stdout)["result"]
    assert report["vendored"] and all("third_party" not in f["path"] for f in report["findings"])
    counted = CliRunner().invoke(app, ["scan", str(repo), "-t", "portable", "--no-cache", "--include-vendored"])
    assert counted.exit_code == 0 and "vendored" not in counted.stderr


def test_a_second_copy_of_a_file_is_vendored(repo: Path) -> None:
    (repo / "build_copy" / "src").mkdir(parents=True)
    (repo / "build_copy" / "src" / "train.py").write_text((repo / "src" / "train.py").read_text())
    result = scan_paths([repo], ["portable"], use_cache=False, jobs=1)
    assert {Path(f.path).relative_to(repo).as_posix() for f in result.findings} == {"src/train.py"}
    assert "build_copy/src/train.py" in {Path(f.path).relative_to(repo).as_posix() for f in result.vendored}
    counted = scan_paths([repo], ["portable"], use_cache=False, jobs=1, include_vendored=True)
    assert len({f.path for f in counted.findings}) == 4


def test_files_alike_under_other_names_are_the_projects_own(repo: Path) -> None:
    (repo / "src" / "eval.py").write_text((repo / "src" / "train.py").read_text())
    result = scan_paths([repo], ["portable"], use_cache=False, jobs=1)
    assert {Path(f.path).name for f in result.findings} == {"train.py", "eval.py"}
