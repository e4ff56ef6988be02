"""Finding the files to scan under the given paths, and what kind each one is.

Symbolic links to directories are followed once: a link back into a directory already being walked is reported as
a symlink loop and not entered. Broken links and unreadable directories are reported, never raised.
"""

from __future__ import annotations

import enum
import functools
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from chipshift.scan.model import SkippedFile

SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", "__pycache__", "node_modules", ".tox", ".nox", ".mypy_cache", ".ruff_cache",
     ".pytest_cache", ".venv", "venv", ".eggs", ".ipynb_checkpoints"}
)  # fmt: skip
"""Directories never entered: version control, caches, virtual environments."""


class FileKind(enum.StrEnum):
    """Which analyzer reads a file."""

    PYTHON = "python"
    NOTEBOOK = "notebook"
    CUDA = "cuda"
    CPP = "cpp"
    REQUIREMENTS = "requirements"
    PYPROJECT = "pyproject"
    SETUP_CFG = "setup-cfg"
    CONDA = "conda"
    DOCKER = "docker"
    CI = "ci"
    SHELL = "shell"
    BUILD = "build"


_BY_SUFFIX = {
    ".py": FileKind.PYTHON,
    ".pyi": FileKind.PYTHON,
    ".ipynb": FileKind.NOTEBOOK,
    ".cu": FileKind.CUDA,
    ".cuh": FileKind.CUDA,
    ".hip": FileKind.CUDA,
    ".c": FileKind.CPP,
    ".cc": FileKind.CPP,
    ".cpp": FileKind.CPP,
    ".cxx": FileKind.CPP,
    ".h": FileKind.CPP,
    ".hh": FileKind.CPP,
    ".hpp": FileKind.CPP,
    ".hxx": FileKind.CPP,
    ".sh": FileKind.SHELL,
    ".bash": FileKind.SHELL,
    ".cmake": FileKind.BUILD,
    ".dockerfile": FileKind.DOCKER,
}
_REQUIREMENTS = re.compile(r"^(requirements.*|.*-requirements|constraints.*)\.(txt|in)$")
_CI_NAMES = {".gitlab-ci.yml", "azure-pipelines.yml", "jenkinsfile", ".travis.yml", "bitbucket-pipelines.yml"}


VENDORED_DIRS = frozenset(
    {"third_party", "third-party", "thirdparty", "3rdparty", "vendor", "vendored", "_vendor", "cutlass",
     "composable_kernel"}
)  # fmt: skip
"""Folders that hold someone else's code bundled into a repository (CUTLASS, AMD's composable_kernel, ``third_party``):
their findings are reported apart and not costed by default."""


def is_vendored(relative_path: str) -> bool:
    """Whether a file (its path relative to the scan root) lies in a vendored folder (:data:`VENDORED_DIRS`)."""
    return any(part.lower() in VENDORED_DIRS for part in relative_path.split("/")[:-1])


def file_kind(path: Path) -> FileKind | None:
    """The kind of ``path`` from its name and folder, or None when no analyzer reads it."""
    name = path.name.lower()
    parent = path.parent.as_posix().lower()
    if name in ("dockerfile", "containerfile") or name.startswith("dockerfile."):
        return FileKind.DOCKER
    if name == "pyproject.toml":
        return FileKind.PYPROJECT
    if name == "setup.cfg":
        return FileKind.SETUP_CFG
    if name in ("environment.yml", "environment.yaml", "conda.yml", "conda.yaml", "meta.yaml"):
        return FileKind.CONDA
    if _REQUIREMENTS.match(name) or (parent.endswith("requirements") and name.endswith((".txt", ".in"))):
        return FileKind.REQUIREMENTS
    if name == "cmakelists.txt":
        return FileKind.BUILD
    if name in _CI_NAMES or (name.endswith((".yml", ".yaml")) and parent.endswith((".github/workflows", ".circleci"))):
        return FileKind.CI
    return _BY_SUFFIX.get(path.suffix.lower())


@dataclass(frozen=True)
class SourceFile:
    """A file to scan."""

    path: Path
    """Path as found under the root."""
    root: Path
    """The scan root it was found under."""
    kind: FileKind
    """Which analyzer reads it."""
    library: bool = False
    """Part of a multi-backend package (:mod:`chipshift.multibackend.library`): its backend-specific
    implementations are not lock-in."""
    default_backend: bool = False
    """In such a package, a module beside the per-backend folders of a dispatch folder (DeepSpeed's ``op_builder/``
    next to ``cpu/``, ``npu/``, ``xpu/`` ...): the default (CUDA) backend's implementation, not lock-in."""
    root_modules: frozenset[str] = frozenset()
    """Names importable from the top of the scan root (:func:`chipshift.scan.analyze.root_modules`), set by the
    engine once per root: the project's own API."""

    @property
    def relative(self) -> str:
        """Path relative to the root, POSIX separators."""
        try:
            return self.path.relative_to(self.root).as_posix()
        except ValueError:
            return self.path.name


def discover(root: Path) -> Iterator[SourceFile | SkippedFile]:
    """Files to scan under ``root`` (a file or a directory), and what could not be entered."""
    if not root.exists() and not root.is_symlink():
        yield SkippedFile(root.as_posix(), "does not exist")
        return
    if root.is_file():
        kind = file_kind(root)
        if kind is None:
            yield SkippedFile(root.as_posix(), "not a file type chipshift scans")
        else:
            yield SourceFile(root, root.parent, kind)
        return
    yield from _walk(root, root, {_identity(root)})


