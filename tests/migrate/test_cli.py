"""``chipshift migrate`` as a user runs it: dry run, --write guarded by git or --backup, --patch, errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipshift.cli.main import app

runner = CliRunner()
CUDA_SCRIPT = "import torch\n\nmodel = Net().cuda()  # to the GPU\n"
CLEAN_SCRIPT = "import torch\n\nx = torch.zeros(2)\n"


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["migrate", *args])
    return result.exit_code, result.stdout, result.stderr


def git(repo: Path, *args: str) -> str:
    run = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return run.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(CUDA_SCRIPT)
    (tmp_path / "clean.py").write_text(CLEAN_SCRIPT)
    return tmp_path


@pytest.fixture
def repo(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    git(project, "init", "-q")
    git(project, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".")
    git(project, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "start")
    monkeypatch.chdir(project)
    return project


def test_dry_run_prints_a_diff_and_writes_nothing(project: Path) -> None:
    code, out, err = invoke(str(project))
    assert code == 0
    assert "-model = Net().cuda()  # to the GPU\n+model = Net().to(device)  # to the GPU\n" in out
    assert "clean.py" not in out
    assert "2 file(s), 1 would change" in err
    assert "chipshift scan" in err
    assert (project / "train.py").read_text() == CUDA_SCRIPT


def test_write_outside_git_needs_backup(project: Path) -> None:
    code, _, err = invoke(str(project), "--write")
    assert code == 2
    assert "--backup" in err
    assert (project / "train.py").read_text() == CUDA_SCRIPT


def test_write_with_backup_keeps_the_original_and_leaves_clean_files(project: Path) -> None:
    clean_before = (project / "clean.py").stat().st_mtime_ns
    code, out, _ = invoke(str(project), "--write", "--backup")
    assert code == 0
    assert out == ""
    assert ".to(device)" in (project / "train.py").read_text()
    assert (project / "train.py.chipshift-orig").read_text() == CUDA_SCRIPT
    assert (project / "clean.py").stat().st_mtime_ns == clean_before
    assert not (project / "clean.py.chipshift-orig").exists()
    assert not list(project.glob(".*.tmp"))


def test_write_in_a_clean_git_tree_then_dirty_tree_is_refused(repo: Path) -> None:
    code, _, _ = invoke(".", "--write")
    assert code == 0
    assert ".to(device)" in (repo / "train.py").read_text()
    (repo / "other.py").write_text("import torch\ntorch.cuda.synchronize()\n")
    code, _, err = invoke(".", "--write")
    assert code == 2
    assert "other.py: not tracked by git" in err and "--backup" in err
    assert (repo / "other.py").read_text() == "import torch\ntorch.cuda.synchronize()\n"


def test_patch_applies_with_git(repo: Path) -> None:
    code, _, _ = invoke(".", "--patch", "port.patch", "--quiet")
    assert code == 0
    assert (repo / "train.py").read_text() == CUDA_SCRIPT
    git(repo, "apply", "port.patch")
    assert ".to(device)" in (repo / "train.py").read_text()


def test_ascend_target_and_unknown_target(project: Path) -> None:
    code, out, _ = invoke(str(project / "train.py"), "--target", "ascend")
    assert code == 0
    assert "+model = Net().npu()  # to the GPU" in out
    assert "+import torch_npu" in out
    code, _, err = invoke(str(project), "--target", "mlu9")
    assert code == 2
    assert "unknown migration target 'mlu9'" in err


def test_bad_files_are_reported_not_raised(project: Path) -> None:
    (project / "broken.py").write_text("def f(:\n    x.cuda()\n")
    (project / "notebook.ipynb").write_text("{}")
    code, _, err = invoke(str(project))
    assert code == 1
    assert "failed  " in err and "broken.py: line 1: not valid Python" in err  # CPython names the line of `def f(:`
    assert "notebook.ipynb: no 'cells' list: not a Jupyter notebook" in err


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = invoke(str(tmp_path / "nope"))
    assert code == 2
    assert "no such file or folder" in err


def test_library_mode_is_chosen_for_a_multi_backend_package_and_can_be_forced(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text('SUPPORTED = ("cuda", "npu", "xpu")\n')
    (package / "stats.py").write_text("import torch\n\n\ndef peak():\n    return torch.cuda.max_memory_allocated()\n")
    code, out, err = invoke(str(package), "--target", "ascend")
    assert code == 0
    assert "migrate --target ascend (library mode):" in err
    assert "+try:\n+    import torch_npu  # noqa: F401\n" in out
    code, out, err = invoke(str(package), "--target", "ascend", "--no-library")
    assert code == 0 and "(library mode)" not in err
    assert "+import torch_npu\n" in out
    code, out, err = invoke(str(tmp_path / "pkg" / "stats.py"), "--target", "ascend", "--library")
    assert code == 0 and "(library mode)" in err


def test_json_format_lists_every_rewrite_and_what_is_left(project: Path) -> None:
    (project / "left.py").write_text("import torch\ns = torch.cuda.Stream()\n")
    code, out, err = invoke(str(project), "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["chipshift_migrate"] == 1 and report["target"] == "portable"
    assert report["totals"] == {"files": 3, "changed": 1, "rewrites": 1, "manual": 1, "failed": 0, "skipped": 0}
    files = {Path(item["path"]).name: item for item in report["files"]}
    assert files["train.py"]["status"] == "changed"
    assert files["train.py"]["changes"][0]["rewrite"] == "cuda-method"
    assert files["left.py"]["manual"][0]["code"] == "torch.cuda.Stream"
    assert files["clean.py"] == {"path": files["clean.py"]["path"], "status": "unchanged", "changes": [], "manual": []}
    assert "migrate --target portable" in err
    assert not (project / "train.py.chipshift-orig").exists()
    assert (project / "train.py").read_text() == CUDA_SCRIPT  # a dry run: nothing written


def test_quiet_leaves_the_result_and_nothing_else(project: Path) -> None:
    """-q as every command has it (issue 15): the result (the diff) on stdout, nothing on stderr but errors."""
    (project / "left.py").write_text("import torch\ns = torch.cuda.Stream()\n")
    code, out, err = invoke(str(project), "-q")
    assert code == 0 and out.startswith("--- a/") and err == ""
    code, _, err = invoke(str(project), "--format", "xml")
    assert code == 2 and "xml" in err and "diff" in err
