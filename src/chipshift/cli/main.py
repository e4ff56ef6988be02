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
from typer._click import exceptions as click_exceptions
from typer.core import TyperGroup

from chipshift import __version__
from chipshift.cli import chips, decide, fleet, init, migrate, perf, policy, scan
from chipshift.cli.common import fit_consoles, settings
from chipshift.errors import ChipshiftError

INTERNAL_ERROR_EXIT = 70
USAGE_ERROR_EXIT = 2


def _plain_flags(command: Any, ctx: typer.Context) -> None:
    """Give every flag of ``command`` and of its subcommands an empty type label, so help shows ``--json``, not
    ``--json <bool>`` (typer labels every option with its type)."""
    for param in command.get_params(ctx):
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        _plain_flags(sub, ctx)


class ChipshiftGroup(TyperGroup):
    """The top command group: turns user errors into one line and an exit code, and sizes the consoles per run."""

    def get_params(self, ctx: typer.Context) -> list[Any]:  # type: ignore[override]
        if not getattr(self, "_flags_plain", False):
            self._flags_plain = True
            _plain_flags(self, ctx)
        return super().get_params(ctx)

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        fit_consoles()
        try:
            return super().invoke(ctx)
        except ChipshiftError as error:
            typer.echo(f"error: {error.message}", err=True)
            raise typer.Exit(error.exit_code) from None
        except click_exceptions.NoArgsIsHelpError:
            raise
        except click_exceptions.UsageError as error:
            where = error.ctx.command_path if error.ctx is not None else "chipshift"
            typer.echo(f"error: {error.format_message()} (see '{where} --help')", err=True)
            raise typer.Exit(USAGE_ERROR_EXIT) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except BrokenPipeError:  # the reader went away (`chipshift ... | head`): not a bug; click exits quietly
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
        metavar="DIR",
        envvar="CHIPSHIFT_CATALOG",
        help="A directory of YAML files that extends or overrides the shipped catalog (repeatable).",
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """chipshift: catalog, perf, scan, migrate, fleet, decide, plan, report."""
    settings.catalog_dirs = tuple(catalog)
    settings.quiet = False


for module in (chips, policy, perf, scan, migrate, fleet, decide, init):
    module.register(app)


def run() -> None:
    """Console-script entry point."""
    app(prog_name="chipshift")


if __name__ == "__main__":
    run()
    sys.exit(0)
