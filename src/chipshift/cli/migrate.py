"""CLI of the migrate engine: ``chipshift migrate PATHS --target portable|ascend [--write]``.

The diff goes to stdout or ``--output`` (a patch for ``git apply``); progress and the summary to stderr (``-q``:
errors only).
"""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chipshift.cli.common import catalog, stderr, stdout
from chipshift.cli.output import CATALOG_OPTION, JSON_OPTION, QUIET_OPTION, chosen_format, note, use_options
from chipshift.errors import ChipshiftError, InputFileError

if TYPE_CHECKING:
    from chipshift.migrate import MigrationResult

# The engine (LibCST) is imported when the command runs, so that every other command starts fast.
TARGETS_DIR = Path(__file__).resolve().parent.parent / "migrate" / "targets"
TARGET_NAMES = ", ".join(sorted(path.stem for path in TARGETS_DIR.glob("*.yaml")))

SHOWN_MANUAL = 40


class MigrateFormat(enum.StrEnum):
    """What ``migrate`` hands out: the unified diff, or (from the migrate engine) every rewrite and manual item."""

    DIFF = "diff"
    JSON = "json"


def migrate(
    paths: list[Path] = typer.Argument(..., help="Python files, notebooks (.ipynb) or folders to migrate."),
    target: str = typer.Option(
        "portable",
        "--target",
        "-t",
        help=f"Target: {TARGET_NAMES} (files in migrate/targets/).",
    ),
    target_file: Path | None = typer.Option(
        None, "--target-file", help="A target of your own, as YAML in the shape of migrate/targets/*.yaml."
    ),
    write: bool = typer.Option(
        False,
        "--write",
        help="Apply the changes, all files or none. Each file must be one git can restore (tracked, unchanged), "
        "or pass --backup.",
    ),
    backup: bool = typer.Option(
        False, "--backup", help="Keep each original beside it as NAME.chipshift-orig (never overwriting one)."
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="FILE",
        help="Write the diff to this file instead of stdout: a patch for git apply / patch -p1.",
    ),
    patch: Path | None = typer.Option(None, "--patch", hidden=True, help="Old spelling of --output."),
    fmt: MigrateFormat = typer.Option(
        MigrateFormat.DIFF,
        "--format",
        help="diff (a unified diff) or json (every file, its rewrites and what is left by hand; with --write too).",
    ),
    as_json: bool = JSON_OPTION,
    mark: bool = typer.Option(False, "--mark", help="Mark code left for manual work with '# chipshift: manual'."),
    quiet: bool = QUIET_OPTION,
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: all cores)."),
    catalog_dirs: list[Path] = CATALOG_OPTION,
    library: bool | None = typer.Option(
        None,
        "--library/--no-library",
        help="Port as a library that supports several backends: vendor imports guarded, no device resolved at "
        "import time, backend-specific classes and modules left as written (default: a folder that is a package "
        "naming two non-CUDA backends or more).",
    ),
) -> None:
    """Port CUDA-specific PyTorch code to a target through syntax-tree codemods. A dry run unless --write."""
    from chipshift.cli.progress import StepProgress
    from chipshift.files import check_output_path, write_output
    from chipshift.migrate import load_target, load_target_file, migrate_paths
    from chipshift.migrate.apply import file_diff, patch_text
    from chipshift.migrate.writing import apply_migration

    use_options(quiet=quiet, catalog=catalog_dirs)
    as_data = chosen_format(fmt, as_json, MigrateFormat.DIFF) == MigrateFormat.JSON
    if output is not None and patch is not None:
        raise ChipshiftError("give --output (or its old spelling --patch) once")
    patch = output or patch
    for path in paths:
        if not path.exists():
            raise InputFileError(str(path), "no such file or folder")
    if patch is not None:
        check_output_path(patch, what="patch")
    spec = load_target_file(target_file, catalog()) if target_file is not None else load_target(target)
    with StepProgress("migrate", "files") as progress:
        result = migrate_paths(paths, spec, mark=mark, jobs=jobs, progress=progress.update, library=library)
    root = Path(os.getcwd())
    if as_data:
        from chipshift.jsontext import dumps

        text = dumps(result.to_dict(root), indent=2) + "\n"
        if patch is None:
            typer.echo(text, nl=False)
        else:
            write_output(patch, text, what="migration report")
            _say(f"wrote {patch}")
    elif patch is None and not write:
        for item in result.migrated:
            stdout.print(file_diff(item, root), end="", markup=False, highlight=False)
    if patch is not None and not as_data:
        write_output(patch, patch_text(result, root), what="patch")
        _say(f"patch written to {patch}")
    if write and result.migrated:
        report = apply_migration(result, backup=backup, say=_say)
        _say(f"wrote {len(report.written)} file(s)" + (f", {len(report.backups)} backup(s)" if backup else ""))
    _summary(result, paths, written=write, quiet=quiet)
    if result.failed:
        raise typer.Exit(1)


def _summary(result: MigrationResult, paths: list[Path], *, written: bool, quiet: bool = False) -> None:
    """Counts, failures and (unless ``quiet``) what is left for manual work, on stderr."""
    verb = "changed" if written else "would change"
    changes = sum(len(item.result.changes) for item in result.migrated)
    mode = " (library mode)" if result.library else ""
    _say(
        f"migrate --target {result.target}{mode}: {len(result.files)} file(s), {len(result.migrated)} {verb} "
        f"({changes} rewrites), {len(result.manual)} left for manual work, {len(result.failed)} failed, "
        f"{len(result.skipped)} skipped"
    )
    for failed in result.failed:
        stderr.print(f"  failed  {failed.path}: {failed.reason}", markup=False, highlight=False, soft_wrap=True)
    if quiet:
        return
    for skipped in result.skipped:
        _say(f"  skipped {skipped.path}: {skipped.reason}")
    for path, item in result.manual[:SHOWN_MANUAL]:
        where = f"{path}:cell {item.cell}:{item.line}" if item.cell is not None else f"{path}:{item.line}"
        _say(f"  manual  {where}: {item.code}  ({item.reason})")
    if len(result.manual) > SHOWN_MANUAL:
        _say(f"  ... and {len(result.manual) - SHOWN_MANUAL} more")
    if not written and result.migrated:
        _say("dry run: nothing written; apply with --write (or write a patch with --output FILE)")
    shown = " ".join(str(path) for path in paths)
    _say(f"next: run `chipshift scan {shown}` to see what is left to port by hand")


def _say(text: str) -> None:
    """One line of progress or summary on stderr, never wrapped (none with ``-q``)."""
    note(text)


def register(app: typer.Typer) -> None:
    """Add this engine's commands to the top-level app."""
    app.command("migrate")(migrate)
