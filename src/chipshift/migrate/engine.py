"""Migrate sources, files and trees to a target. Never writes: see :mod:`chipshift.migrate.writing` for that.

Files are migrated in guarded worker processes (:mod:`chipshift.workers`): a file that crashes the parser, nests
too deeply, is too large or takes too long is reported as failed with the reason, and the other files go on.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import libcst as cst

from chipshift.errors import ChipshiftError
from chipshift.files import decode_utf8, read_input
from chipshift.migrate.notebook import NotebookError, migrate_notebook
from chipshift.migrate.outcome import UTF8_BOM, FileFailed, FileMigrated, FileOutcome, MigrationResult
from chipshift.migrate.source import migrate_source
from chipshift.migrate.target import MigrationTarget
from chipshift.multibackend import dispatch_folders, is_multi_backend_package
from chipshift.workers import Crashed, Limits, Progress, run_guarded

SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".venv", "venv", "node_modules", ".tox", "build"})


@dataclass(frozen=True)
class MigrateLimits:
    """What one file may cost; beyond it the file is reported as failed and left as it is."""

    max_file_bytes: int = 1024 * 1024
    """Largest file migrated (LibCST needs about 1 GB and a minute for a 400 KB one-line list)."""
    max_nesting: int = 1000
    """Deepest syntax tree migrated (LibCST's work grows with the square of the depth)."""
    seconds_per_file: float | None = 120.0
    """Wall-clock limit per file."""
    memory_bytes: int | None = 4 * 1024**3
    """Memory a worker may use beyond what it starts with."""


DEFAULT_LIMITS = MigrateLimits()


def migrate_file(
    path: Path,
    target: MigrationTarget,
    *,
    mark: bool = False,
    limits: MigrateLimits = DEFAULT_LIMITS,
    library: bool = False,
    module_path: str = "",
    default_backend: bool = False,
) -> FileOutcome:
    """Migrate one file in this process, as a result value: never raises for a bad file.

    ``library``, ``module_path`` (the file's path in the tree) and ``default_backend``: see
    :func:`chipshift.migrate.migrate_source`.
    """
    try:
        data = read_input(path, limit_bytes=limits.max_file_bytes, what="source file")
        source = decode_utf8(data, str(path))
    except ChipshiftError as error:
        return FileFailed(path, error.message.removeprefix(f"{path}:").strip())
    bom = data.startswith(UTF8_BOM)
    try:
        if path.suffix == ".ipynb":
            return FileMigrated(path, migrate_notebook(source, target, mark=mark), bom=bom)
        check_nesting(source, limits.max_nesting)
        migration = migrate_source(
            source, target, mark=mark, library=library, module_path=module_path, default_backend=default_backend
        )
        return FileMigrated(path, migration, bom=bom)
    except NotebookError as error:
        return FileFailed(path, str(error))
    except TooDeepError as error:
        return FileFailed(path, str(error))
    except cst.ParserSyntaxError as error:
        where = "a code cell" if path.suffix == ".ipynb" else f"line {error.raw_line}"
        return FileFailed(path, f"{where}: not valid Python ({error.message})")
    except SyntaxError as error:
        where = "a code cell" if path.suffix == ".ipynb" else f"line {error.lineno}"
        return FileFailed(path, f"{where}: not valid Python ({error.msg})")


class TooDeepError(ValueError):
    """A source whose syntax tree is deeper than the limit."""


def check_nesting(source: str, limit: int) -> None:
    """Raise :class:`TooDeepError` if the syntax tree of ``source`` is deeper than ``limit`` (an iterative walk).

    Invalid Python raises ``SyntaxError`` here, with its line, before LibCST sees it.
    """
    try:
        tree = ast.parse(source)
    except ValueError as error:  # null bytes, on Python 3.11
        raise SyntaxError(str(error)) from None
    stack: list[tuple[ast.AST, int, int]] = [(tree, 1, 1)]
    while stack:
        node, depth, line = stack.pop()
        line = getattr(node, "lineno", line)
        if depth > limit:
            raise TooDeepError(f"line {line}: nested more than {limit:,} levels deep: not migrated (left as it is)")
        stack.extend((child, depth + 1, line) for child in ast.iter_child_nodes(node))


def gather_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Python files and notebooks under ``paths``, in a stable order, skipping VCS and virtualenv folders.

    A file reached twice (named twice, or through a symbolic link to a file also found) is given once.
    """
    seen: set[Path] = set()
    for path in _candidates(paths):
        real = path.resolve()
        if real not in seen:
            seen.add(real)
            yield path


def _candidates(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                if child.is_file() and child.suffix in (".py", ".ipynb") and not SKIPPED_DIRS & set(relative[:-1]):
                    yield child
        else:
            yield path


def migrate_paths(
    paths: Iterable[Path],
    target: MigrationTarget,
    *,
    mark: bool = False,
    jobs: int | None = None,
    limits: MigrateLimits = DEFAULT_LIMITS,
    progress: Progress | None = None,
    library: bool | None = None,
) -> MigrationResult:
    """Migrate every Python file under ``paths``; one outcome per file, in a stable order.

    ``jobs`` guarded worker processes share the files (default: all cores); outcomes do not depend on the count.
    A file whose worker crashes or runs past the limits is a :class:`FileFailed` with the reason. ``library``:
    port as a multi-backend library; None decides per path given (:func:`library_mode`).
    """
    paths = list(paths)
    files = list(gather_files(paths))
    modes = {path: library_mode([path]) if library is None else library for path in paths}
    workers = min(jobs or os.cpu_count() or 1, len(files))
    guard = Limits(seconds_per_item=limits.seconds_per_file, memory_bytes=limits.memory_bytes)
    dispatch = _dispatch_folders(files, paths)
    work = [_FileWork(file, *_place(file, paths, modes), file.parent in dispatch) for file in files]
    migrate_one = partial(_migrate_work, target=target, mark=mark, limits=limits)
    results = run_guarded(migrate_one, work, workers=workers, limits=guard, progress=progress)
    outcomes = tuple(_outcome(result) for result in results)
    return MigrationResult(target=target.name, files=outcomes, library=any(modes.values()))


@dataclass(frozen=True)
class _FileWork:
    """One file to migrate, with its place in the tree it was found in."""

    path: Path
    library: bool
    module_path: str
    beside_backends: bool
    """The file lies beside per-backend folders (:func:`chipshift.multibackend.dispatch_folders`)."""


def _place(file: Path, roots: list[Path], modes: dict[Path, bool]) -> tuple[bool, str]:
    """Library mode and the path inside its tree of a file found under one of ``roots``."""
    for root in roots:
        if root.is_dir() and file.is_relative_to(root):
            return modes[root], file.relative_to(root).as_posix()
    return next((modes[root] for root in roots if root == file), False), file.name


def _dispatch_folders(files: list[Path], roots: list[Path]) -> set[Path]:
    """Folders beside which modules are the default backend's, decided under each folder given on the command line
    apart, as scan decides them under each root (:func:`chipshift.multibackend.dispatch_folders`)."""
    found: set[Path] = set()
    for root in roots:
        if root.is_dir():
            found |= dispatch_folders((file, root) for file in files if file.is_relative_to(root))
    return found


def _migrate_work(work: _FileWork, **options: Any) -> FileOutcome:
    default_backend = work.library and work.beside_backends
    return migrate_file(
        work.path, library=work.library, module_path=work.module_path, default_backend=default_backend, **options
    )


def library_mode(paths: Iterable[Path], limits: MigrateLimits = DEFAULT_LIMITS) -> bool:
    """Whether the Python files under ``paths`` form a multi-backend package, ported in library mode (no
    unconditional vendor import, no device resolved at import time, backend-specific implementations left as they
    are; :mod:`chipshift.multibackend`)."""
    files = [file for file in gather_files(paths) if file.suffix == ".py"]
    if not any(file.name == "__init__.py" for file in files):
        return False
    return is_multi_backend_package((file.as_posix(), _text(file, limits)) for file in files)


def _text(path: Path, limits: MigrateLimits) -> str:
    try:
        return decode_utf8(read_input(path, limit_bytes=limits.max_file_bytes, what="source file"), str(path))
    except ChipshiftError:
        return ""


def _outcome(result: FileOutcome | Crashed[_FileWork]) -> FileOutcome:
    if isinstance(result, Crashed):
        return FileFailed(result.item.path, f"not migrated, left as it is: {result.reason}")
    return result