def _identity(path: Path) -> tuple[int, int]:
    info = path.stat()
    return (info.st_dev, info.st_ino)


def _walk(directory: Path, root: Path, ancestors: set[tuple[int, int]]) -> Iterator[SourceFile | SkippedFile]:
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as error:
        yield SkippedFile(directory.as_posix(), f"unreadable directory: {error.strerror or error}")
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()
            is_file = entry.is_file()
        except OSError as error:
            yield SkippedFile(path.as_posix(), f"unreadable: {error.strerror or error}")
            continue
        if entry.is_symlink() and not is_dir and not is_file:
            yield SkippedFile(path.as_posix(), "broken or looping symbolic link")
        elif is_dir:
            if entry.name in SKIPPED_DIRS:
                continue
            yield from _enter(path, root, ancestors, entry.is_symlink())
        elif is_file:
            kind = file_kind(path)
            if kind is not None:
                yield SourceFile(path, root, kind)


def _enter(
    path: Path, root: Path, ancestors: set[tuple[int, int]], is_link: bool
) -> Iterator[SourceFile | SkippedFile]:
    try:
        identity = _identity(path)
    except OSError as error:
        yield SkippedFile(path.as_posix(), f"unreadable directory: {error.strerror or error}")
        return
    if identity in ancestors:
        yield SkippedFile(path.as_posix(), "symbolic link loop (points to a directory already being scanned)")
        return
    if is_link and _inside(path.resolve(), root.resolve()):
        return  # the target is scanned where it lies; do not count its files twice
    yield from _walk(path, root, ancestors | {identity})


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


GIT_TIMEOUT_S = 300
"""A guard against a git that hangs (a locked or network file system), far beyond what asking about files takes."""


def gitignored(root: Path, paths: Sequence[Path]) -> frozenset[Path]:
    """The files of ``paths`` (found under ``root``) that the ``.gitignore`` rules of the git repository holding
    ``root`` leave out, as ``git check-ignore`` says (tracked files never are). Empty when git is missing, ``root`` is
    in no repository (or one git refuses to read), or git fails: then everything is scanned, as without git. Empty
    too when ``root`` itself is ignored (a package unpacked into an ignored ``.cache/`` or ``vendor/`` folder): a
    folder named on the command line is scanned whole, whatever the repository around it leaves out (the folder's own
    ``.gitignore`` included: git says every file under an ignored folder is ignored, whatever rule is nearer).

    Only git runs, with its file-system monitor hook turned off; nothing of the repository is executed.
    """
    git = shutil.which("git")
    directory = root if root.is_dir() else root.parent
    if git is None or not paths:
        return frozenset()
    askable = _askable(directory)
    paths = [path for path in paths if askable(os.path.dirname(os.path.relpath(path, directory)))]
    if not paths:
        return frozenset()
    if _ignored_itself(git, directory):
        return frozenset()
    relative = [os.path.relpath(path, directory) for path in paths]
    ignored = _check_ignore(git, directory, relative)
    return frozenset(path for path, name in zip(paths, relative, strict=True) if name in ignored)


def _ignored_itself(git: str, directory: Path) -> bool:
    """Whether the repository around ``directory`` ignores the folder itself (scanned whole, then). Asked of its
    real location (``.``, ``..`` and symbolic links resolved), and never when it is the top of a repository of its
    own (a clone inside another repository's ignored folder keeps its own rules)."""
    here = directory.resolve()
    if (here / ".git").exists() or here.parent == here:
        return False
    return bool(_check_ignore(git, here.parent, [here.name]))


def _check_ignore(git: str, directory: Path, relative: Sequence[str]) -> set[str]:
    """Which of ``relative`` (paths under ``directory``) git ignores; none when git cannot say: not a repository
    (``directory`` above the work tree included), a refusal or a failure."""
    command = [git, "-c", "core.fsmonitor=false", "-C", str(directory), "check-ignore", "--stdin", "-z"]
    environment = {name: value for name, value in os.environ.items() if name not in _GIT_LOCATION_VARIABLES}
    environment.update(GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    feed = b"".join(os.fsencode(name) + b"\0" for name in relative)
    try:
        done = subprocess.run(
            command, input=feed, capture_output=True, timeout=GIT_TIMEOUT_S, env=environment, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    if done.returncode not in (0, 1):  # 1: nothing ignored; 128: not a repository, or git refused
        return set()
    return {os.fsdecode(name) for name in done.stdout.split(b"\0") if name}


_GIT_LOCATION_VARIABLES = frozenset(
    {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_CEILING_DIRECTORIES"}
)
"""The user's git location variables would point git at another repository than the one holding the scanned path."""


def _askable(directory: Path) -> Callable[[str], bool]:
    """Whether git may be asked about the files of a folder (relative to ``directory``): not one reached through a
    symbolic link or inside a submodule or nested repository, where ``git check-ignore`` refuses the whole list (exit
    128). Their files are scanned, as without git. Each folder is looked at once."""

    @functools.cache
    def askable(folder: str) -> bool:
        if folder in ("", "."):
            return True
        here = directory / folder
        if here.is_symlink() or (here / ".git").exists():
            return False
        return askable(os.path.dirname(folder))

    return askable
