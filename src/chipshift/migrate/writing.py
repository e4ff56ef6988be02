"""Writing a migration: every file or none, never a byte lost.

1. :func:`plan_writes` checks every file before anything is touched and refuses the whole run, naming each file,
   when one cannot be written safely: git cannot restore it (ignored, untracked, modified, outside a work tree)
   and no ``--backup`` was asked for; it is read-only, hard-linked or in a folder that cannot be written; or it
   changed on disk since it was read. A symbolic link is written through: its target is the file checked and changed.
2. :func:`write_files` stages every new text (and every backup) first, in a staging folder inside the git directory
   where it can (so a ``kill -9`` leaves nothing in the work tree), records a journal there, then renames each file
   into place. If anything fails, or the process is interrupted (Ctrl-C, SIGTERM, SIGHUP), the files already
   renamed get their original bytes back and the backups made are removed; the temporary files never outlive the call.
3. A run killed with ``kill -9`` cannot clean up: each file is then either as it was or fully migrated. The next
   ``--write`` finds the stale journal, reports which files that run had written, and removes its leftovers
   (:func:`recover_interrupted`).

Modes, owners and a UTF-8 byte-order mark are kept; line endings are kept by the codemods.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from chipshift.errors import ChipshiftError
from chipshift.files import TEMPORARY_SUFFIX, stage_file
from chipshift.migrate.git import git_dir, unrestorable, work_tree
from chipshift.migrate.outcome import FileMigrated, MigrationResult

BACKUP_SUFFIX = ".chipshift-orig"
STAGING_FOLDER = "chipshift-migrate"
"""Folder inside the git directory that holds one staging folder per running ``--write``."""
SHOWN_PROBLEMS = 5


def apply_migration(
    result: MigrationResult, *, backup: bool, say: Callable[[str], None] = lambda _: None
) -> WriteReport:
    """Check, then write every changed file of ``result`` or none (``say`` hears about earlier interrupted runs)."""
    plans = plan_writes(result, backup=backup)
    recover_interrupted(plans, say)
    return write_files(plans, backup=backup)


@dataclass(frozen=True)
class PlannedWrite:
    """One file to replace, checked."""

    shown: Path
    """The file as it was named or found."""
    real: Path
    """The file written (the target of a symbolic link)."""
    original: bytes
    """Its bytes when migrate read them; the write is refused if they changed."""
    new: bytes
    """Its bytes after the write."""


def plan_writes(result: MigrationResult, *, backup: bool) -> list[PlannedWrite]:
    """Every changed file, checked; raises :class:`ChipshiftError` naming each file that cannot be written safely."""
    plans = [_plan(item) for item in result.migrated]
    problems = {plan.shown: reason for plan in plans if (reason := _local_problem(plan))}
    if not backup:
        blocked = unrestorable(plan.real for plan in plans)
        for plan in plans:
            if plan.real in blocked and plan.shown not in problems:
                problems[plan.shown] = blocked[plan.real] + "; pass --backup to keep a copy beside it"
    if problems:
        raise ChipshiftError(_refusal(problems))
    return plans


def _plan(item: FileMigrated) -> PlannedWrite:
    return PlannedWrite(item.path, item.path.resolve(), item.original_bytes(), item.migrated_bytes())


def _local_problem(plan: PlannedWrite) -> str | None:
    """Why ``plan`` cannot be written safely whatever git says, or None."""
    try:
        status = os.stat(plan.real)
        current = plan.real.read_bytes()
    except OSError as error:
        return f"cannot be read again: {error.strerror or error}"
    if not stat.S_ISREG(status.st_mode):
        return "not a regular file"
    if current != plan.original:
        return "changed on disk since it was read"
    if not status.st_mode & 0o222 or not os.access(plan.real, os.W_OK):
        return f"read-only (mode {stat.S_IMODE(status.st_mode):04o}); make it writable or leave it out"
    if status.st_nlink > 1:
        return f"has {status.st_nlink} hard links, which a rewrite would split; leave it out or copy it"
    if not os.access(plan.real.parent, os.W_OK | os.X_OK):
        return f"its folder {plan.real.parent} is not writable"
    return None


def _refusal(problems: dict[Path, str]) -> str:
    shown = "; ".join(f"{path}: {reason}" for path, reason in list(problems.items())[:SHOWN_PROBLEMS])
    more = f"; and {len(problems) - SHOWN_PROBLEMS} more" if len(problems) > SHOWN_PROBLEMS else ""
    return f"nothing written: {len(problems)} file(s) cannot be written safely: {shown}{more}"


@dataclass
class _Staged:
    plan: PlannedWrite
    temporary: Path
    backup: Path | None = None
    replaced: bool = False


@dataclass
class WriteReport:
    """What :func:`write_files` did."""

    written: list[Path] = field(default_factory=list)
    """Files replaced, as named."""
    backups: list[Path] = field(default_factory=list)
    """Backups made (``--backup``)."""


def write_files(plans: list[PlannedWrite], *, backup: bool) -> WriteReport:
    """Replace every planned file, or none; see the module docstring for the protocol."""
    report = WriteReport()
    if not plans:
        return report
    staging = _staging_folder(plans)
    staged: list[_Staged] = []
    try:
        with _interruptions_raise():
            for plan in plans:
                staged.append(_Staged(plan, _stage(plan, staging)))
            _write_journal(staging, plans)
            if backup:
                for item in staged:
                    item.backup = _make_backup(item.plan)
            _check_unchanged(plans)
            for item in staged:
                os.replace(item.temporary, item.plan.real)
                item.replaced = True
    except BaseException as error:
        unrestored = _roll_back(staged)
        _raise_clear(error, unrestored)
        raise
    finally:
        _clean(staged, staging)
    report.written = [item.plan.shown for item in staged]
    report.backups = [item.backup for item in staged if item.backup is not None]
    return report


def _staging_folder(plans: list[PlannedWrite]) -> Path | None:
    """A fresh folder inside the git directory of the first file's work tree, or None (stage beside each file)."""
    top = work_tree(plans[0].real.parent)
    directory = git_dir(top) if top is not None else None
    if directory is None:
        return None
    folder = directory / STAGING_FOLDER / f"{os.getpid()}-{threading.get_ident()}"
    try:
        folder.mkdir(parents=True, exist_ok=False)
    except OSError:
        return None
    return folder


