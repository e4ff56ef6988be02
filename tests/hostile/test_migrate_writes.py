"""``chipshift migrate --write`` never loses a byte (issue 17): every file or none, nothing git cannot restore
without a backup, modes, links, byte-order marks and line endings kept, no temporary file left behind."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipshift.cli.main import app
from chipshift.migrate import writing

runner = CliRunner()
CUDA = "import torch\n\nmodel = Net().cuda()\n"
DEVICE = 'device = torch.accelerator.current_accelerator(check_available=True) or torch.device("cpu")\n'
PORTED = "import torch\n" + DEVICE + "\nmodel = Net().to(device)\n"


def migrate(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["migrate", *args])
    return result.exit_code, result.stderr


def git(repo: Path, *args: str) -> str:
    identity = ["-c", "user.email=t@example.com", "-c", "user.name=t"]
    return subprocess.run(["git", *identity, *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def commit_all(repo: Path) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "state")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    for name in ("a.py", "b.py", "c.py"):
        (root / name).write_text(CUDA)
    commit_all(root)
    monkeypatch.chdir(root)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def no_temporary_files(root: Path) -> bool:
    leftovers = [p for p in root.rglob("*") if p.name.endswith((".tmp", ".chipshift-tmp"))]
    staging = root / ".git" / writing.STAGING_FOLDER
    return not leftovers and (not staging.exists() or not any(staging.iterdir()))


def test_an_ignored_file_is_refused_and_nothing_is_written(repo: Path) -> None:
    (repo / ".gitignore").write_text("generated.py\n")
    commit_all(repo)
    (repo / "generated.py").write_text(CUDA)
    before = snapshot(repo)
    code, err = migrate(".", "--write")
    assert code == 2
    assert "generated.py: not tracked by git (ignored or untracked)" in err and "--backup" in err
    assert "nothing written" in err
    assert snapshot(repo) == before


def test_a_modified_file_is_refused(repo: Path) -> None:
    (repo / "b.py").write_text(CUDA + "# my edit\n")
    before = snapshot(repo)
    code, err = migrate(".", "--write")
    assert code == 2 and "b.py: has uncommitted changes" in err
    assert snapshot(repo) == before


def test_a_second_write_changes_nothing(repo: Path) -> None:
    """migrate is idempotent: on its own committed output it rewrites no byte and leaves the tree clean."""
    code, err = migrate(".", "--write")
    assert code == 0 and "3 changed" in err
    commit_all(repo)
    after = snapshot(repo)
    code, err = migrate(".", "--write")
    assert code == 0 and "3 file(s), 0 changed (0 rewrites)" in err
    assert snapshot(repo) == after and after["a.py"] == PORTED.encode()
    assert git(repo, "status", "--porcelain") == "" and no_temporary_files(repo)


def test_a_file_outside_any_work_tree_needs_a_backup(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "train.py").write_text(CUDA)
    code, err = migrate(str(loose), "--write")
    assert code == 2 and "not in a git work tree" in err
    assert (loose / "train.py").read_text() == CUDA
    code, _ = migrate(str(loose), "--write", "--backup")
    assert code == 0
    assert (loose / "train.py").read_text() == PORTED
    assert (loose / "train.py.chipshift-orig").read_text() == CUDA


def test_a_read_only_file_is_refused_even_with_backup(repo: Path) -> None:
    (repo / "b.py").chmod(0o444)
    before = snapshot(repo)
    code, err = migrate(".", "--write", "--backup")
    assert code == 2 and "b.py: read-only (mode 0444)" in err
    assert snapshot(repo) == before
    assert stat.S_IMODE((repo / "b.py").stat().st_mode) == 0o444
    assert not list(repo.glob("*.chipshift-orig"))


def test_a_hard_linked_file_is_refused(repo: Path) -> None:
    os.link(repo / "c.py", repo.parent / "elsewhere.py")
    code, err = migrate(".", "--write")
    assert code == 2 and "c.py: has 2 hard links" in err
    assert (repo.parent / "elsewhere.py").read_text() == CUDA


def test_a_symbolic_link_stays_a_link_and_its_target_is_written_once(repo: Path) -> None:
    (repo / "link.py").symlink_to("a.py")
    commit_all(repo)
    code, err = migrate(".", "--write")
    assert code == 0, err
    assert (repo / "link.py").is_symlink() and os.readlink(repo / "link.py") == "a.py"
    assert (repo / "a.py").read_text() == PORTED
    assert "3 file(s)" in err  # a.py, b.py, c.py: the link is the same file as a.py


def test_a_link_to_a_file_git_cannot_restore_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text(CUDA)
    (repo / "link.py").symlink_to(outside)
    commit_all(repo)
    code, err = migrate(".", "--write")
    assert code == 2 and "link.py: not in a git work tree" in err
    assert outside.read_text() == CUDA and (repo / "link.py").is_symlink()


def test_byte_order_mark_crlf_and_mode_are_kept(repo: Path) -> None:
    (repo / "a.py").write_bytes(b"\xef\xbb\xbf" + CUDA.replace("\n", "\r\n").encode())
    (repo / "a.py").chmod(0o750)
    commit_all(repo)
    code, err = migrate(".", "--write")
    assert code == 0, err
    data = (repo / "a.py").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].decode() == PORTED.replace("\n", "\r\n")
    assert stat.S_IMODE((repo / "a.py").stat().st_mode) == 0o750
    assert no_temporary_files(repo)


def test_a_failure_half_way_restores_every_file(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(repo)
    real_replace = os.replace
    calls: list[str] = []

    def fail_on_third(source: str | Path, destination: str | Path) -> None:
        calls.append(str(destination))
        if len(calls) == 3:
            raise PermissionError(13, "Permission denied", str(destination))
        real_replace(source, destination)

    monkeypatch.setattr(writing.os, "replace", fail_on_third)
    code, err = migrate(".", "--write")
    assert code == 2
    assert "nothing written, every file is as it was" in err and "c.py: Permission denied" in err
    assert snapshot(repo) == before
    assert no_temporary_files(repo)


def test_an_interruption_half_way_restores_every_file(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(repo)
    real_replace = os.replace
    calls: list[str] = []

    def interrupt_on_second(source: str | Path, destination: str | Path) -> None:
        calls.append(str(destination))
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_replace(source, destination)

    monkeypatch.setattr(writing.os, "replace", interrupt_on_second)
    code, err = migrate(".", "--write", "--backup")
    assert code == 130 and "interrupted: nothing written" in err
    assert snapshot(repo) == before  # the backups made before the interruption are gone too
    assert no_temporary_files(repo)


def test_a_full_disk_while_staging_writes_nothing(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(repo)
    real_stage = writing.stage_file
    calls: list[str] = []

    def full_on_second(folder: Path, name: str, data: bytes, *, like: Path | None) -> Path:
        calls.append(name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_stage(folder, name, data, like=like)

    monkeypatch.setattr(writing, "stage_file", full_on_second)
    code, err = migrate(".", "--write")
    assert code == 2 and "No space left on device" in err
    assert snapshot(repo) == before
    assert no_temporary_files(repo)


def test_a_backup_never_overwrites_an_earlier_one(repo: Path) -> None:
    (repo / "a.py.chipshift-orig").write_text("the true original\n")
    code, _ = migrate("a.py", "--write", "--backup")
    assert code == 0
    assert (repo / "a.py.chipshift-orig").read_text() == "the true original\n"
    assert (repo / "a.py.chipshift-orig.1").read_text() == CUDA


def test_a_run_killed_earlier_is_reported_and_its_leftovers_removed(repo: Path) -> None:
    # What `kill -9` leaves: a staging folder named after a dead process, its journal, a staged file, and a
    # temporary file beside a target. a.py was already replaced by that run; b.py and c.py were not.
    (repo / "a.py").write_text(PORTED)
    commit_all(repo)
    dead = _dead_pid()
    staging = repo / ".git" / writing.STAGING_FOLDER / f"{dead}-1"
    staging.mkdir(parents=True)
    digest = writing._digest  # the journal's own digest
    entries = [
        {"path": str((repo / name).resolve()), "original": digest(CUDA.encode()), "new": digest(PORTED.encode())}
        for name in ("a.py", "b.py", "c.py")
    ]
    (staging / writing.JOURNAL).write_text(json.dumps({"pid": dead, "files": entries}))
    (staging / f".b.py.{dead}.abcdefgh.chipshift-tmp").write_text(PORTED)
    (repo / f".c.py.{dead}.abcdefgh.chipshift-tmp").write_text(PORTED)
    code, err = migrate(".", "--write")
    assert code == 0, err
    assert "was killed after writing 1 of 3 file(s)" in err and "a.py" in err
    assert no_temporary_files(repo)
    assert (repo / "b.py").read_text() == PORTED and (repo / "c.py").read_text() == PORTED


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid
