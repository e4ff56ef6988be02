"""Migrate sources, files and trees to a target. Never writes: see :mod:`chipshift.migrate.apply` for that."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import libcst as cst

from chipshift.migrate.notebook import NotebookError, migrate_notebook
from chipshift.migrate.outcome import (
    FileFailed,
    FileMigrated,
    FileOutcome,
    MigrationResult,
)
from chipshift.migrate.source import migrate_source
from chipshift.migrate.target import Target

SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".venv", "venv", "node_modules", ".tox", "build"})


def migrate_file(path: Path, target: Target, *, mark: bool = False) -> FileOutcome:
    """Migrate one file, as a result value: never raises for a bad file."""
    try:
        source = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return FileFailed(path, f"cannot read: {error}")
    try:
        if path.suffix == ".ipynb":
            return FileMigrated(path, migrate_notebook(source, target, mark=mark))
        return FileMigrated(path, migrate_source(source, target, mark=mark))
    except NotebookError as error:
        return FileFailed(path, str(error))
    except cst.ParserSyntaxError as error:
        where = "a code cell" if path.suffix == ".ipynb" else f"line {error.raw_line}"
        return FileFailed(path, f"{where}: not valid Python ({error.message})")
    except SyntaxError as error:
        where = "a code cell" if path.suffix == ".ipynb" else f"line {error.lineno}"
        return FileFailed(path, f"{where}: not valid Python ({error.msg})")


def gather_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Python files and notebooks under ``paths``, in a stable order, skipping VCS and virtualenv folders."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                if child.is_file() and child.suffix in (".py", ".ipynb") and not SKIPPED_DIRS & set(relative[:-1]):
                    yield child
        else:
            yield path


PARALLEL_MIN_FILES = 16
"""Fewer files than this are migrated in this process (starting workers costs more)."""


def migrate_paths(
    paths: Iterable[Path], target: Target, *, mark: bool = False, jobs: int | None = None
) -> MigrationResult:
    """Migrate every Python file under ``paths``; one outcome per file, in a stable order.

    ``jobs`` worker processes share the files (default: all cores); outcomes do not depend on the count.
    """
    files = list(gather_files(paths))
    workers = min(jobs or os.cpu_count() or 1, max(1, len(files) // PARALLEL_MIN_FILES))
    if workers <= 1:
        outcomes = tuple(migrate_file(path, target, mark=mark) for path in files)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            migrate_one = partial(migrate_file, target=target, mark=mark)
            outcomes = tuple(pool.map(migrate_one, files, chunksize=max(1, len(files) // (workers * 8))))
    return MigrationResult(target=target.name, files=outcomes)
