"""``.gitignore``d files are left out of a scan in a git repository (issue 14, item 4) and counted; ``--no-gitignore``
scans them; outside a repository everything is scanned; nothing of the repository runs (its file-system monitor hook
is turned off)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipshift.cli.main import app
from chipshift.scan import scan_paths

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
CUDA = "import torch\ntorch.cuda.synchronize()\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, timeout=300)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "build" / "lib").mkdir(parents=True)
    git(root, "init", "-q")
    (root / ".gitignore").write_text("build/\n*.gen.py\n")
    (root / "train.py").write_text(CUDA)
    (root / "build" / "lib" / "copy.py").write_text(CUDA)
    (root / "kernel.gen.py").write_text(CUDA)
    (root / "kept.gen.py").write_text(CUDA)
    git(root, "add", "-f", "kept.gen.py")  # tracked: never left out, whatever .gitignore says
    return root


def scanned(root: Path, **options: bool) -> tuple[set[str], int]:
    result = scan_paths([root], ["portable"], use_cache=False, jobs=1, **options)
    return {Path(f.path).relative_to(root).as_posix() for f in result.findings}, result.gitignored


def test_ignored_files_are_left_out_and_counted(repo: Path) -> None:
    assert scanned(repo) == ({"train.py", "kept.gen.py"}, 2)


def test_a_subfolder_of_the_repository_follows_its_gitignore(repo: Path) -> None:
    (repo / "src").mkdir()
    (repo / "src" / "model.py").write_text(CUDA)
    (repo / "src" / "model.gen.py").write_text(CUDA)
    assert scanned(repo / "src") == ({"model.py"}, 1)


def test_an_ignored_folder_named_to_scan_is_scanned_whole(repo: Path) -> None:
    """A package unpacked into an ignored folder (``build/``, a benchmark's ``.cache/``) and scanned by name: the
    rules of the repository around it do not empty the scan."""
    assert scanned(repo / "build") == ({"lib/copy.py"}, 0)
    assert scanned(repo / "build" / "lib") == ({"copy.py"}, 0)


def test_an_ignored_folder_is_found_as_it_lies_named_as_dot_or_through_a_link(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = tmp_path / "link"
    link.symlink_to(repo / "build")
    assert scanned(link) == ({"lib/copy.py"}, 0)
    monkeypatch.chdir(repo / "build")
    assert scanned(Path(".")) == ({"lib/copy.py"}, 0)


def test_a_repository_inside_an_ignored_folder_keeps_its_own_rules(repo: Path) -> None:
    """A clone under another repository's ignored folder (or under a home folder kept in git) is the top of a
    repository of its own: its .gitignore applies, the outer repository's does not."""
    inner = repo / "build" / "clone"
    (inner / "gen").mkdir(parents=True)
    git(inner, "init", "-q")
    (inner / ".gitignore").write_text("gen/\n")
    (inner / "gen" / "g.py").write_text(CUDA)
    (inner / "s.py").write_text(CUDA)
    assert scanned(inner) == ({"s.py"}, 1)


def test_no_gitignore_scans_everything(repo: Path) -> None:
    assert scanned(repo, use_gitignore=False) == ({"train.py", "kept.gen.py", "build/lib/copy.py", "kernel.gen.py"}, 0)


def test_outside_a_repository_everything_is_scanned(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.py\n")  # no repository: no git rules apply
    (tmp_path / "train.py").write_text(CUDA)
    assert scanned(tmp_path) == ({"train.py"}, 0)


def test_the_repository_s_fsmonitor_hook_never_runs(repo: Path) -> None:
    marker = repo.parent / "hook-ran"
    hook = repo.parent / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    git(repo, "config", "core.fsmonitor", str(hook))
    assert scanned(repo) == ({"train.py", "kept.gen.py"}, 2)
    assert not marker.exists()


def test_the_cli_says_how_many_and_json_carries_the_count(repo: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(app, ["scan", str(repo), "-t", "portable", "--no-cache", "--json"])
    assert done.exit_code == 0, done.output
    assert "2 files left out by .gitignore; --no-gitignore scans them" in done.stderr
    assert json.loads(done.stdout)["result"]["gitignored"] == 2
    again = runner.invoke(app, ["scan", str(repo), "-t", "portable", "--no-cache", "--json", "--no-gitignore"])
    assert json.loads(again.stdout)["result"]["gitignored"] == 0
    assert "left out by .gitignore" not in again.stderr


def test_a_submodule_or_a_linked_folder_does_not_turn_gitignore_off_for_the_rest(repo: Path, tmp_path: Path) -> None:
    """git refuses the whole list (exit 128: "is in submodule", "is beyond a symbolic link") when one path is in a
    submodule or under a symbolic link; such files are scanned as without git, and the rest still follows .gitignore."""
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    (other / "s.py").write_text(CUDA)
    git(other, "add", "s.py")
    git(other, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "s")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(other), "sub")
    (repo / "real").mkdir()
    (repo / "real" / "r.py").write_text(CUDA)
    (repo / "linked").symlink_to(repo / "real")
    found, ignored = scanned(repo)
    assert ignored == 2 and {"train.py", "kept.gen.py", "sub/s.py", "real/r.py"} <= found
    assert not {"build/lib/copy.py", "kernel.gen.py"} & found
