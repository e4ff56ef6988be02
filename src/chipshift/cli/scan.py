"""CLI of the scan engine: ``chipshift scan PATH... [--target T] [--format F] [--fail-on S]``.

The report goes to stdout or ``--output``; progress and the summary to stderr (``-q``: errors only).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chipshift.cli.choices import SEVERITY_LABELS, ScanFormat, engine_enum
from chipshift.cli.common import catalog, stdout
from chipshift.cli.output import CATALOG_OPTION, JSON_OPTION, QUIET_OPTION, chosen_format, note, use_options
from chipshift.errors import ChipshiftError, InputFileError
from chipshift.files import check_output_path, write_output

if TYPE_CHECKING:  # the engine (tree-sitter, the rules) is imported when the command runs
    from chipshift.scan import ScanResult

FAIL_ON_CHOICES = ("none", *SEVERITY_LABELS)


def fails(result: ScanResult, fail_on: str) -> bool:
    """True when a finding is at or above the ``fail_on`` severity (``none`` never fails)."""
    from chipshift.scan import Severity

    if fail_on == "none":
        return False
    threshold = Severity.parse(fail_on)
    return any(Severity.parse(f.severity) >= threshold for f in result.findings)


def _run_scan(
    paths: list[Path],
    targets: list[str],
    jobs: int | None,
    cache_dir: Path | None,
    use_cache: bool,
    include_vendored: bool = False,
    use_gitignore: bool = True,
) -> ScanResult:
    from chipshift.cli.progress import StepProgress
    from chipshift.scan import scan_paths

    with StepProgress("scan", "files") as progress:
        return scan_paths(
            paths,
            targets,
            catalog=catalog(),
            jobs=jobs,
            cache_dir=cache_dir,
            use_cache=use_cache,
            include_vendored=include_vendored,
            use_gitignore=use_gitignore,
            progress=progress.update,
        )


def scan_command(
    paths: list[Path] = typer.Argument(..., help="Repositories, folders or files to scan (several allowed)."),
    target: list[str] = typer.Option(
        [],
        "--target",
        "-t",
        help="Porting target to report on, repeatable (default: every porting target in the catalog, which a "
        "--catalog directory can extend; shipped: see docs/scan.md).",
        show_default=False,
    ),
    output_format: ScanFormat = typer.Option(ScanFormat.TABLE, "--format", "-f", help="Report format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to this file, not stdout."),
    fail_on: str = typer.Option(
        "none", "--fail-on", help=f"Exit 1 when a finding has this severity or higher: {', '.join(FAIL_ON_CHOICES)}."
    ),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: all cores)."),
    cache_dir: Path | None = typer.Option(None, "--cache-dir", help="Cache folder (default: the user cache dir)."),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Neither read nor write the cache (use it when --fail-on gates a CI job)."
    ),
    include_vendored: bool = typer.Option(
        False,
        "--include-vendored",
        help="Count findings in vendored trees (third_party/, vendor/, cutlass/, composable_kernel/) as the "
        "project's own; by default they are reported apart and not costed.",
    ),
    no_gitignore: bool = typer.Option(
        False,
        "--no-gitignore",
        help="Also scan files that the .gitignore of the scanned git repository leaves out (by default they are "
        "skipped and counted).",
    ),
    as_json: bool = JSON_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """Scan code for CUDA lock-in: what each target supports, what a port costs, what blocks it."""
    from chipshift.scan.formats import ScanFormat as Format
    from chipshift.scan.formats.table import TableFormat

    use_options(quiet=quiet, catalog=catalog_dirs)
    output_format = ScanFormat(chosen_format(output_format, as_json, ScanFormat.TABLE))
    if fail_on not in FAIL_ON_CHOICES:
        raise ChipshiftError(f"--fail-on must be one of {', '.join(FAIL_ON_CHOICES)}, not '{fail_on}'")
    for path in paths:
        if not path.exists():
            raise InputFileError(str(path), "no such file or folder")
    if output is not None:
        check_output_path(output, what="scan report")
    formatter = engine_enum(Format, output_format).formatter()
    result = _run_scan(paths, target, jobs, cache_dir, not no_cache, include_vendored, not no_gitignore)
    if output is not None:
        try:
            _write_report(output, formatter.format(result))
        except OSError as error:
            raise ChipshiftError(f"cannot write {output}: {error.strerror or error}") from None
    elif isinstance(formatter, TableFormat):
        stdout.print(formatter.renderable(result))
    else:
        typer.echo(formatter.format(result), nl=False)
    rejected = f", {result.cache_rejected} cache entries not trusted" if result.cache_rejected else ""
    note(
        f"{len(result.findings)} findings in {result.files_scanned} files ({result.lines_scanned:,} lines), "
        f"{len(result.skipped)} skipped, {result.duration_s:.2f} s ({result.cache_hits} from cache{rejected})"
    )
    if result.vendored:
        folders = sorted({_vendored_folder(f.path) for f in result.vendored})
        note(
            f"{len(result.vendored)} findings in vendored code or copies not counted ({', '.join(folders[:5])}"
            f"{' ...' if len(folders) > 5 else ''}); --include-vendored counts them"
        )
    if result.gitignored:
        note(f"{result.gitignored} files left out by .gitignore; --no-gitignore scans them")
    if fails(result, fail_on):
        raise typer.Exit(1)


def _write_report(output: Path, text: str) -> None:
    """Write the report; gzipped where the name ends in ``.gz`` (``report.sarif.gz`` for code-scanning uploads)."""
    if output.suffix != ".gz":
        write_output(output, text, what="scan report")
        return
    import gzip

    from chipshift.files import write_bytes_atomically

    output.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomically(output, gzip.compress(text.encode("utf-8"), mtime=0))


def _vendored_folder(path: str) -> str:
    """The path up to the first vendored folder (``repo/third_party/``), else the file itself (a copy)."""
    from chipshift.scan.discover import VENDORED_DIRS

    parts = path.split("/")
    at = next((i for i, part in enumerate(parts[:-1]) if part.lower() in VENDORED_DIRS), len(parts) - 1)
    return "/".join(parts[: at + 1]) + ("/" if at < len(parts) - 1 else "")


def register(app: typer.Typer) -> None:
    """Add ``chipshift scan`` to the top-level app."""
    app.command("scan")(scan_command)
