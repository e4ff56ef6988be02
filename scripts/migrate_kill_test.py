#!/usr/bin/env python3
"""Kill ``chipshift migrate --write`` at random points and check that no file is ever lost or half-written.

The tree is a git repository with many CUDA scripts plus the hard cases: a git-ignored file, read-only files (one
with nothing to port, one with CUDA code in some rounds), a symbolic link, a file with a UTF-8 byte-order mark and
one with CRLF line endings. Each round resets the tree, starts ``chipshift migrate . --write`` (with ``--backup`` in
three rounds of four, so that the ignored file may be written; without it the run must refuse), and kills it with
SIGKILL: half the rounds at a random time over the whole run, half a random few milliseconds after its staging folder
appears (the write phase).

After each kill every file must be byte-identical to its original or to its fully migrated text, keep its mode, a
link must stay a link, a backup must hold the original, and the work tree must hold no temporary file. Then a run
to completion must port everything and clear what the killed run left. Exit status 1 on any violation.

    python scripts/migrate_kill_test.py [--rounds 20] [--files 120] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CUDA = "import torch\n\nmodel = Net().cuda()\nx = torch.zeros(4, device='cuda')\ntorch.cuda.synchronize()\n"
PLAIN = "import math\n\nprint(math.pi)\n"
STAGING = Path(".git") / "chipshift-migrate"


def git(root: Path, *args: str) -> None:
    identity = ["-c", "user.email=kill@example.com", "-c", "user.name=kill"]
    subprocess.run(["git", *identity, *args], cwd=root, check=True, capture_output=True)


def build_tree(root: Path, files: int) -> None:
    """The repository at its committed state, plus the ignored file (never committed)."""
    root.mkdir()
    git(root, "init", "-q")
    package = root / "pkg"
    package.mkdir()
    for index in range(files):
        (package / f"m{index:04}.py").write_text(CUDA + f"\nVALUE = {index}\n")
    (root / "bom.py").write_bytes(b"\xef\xbb\xbf" + CUDA.encode())
    (root / "crlf.py").write_bytes(CUDA.replace("\n", "\r\n").encode())
    (root / "target.py").write_text(CUDA)
    (root / "link.py").symlink_to("target.py")
    (root / "readonly_plain.py").write_text(PLAIN)
    (root / ".gitignore").write_text("ignored.py\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "tree")


def reset_tree(root: Path, readonly_cuda: bool) -> None:
    """Committed state; the ignored file; modes for this round; nothing left by an earlier round."""
    git(root, "checkout", "-q", "--", ".")
    subprocess.run(["git", "clean", "-q", "-f", "-x"], cwd=root, check=True)  # what a killed run staged stays
    (root / "ignored.py").write_text(CUDA)
    (root / "readonly_plain.py").chmod(0o444)
    (root / "crlf.py").chmod(0o444 if readonly_cuda else 0o640)


def state(root: Path) -> Tree:
    """Every file of the work tree: bytes (or link target) and mode."""
    found: Tree = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if ".git" in relative.parts or path.is_dir():
            continue
        if path.is_symlink():
            found[relative.as_posix()] = (os.readlink(path), 0)
        else:
            found[relative.as_posix()] = (path.read_bytes(), path.stat().st_mode & 0o7777)
    return found


def run_migrate(root: Path, backup: bool) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "chipshift", "migrate", ".", "--write", "--quiet"]
    return subprocess.Popen(
        command + (["--backup"] if backup else []), cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


Tree = dict[str, tuple[bytes | str, int]]


def expected_after_full_run(root: Path, backup: bool, readonly_cuda: bool) -> tuple[Tree, float, float]:
    """The tree after one uninterrupted run (in a copy), the run's duration and its write phase's."""
    copy = root.parent / "expected"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, symlinks=True)
    started = time.monotonic()
    process = run_migrate(copy, backup)
    writing_from = wait_for_write_phase(process, copy, deadline_s=600)
    _, err = process.communicate()
    ended = time.monotonic()
    refused = readonly_cuda or not backup  # a read-only file to port, or the ignored file without --backup
    if (process.returncode == 0) == refused:
        raise SystemExit(f"reference run: unexpected exit {process.returncode}: {err.decode()[-500:]}")
    result = state(copy)
    shutil.rmtree(copy)
    return result, ended - started, (ended - writing_from) if writing_from else 0.0


def wait_for_write_phase(process: subprocess.Popen[bytes], root: Path, deadline_s: float) -> float | None:
    """When the run's staging folder appeared (the write phase began), or None if it ended first."""
    deadline = time.monotonic() + deadline_s
    while process.poll() is None and time.monotonic() < deadline:
        if (root / STAGING).is_dir() and any((root / STAGING).iterdir()):
            return time.monotonic()
        time.sleep(0.001)
    return None


