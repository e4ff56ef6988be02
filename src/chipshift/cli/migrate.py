"""CLI of the migrate engine: ``chipshift migrate PATHS --target portable|ascend [--write]``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chipshift.cli.common import catalog, stderr, stdout
from chipshift.errors import ChipshiftError, InputFileError

if TYPE_CHECKING:
    from chipshift.migrate import MigrationResult

# The engine (LibCST) is imported when the command runs, so that every other command starts fast.
TARGETS_DIR = Path(__file__).resolve().parent.parent / "migrate" / "targets"
TARGET_NAMES = ", ".join(sorted(path.stem for path in TARGETS_DIR.glob("*.yaml")))

SHOWN_MANUAL = 40


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
    patch: Path | None = typer.Option(
        None, "--patch", help="Write the changes as a patch file (git apply / patch -p1)."
    ),
    mark: bool = typer.Option(False, "--mark", help="Mark code left for manual work with '# chipshift: manual'."),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="No diff on stdout; on stderr only the counts line and failures."
    ),
    output_format: str = typer.Option(
        "diff",
        "--format",
        "-f",
        help="stdout: 'diff' (a unified diff, in a dry run) or 'json' (every file, its rewrites and what is left "
        "by hand; written with --write too).",
    ),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: all cores)."),
    library: bool | None = typer.Option(
        None,
        "--library/--no-library",
        help="Port as a library that supports several backends: vendor imports guarded, no device resolved at "
        "import time, backend-specific classes and modules left as written (default: a folder that is a package "
        "naming two non-CUDA backends or more).",
    ),
) -> None:
    """Port CUDA-specific PyTorch code to a target through syntax-tree codemods. A dry run unless --write."""
    from chipshift.files import check_output_path, write_output
    from chipshift.migrate import load_target, load_target_file, migrate_paths
    from chipshift.migrate.apply import file_diff, patch_text
    from chipshift.migrate.writing import apply_migration

    if output_format not in ("diff", "json"):
        raise ChipshiftError(f"--format must be 'diff' or 'json', not '{output_format}'")
    for path in paths:
        if not path.exists():
            raise InputFileError(str(path), "no such file or folder")
    if patch is not None:
        check_output_path(patch, what="patch")
    spec = load_target_file(target_file, catalog()) if target_file is not None else load_target(target)
    result = migrate_paths(paths, spec, mark=mark, jobs=jobs, library=library)
    root = Path(os.getcwd())
    if output_format == "json":
        from chipshift.jsontext import dumps

        typer.echo(dumps(result.to_dict(root), indent=2))
    elif not quiet and not write:
        for item in result.migrated:
            stdout.print(file_diff(item, root), end="", markup=False, highlight=False)
    if patch is not None:
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
        _say(f"  failed  {failed.path}: {failed.reason}")
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
        _say("dry run: nothing written; apply with --write (or --patch FILE)")
    shown = " ".join(str(path) for path in paths)
    _say(f"next: run `chipshift scan {shown}` to see what is left to port by hand")


def _say(text: str) -> None:
    """One line of progress or summary on stderr, never wrapped."""
    stderr.print(text, markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add this engine's commands to the top-level app."""
    app.command("migrate")(migrate)
