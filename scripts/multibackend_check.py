#!/usr/bin/env python3
"""Port real multi-backend packages and check that nothing multi-backend was corrupted (issue 14, first "done when").

Each ROOT (a package folder: accelerate, DeepSpeed's ``accelerator/``, diffusers ...) is migrated in memory to each
target, as ``chipshift migrate`` would (library mode chosen the same way), and every migrated file is checked with
:func:`chipshift.multibackend.integrity.integrity_problems`: it parses, names no backend twice in a literal or a
condition where the original did not, and keeps every condition and branch that handles a non-CUDA backend as
written. Nothing is written. Get the packages with ``pip download --no-deps accelerate deepspeed diffusers`` into a
folder of your own and unpack them (wheels are zip files; DeepSpeed comes as an sdist):

    python scripts/multibackend_check.py /tmp/pkgs/accelerate /tmp/pkgs/deepspeed-0.19.8/accelerator \
        /tmp/pkgs/diffusers [--target ascend --target portable] [--jobs 2] [--show 5]

Prints one line per root and target with the figures, then each problem; exit status 1 when there is any.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from chipshift.migrate import FileMigrated, load_target, migrate_paths
from chipshift.migrate.engine import library_mode
from chipshift.multibackend.integrity import IntegrityProblem, integrity_problems


def check(root: Path, target: str, jobs: int, show: int) -> int:
    """Migrate ``root`` to ``target``, print the figures and up to ``show`` problems; the number of problems."""
    started = time.perf_counter()
    library = library_mode([root])
    result = migrate_paths([root], load_target(target), jobs=jobs, library=library)
    problems: list[tuple[Path, IntegrityProblem]] = []
    changed = 0
    for item in result.files:
        if isinstance(item, FileMigrated) and item.result.changed:
            changed += 1
            found = integrity_problems(item.result.original, item.result.migrated)
            problems += [(item.path, problem) for problem in found]
    kinds = {kind: sum(1 for _, p in problems if p.kind == kind) for kind in _KINDS}
    rewrites = sum(len(item.result.changes) for item in result.migrated)
    print(
        f"{root} --target {target}{' (library mode)' if library else ''}: {len(result.files)} files, {changed} "
        f"changed, {rewrites} rewrites, {len(result.manual)} left for manual work, {len(result.failed)} failed; "
        f"syntax errors {kinds['syntax']}, duplicated backend names {kinds['duplicated-backend']}, changed non-CUDA "
        f"branches {kinds['changed-branch']} ({time.perf_counter() - started:.0f} s)"
    )
    for path, problem in problems[:show]:
        print(f"  {path}:{problem.line}: {problem.kind}: {problem.detail}")
    for failed in result.failed:
        print(f"  failed {failed.path}: {failed.reason}")
    return len(problems)


_KINDS = ("syntax", "duplicated-backend", "changed-branch")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="+", type=Path)
    parser.add_argument("--target", action="append", dest="targets")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--show", type=int, default=10, help="problems printed per root and target")
    args = parser.parse_args()
    total = 0
    for root in args.roots:
        for target in args.targets or ["ascend", "portable"]:
            total += check(root, target, args.jobs, args.show)
    print(f"total problems: {total}")
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