def _stage(plan: PlannedWrite, staging: Path | None) -> Path:
    """The new bytes in a temporary file on the same file system as the target, with its mode and owner."""
    folder = staging if staging is not None and _same_device(staging, plan.real.parent) else plan.real.parent
    temporary = stage_file(folder, f"{plan.real.name}.{os.getpid()}", plan.new, like=plan.real)
    with contextlib.suppress(OSError):
        status = os.stat(plan.real)
        os.chown(temporary, status.st_uid, status.st_gid)
    return temporary


def _same_device(one: Path, other: Path) -> bool:
    try:
        return os.stat(one).st_dev == os.stat(other).st_dev
    except OSError:
        return False


def _make_backup(plan: PlannedWrite) -> Path:
    """The original bytes beside the file as ``NAME.chipshift-orig`` (``.1``, ``.2``, ... if taken), never clobbered."""
    for number in range(1000):
        name = plan.real.name + BACKUP_SUFFIX + (f".{number}" if number else "")
        candidate = plan.real.with_name(name)
        try:
            with open(candidate, "xb") as stream:
                stream.write(plan.original)
                stream.flush()
                os.fsync(stream.fileno())
        except FileExistsError:
            continue
        with contextlib.suppress(OSError):
            os.chmod(candidate, stat.S_IMODE(os.stat(plan.real).st_mode))
        return candidate
    raise ChipshiftError(f"{plan.shown}: 1,000 backups already beside it; remove some")


def _check_unchanged(plans: list[PlannedWrite]) -> None:
    for plan in plans:
        if plan.real.read_bytes() != plan.original:
            raise ChipshiftError(f"{plan.shown}: changed on disk during the migration; nothing written")


