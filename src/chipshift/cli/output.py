"""One convention for what every command hands out: ``--format``, ``--json``, ``--output/-o`` and ``-q``.

- ``--format`` picks among the formats a command has (``table|json|csv|markdown|sarif|html``, where each applies);
  ``--json`` is the short alias of ``--format json`` on every command with a JSON result.
- ``--output/-o FILE`` writes the result to FILE instead of stdout, atomically, as stdout would get it (tables
  without colour); the folder must exist or be one that can be made (:func:`chipshift.files.check_output_path`).
- ``-q/--quiet`` leaves nothing on stderr but errors: progress, summaries, warnings and notes go.

Results go to stdout (or the ``--output`` file); everything else goes to stderr through :func:`note`, which ``-q``
silences. Exit codes: 0 ok, 1 a gate the user asked for failed, 2 bad input, 70 an internal error.
"""

from __future__ import annotations

import enum
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console, RenderableType

from chipshift import jsontext
from chipshift.cli.common import PIPE_WIDTH, settings, stderr, stdout
from chipshift.cli.tables import fit_table
from chipshift.errors import ChipshiftError
from chipshift.files import check_output_path, write_output


class TableFormat(enum.StrEnum):
    """Formats of a command whose result is a table or a record: a table for people, JSON for scripts."""

    TABLE = "table"
    JSON = "json"


FORMAT_OPTION = typer.Option(TableFormat.TABLE, "--format", help="Output format.")
"""``--format`` of a command that prints a table or JSON."""
JSON_OPTION = typer.Option(False, "--json", help="Print JSON (the same as --format json).")
OUTPUT_OPTION = typer.Option(
    None, "--output", "-o", metavar="FILE", help="Write the result to this file (atomically) instead of stdout."
)
QUIET_OPTION = typer.Option(False, "--quiet", "-q", help="Print nothing on stderr but errors.")
CATALOG_OPTION = typer.Option(
    [],
    "--catalog",
    metavar="DIR",
    help="A directory of YAML files that extends or overrides the shipped catalog (repeatable; also before the "
    "command, or CHIPSHIFT_CATALOG).",
    show_default=False,
)


def use_options(*, quiet: bool, catalog: list[Path]) -> None:
    """Apply the options every command takes: ``-q`` and ``--catalog`` (added to any given before the command)."""
    settings.quiet = settings.quiet or quiet
    settings.catalog_dirs = (*settings.catalog_dirs, *catalog)


def note(text: str) -> None:
    """One line for a person on stderr (progress, a summary, a warning), unless ``-q`` was given."""
    if not settings.quiet:
        stderr.print(text, markup=False, highlight=False, soft_wrap=True)


def chosen_format(fmt: enum.Enum, as_json: bool, default: enum.Enum) -> str:
    """The format ``--format`` and ``--json`` ask for together: ``--json`` alone means json; the two disagreeing
    (``--json --format csv``) is an error."""
    if not as_json:
        return str(fmt.value)
    if fmt is not default and fmt.value != "json":
        raise ChipshiftError(f"give --json or --format {fmt.value}, not both")
    return "json"


@dataclass(frozen=True)
class Output:
    """Where one command's result goes (stdout or a file) and in which format."""

    format: str
    """The chosen format's value (``table``, ``json``, ``csv``...)."""
    path: Path | None = None
    """The ``--output`` file, None for stdout."""

    @classmethod
    def of(cls, fmt: enum.Enum, as_json: bool, path: Path | None, *, default: enum.Enum | None = None) -> Output:
        """The output the options ask for (``default``: the option's default, the enum's first member unless
        given); the file is checked before any work is done."""
        chosen = chosen_format(fmt, as_json, default if default is not None else next(iter(type(fmt))))
        if path is not None:
            check_output_path(path, what="output file")
        return cls(chosen, path)

    @property
    def json(self) -> bool:
        """Whether the result is wanted as JSON."""
        return self.format == "json"

    def text(self, text: str) -> None:
        """Hand out ``text`` as it is."""
        if self.path is None:
            typer.echo(text, nl=False)
            return
        write_output(self.path, text, what="output file")
        note(f"wrote {self.path} ({len(text.encode('utf-8')):,} bytes, {self.format})")

    def data(self, data: Any) -> None:
        """Hand out plain data as JSON."""
        self.text(jsontext.dumps(data) + "\n")

    def show(self, *renderables: RenderableType | str) -> None:
        """Hand out tables and lines: fitted to the terminal on stdout, plain text in a file."""
        if self.path is None:
            for item in renderables:
                print_fitted(stdout, item)
            return
        buffer = io.StringIO()
        console = Console(file=buffer, width=PIPE_WIDTH, color_system=None, soft_wrap=True, highlight=False)
        for item in renderables:
            print_fitted(console, item)
        self.text(buffer.getvalue())


def print_fitted(console: Console, item: RenderableType | str) -> None:
    """Print one renderable, a table fitted to the console's width first (see :func:`fit_table`)."""
    from rich.table import Table

    if isinstance(item, Table):
        fitted, left_out = fit_table(item, console.width)
        console.print(fitted)
        if left_out:
            console.print(
                f"(left out to fit {console.width} columns: {', '.join(left_out)}; a wider terminal, COLUMNS=200, "
                "--json or --output FILE shows them)",
                markup=False,
                highlight=False,
            )
        return
    console.print(item)


def output_of(fmt: enum.Enum, as_json: bool, path: Path | None, quiet: bool, catalog_dirs: list[Path]) -> Output:
    """Apply the options every command takes (``-q``, ``--catalog``) and say where the result goes."""
    use_options(quiet=quiet, catalog=catalog_dirs)
    return Output.of(fmt, as_json, path)
