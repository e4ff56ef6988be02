"""Showing and applying a migration: unified diffs, patch files, and atomic writes guarded by git state."""

from __future__ import annotations

import difflib
import shutil
import subprocess
from pathlib import Path

from chipshift.errors import ChipshiftError
from chipshift.files import write_atomically
from chipshift.migrate.outcome import FileMigrated, MigrationResult

BACKUP_SUFFIX = ".chipshift-orig"


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` where it lies under it, with forward slashes."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix().lstrip("/")


def file_diff(item: FileMigrated, root: Path) -> str:
    """Unified diff of one migrated file, in the ``a/`` ``b/`` form ``git apply`` and ``patch -p1`` accept."""
    name = display_path(item.path, root)
    lines = difflib.unified_diff(
        item.result.original.splitlines(keepends=True),
        item.result.migrated.splitlines(keepends=True),
        fromfile=f"a/{name}",
        tofile=f"b/{name}",
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def patch_text(result: MigrationResult, root: Path) -> str:
    """One patch holding the diffs of every changed file."""
    return "".join(file_diff(item, root) for item in result.migrated)


def git_dirty_files(paths: list[Path]) -> list[str] | None:
    """Uncommitted changes under ``paths`` as git reports them; None where they are not in a git work tree."""
    dirty: list[str] = []
    for path in paths:
        folder = path if path.is_dir() else path.parent
        try:
            run = subprocess.run(
                ["git", "status", "--porcelain", "--", str(path.resolve())],
                cwd=folder,
                capture_output=True,
                text=True,
                check=False,
                timeout=60,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        if run.returncode != 0:
            return None
        dirty.extend(line for line in run.stdout.splitlines() if line.strip())
    return dirty


def check_writable(paths: list[Path], *, backup: bool) -> None:
    """Refuse to write unless the files are in a clean git work tree or backups are asked for."""
    if backup:
        return
    dirty = git_dirty_files(paths)
    if dirty is None:
        raise ChipshiftError("--write needs a git work tree to undo from; these paths are not in one: pass --backup")
    if dirty:
        shown = ", ".join(dirty[:5]) + (" ..." if len(dirty) > 5 else "")
        raise ChipshiftError(f"--write needs a clean git work tree; uncommitted changes: {shown}. Commit or --backup")


def write_files(result: MigrationResult, *, backup: bool) -> list[Path]:
    """Write every changed file; files changed on disk since they were read are refused."""
    written: list[Path] = []
    for item in result.migrated:
        current = item.path.read_bytes().decode("utf-8")
        if current != item.result.original:
            raise ChipshiftError(f"{item.path}: changed on disk during the migration; nothing more written")
        if backup:
            shutil.copy2(item.path, item.path.with_name(item.path.name + BACKUP_SUFFIX))
        write_atomically(item.path, item.result.migrated)
        written.append(item.path)
    return written