def _roll_back(staged: list[_Staged]) -> list[Path]:
    """Put the original bytes back into every file already replaced; remove the backups made.

    Returns the files that could not be restored (their backups, if any, are then kept).
    """
    unrestored: list[Path] = []
    for item in staged:
        try:
            if item.replaced:
                temporary = stage_file(item.plan.real.parent, item.plan.real.name, item.plan.original, like=None)
                os.replace(temporary, item.plan.real)
                item.replaced = False
            if item.backup is not None:
                item.backup.unlink(missing_ok=True)
        except OSError:
            unrestored.append(item.plan.shown)
    return unrestored


def _raise_clear(error: BaseException, unrestored: list[Path]) -> None:
    """A user-facing error for a write that stopped; the original exception if it was a chipshift error."""
    if unrestored:
        names = ", ".join(str(path) for path in unrestored)
        raise ChipshiftError(f"write stopped ({error}) and these files could not be restored: {names}") from None
    if isinstance(error, KeyboardInterrupt):
        raise ChipshiftError("interrupted: nothing written, every file is as it was", exit_code=130) from None
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        raise ChipshiftError(f"nothing written, every file is as it was: {where}{error.strerror or error}") from None


def _clean(staged: list[_Staged], staging: Path | None) -> None:
    for item in staged:
        if not item.replaced:
            item.temporary.unlink(missing_ok=True)
    if staging is not None:
        (staging / JOURNAL).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            staging.rmdir()


JOURNAL = "journal.json"


def _write_journal(staging: Path | None, plans: list[PlannedWrite]) -> None:
    """What this run is about to write, so that a run killed half-way can be reported by the next one."""
    if staging is None:
        return
    entries = [{"path": str(plan.real), "original": _digest(plan.original), "new": _digest(plan.new)} for plan in plans]
    (staging / JOURNAL).write_text(json.dumps({"pid": os.getpid(), "files": entries}), encoding="utf-8")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def _interruptions_raise() -> Iterator[None]:
    """SIGTERM and SIGHUP raise like Ctrl-C while files are written, so the roll-back runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGHUP)}

    def interrupt(number: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {number}")

    for number in previous:
        signal.signal(number, interrupt)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


_STALE_TEMPORARY = re.compile(r"^\..+\.(\d+)\.[^.]+" + re.escape(TEMPORARY_SUFFIX) + "$")


def recover_interrupted(plans: list[PlannedWrite], say: Callable[[str], None]) -> None:
    """Report and remove what an earlier ``--write`` killed with ``kill -9`` left (journal and temporary files)."""
    folders = {plan.real.parent for plan in plans}
    top = work_tree(plans[0].real.parent) if plans else None
    directory = git_dir(top) if top is not None else None
    if directory is not None and (directory / STAGING_FOLDER).is_dir():
        for staging in sorted((directory / STAGING_FOLDER).iterdir()):
            if _alive(staging.name.split("-", 1)[0]):
                continue
            _report_journal(staging, say)
            for leftover in staging.iterdir():
                leftover.unlink(missing_ok=True)
                folders.discard(leftover.parent)
            with contextlib.suppress(OSError):
                staging.rmdir()
    for folder in folders:
        for leftover in folder.glob(f".*{TEMPORARY_SUFFIX}"):
            match = _STALE_TEMPORARY.match(leftover.name)
            if match and not _alive(match.group(1)):
                leftover.unlink(missing_ok=True)
                say(f"removed {leftover}, left by an interrupted chipshift run")


def _report_journal(staging: Path, say: Callable[[str], None]) -> None:
    try:
        journal = json.loads((staging / JOURNAL).read_text(encoding="utf-8"))
        entries = [(Path(entry["path"]), entry["original"], entry["new"]) for entry in journal["files"]]
    except (OSError, ValueError, KeyError, TypeError):
        return
    written = [path for path, _, new in entries if path.is_file() and _digest(path.read_bytes()) == new]
    if written:
        say(
            f"an earlier `chipshift migrate --write` was killed after writing {len(written)} of {len(entries)} "
            f"file(s) (each whole); written: {', '.join(str(path) for path in written[:SHOWN_PROBLEMS])}"
            + (" ..." if len(written) > SHOWN_PROBLEMS else "")
        )


def _alive(pid_text: str) -> bool:
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
