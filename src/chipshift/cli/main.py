"""The ``chipshift`` command: a thin layer that parses options and calls one engine function per command.

Each engine has one CLI module here (``chips``, ``perf``, ``scan``, ``migrate``, ``fleet``, ``decide``) with a
``register(app)`` function. Errors a user can act on (:class:`chipshift.errors.ChipshiftError`) become one line on
stderr and an exit code; anything else is reported as an internal error, with the traceback only when
``CHIPSHIFT_DEBUG=1``.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from chipshift import __version__
from chipshift.cli import chips, decide, fleet, migrate, perf, policy, scan
from chipshift.cli.common import settings
from chipshift.errors import ChipshiftError

INTERNAL_ERROR_EXIT = 70


class ChipshiftGroup(TyperGroup):
    """The top command group: turns user errors into a message and an exit code."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except ChipshiftError as error:
            typer.echo(f"error: {error.message}", err=True)
            raise typer.Exit(error.exit_code) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as error:  # never a traceback for users
            if os.environ.get("CHIPSHIFT_DEBUG"):
                traceback.print_exc()
            typer.echo(
                f"internal error: {type(error).__name__}: {error} (set CHIPSHIFT_DEBUG=1 for the traceback)",
                err=True,
            )
            raise typer.Exit(INTERNAL_ERROR_EXIT) from None


app = typer.Typer(
    cls=ChipshiftGroup,
    name="chipshift",
    help="Evidence for moving AI compute off export-controlled NVIDIA GPUs onto domestic accelerators.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chipshift {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    catalog: list[Path] = typer.Option(
        [],
        "--catalog",
        envvar="CHIPSHIFT_CATALOG",
        help="A directory of YAML files that extends or overrides the shipped catalog (repeatable).",
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """chipshift: catalog, perf, scan, migrate, fleet, decide, plan, report."""
    settings.catalog_dirs = tuple(catalog)


for module in (chips, policy, perf, scan, migrate, fleet, decide):
    module.register(app)


def run() -> None:
    """Console-script entry point."""
    app(prog_name="chipshift")


if __name__ == "__main__":
    run()
    sys.exit(0)
