"""What git can restore: a file migrate may overwrite without a backup must be tracked and unchanged since HEAD.

An ignored, untracked or modified file, or one outside any git work tree, cannot be brought back with
``git checkout`` after a bad rewrite; :func:`unrestorable` names each such file and why.
"""

from __future__ import annotations

import subprocess
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

GIT_TIMEOUT_S = 120
_BATCH = 500


def unrestorable(files: Iterable[Path]) -> dict[Path, str]:
    """For each real path git cannot restore, the reason; files git can restore are absent."""
    groups: dict[Path | None, list[Path]] = defaultdict(list)
    for path in files:
        groups[work_tree(path.parent)].append(path)
    problems: dict[Path, str] = {}
    for top, group in groups.items():
        if top is None:
            problems.update((path, "not in a git work tree, so git cannot restore it") for path in group)
            continue
        problems.update(_problems_in(top, group))
    return problems


@lru_cache(maxsize=256)
def work_tree(folder: Path) -> Path | None:
    """The top of the git work tree holding ``folder``, or None."""
    output = _git(folder, "rev-parse", "--show-toplevel")
    return Path(output.strip()).resolve() if output is not None and output.strip() else None


def git_dir(top: Path) -> Path | None:
    """The git directory of the work tree at ``top`` (``.git`` or, for worktrees, elsewhere)."""
    output = _git(top, "rev-parse", "--absolute-git-dir")
    return Path(output.strip()) if output is not None and output.strip() else None


def _problems_in(top: Path, group: list[Path]) -> dict[Path, str]:
    relative = {path: path.relative_to(top).as_posix() for path in group}
    tracked: set[str] = set()
    changed: set[str] = set()
    names = list(relative.values())
    for start in range(0, len(names), _BATCH):
        batch = names[start : start + _BATCH]
        listed = _git(top, "--literal-pathspecs", "ls-files", "-z", "--full-name", "--", *batch)
        status = _git(
            top, "--literal-pathspecs", "status", "--porcelain=v1", "-z", "--untracked-files=no", "--", *batch
        )
        if listed is None or status is None:
            return {path: "git could not tell whether it can restore it" for path in group}
        tracked.update(name for name in listed.split("\0") if name)
        changed.update(_status_paths(status))
    problems: dict[Path, str] = {}
    for path, name in relative.items():
        if name not in tracked:
            problems[path] = "not tracked by git (ignored or untracked), so git cannot restore it"
        elif name in changed:
            problems[path] = "has uncommitted changes"
    return problems


def _status_paths(output: str) -> set[str]:
    """Paths in ``git status --porcelain=v1 -z`` output (a rename's source follows its entry: both count)."""
    paths: set[str] = set()
    entries = output.split("\0")
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        paths.add(entry[3:])
        if entry[0] in "RC":
            paths.add(entries[index])
            index += 1
    return paths


def _git(folder: Path, *arguments: str) -> str | None:
    try:
        run = subprocess.run(
            ["git", *arguments],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
            timeout=GIT_TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return run.stdout if run.returncode == 0 else None