def kill_at(process: subprocess.Popen[bytes], root: Path, rng: random.Random, run_s: float, write_s: float) -> str:
    if rng.random() < 0.5:
        delay = rng.uniform(0.0, run_s * 1.1)
        time.sleep(delay)
        where = f"at {delay:.2f} s"
    else:
        wait_for_write_phase(process, root, deadline_s=run_s * 3)
        delay = rng.uniform(0.0, write_s * 1.1)
        time.sleep(delay)
        where = f"{delay * 1000:.0f} ms into the write phase"
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait()
    return where + ("" if process.returncode == -signal.SIGKILL else " (the run had already ended)")


def violations(root: Path, before: Tree, after: Tree) -> list[str]:
    """Every file is its original or its migrated self; backups hold originals; no temporary file is left."""
    now = state(root)
    problems = []
    for name, value in now.items():
        if name.endswith(".chipshift-tmp") or name.endswith(".tmp"):
            problems.append(f"temporary file left in the tree: {name}")
        elif ".chipshift-orig" in name:
            original = name.split(".chipshift-orig")[0]
            if value[0] != before[original][0]:
                problems.append(f"backup {name} does not hold the original")
        elif name not in before:
            problems.append(f"unexpected file {name}")
        elif value not in (before[name], after.get(name)):
            problems.append(f"{name} is neither its original nor its migrated text (or lost its mode)")
    problems += [f"{name} was lost" for name in before if name not in now]
    if not (root / "link.py").is_symlink():
        problems.append("link.py is no longer a symbolic link")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--files", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="chipshift-kill-") as folder:
        root = Path(folder) / "repo"
        build_tree(root, options.files)
        expected: dict[tuple[bool, bool], Tree] = {}
        for backup in (False, True):
            for readonly_cuda in (False, True):
                reset_tree(root, readonly_cuda)
                expected[(backup, readonly_cuda)], run_s, write_s = expected_after_full_run(root, backup, readonly_cuda)
                if backup and not readonly_cuda:
                    whole_run_s, write_phase_s = run_s, write_s
        print(
            f"tree: {options.files + 7} files; an uninterrupted run that writes takes {whole_run_s:.1f} s, "
            f"its write phase {write_phase_s * 1000:.0f} ms"
        )
        for round_number in range(1, options.rounds + 1):
            backup, readonly_cuda = round_number % 4 != 0, round_number % 10 == 5
            reset_tree(root, readonly_cuda)
            before = state(root)
            after = expected[(backup, readonly_cuda)]
            where = kill_at(run_migrate(root, backup), root, rng, whole_run_s, write_phase_s)
            problems = violations(root, before, after)
            written = sum(1 for name, value in state(root).items() if value == after.get(name) != before.get(name))
            print(
                f"round {round_number:2}: backup={backup!s:5} killed {where}; {written} file(s) migrated; "
                + ("OK" if not problems else "VIOLATIONS: " + "; ".join(problems[:5]))
            )
            failures += bool(problems)
        reset_tree(root, False)
        before = state(root)
        finish = run_migrate(root, True)
        _, err = finish.communicate()
        final = violations(root, before, expected[(True, False)])
        if finish.returncode != 0 or state(root) != expected[(True, False)] or final:
            print(f"final run: exit {finish.returncode}, {'; '.join(final)} {err.decode()[-300:]}")
            failures += 1
    print(f"{options.rounds} kills, {failures} with a violation")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
