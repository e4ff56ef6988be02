"""Showing a migration: unified diffs and patch files (writing files is :mod:`chipshift.migrate.writing`)."""

from __future__ import annotations

import difflib
from pathlib import Path

from chipshift.migrate.outcome import FileMigrated, MigrationResult


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
