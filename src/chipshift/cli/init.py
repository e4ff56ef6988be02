"""CLI of ``chipshift init``: files of one's own to start from, written from the shipped examples."""

from __future__ import annotations

from pathlib import Path

import typer

from chipshift.cli.output import QUIET_OPTION, note, use_options

init_app = typer.Typer(help="Start files of your own from the shipped examples.", no_args_is_help=True)


@init_app.command("scenario")
def scenario_command(
    folder: Path = typer.Argument(..., metavar="FOLDER", help="Folder to write scenario.yaml and its data into."),
    quiet: bool = QUIET_OPTION,
) -> None:
    """Write the example scenario as FOLDER/scenario.yaml, with the inventory and code it names beside it.

    Edit it (docs/scenario.md describes every field) and run 'chipshift assess FOLDER/scenario.yaml'. No file that is
    already there is replaced.
    """
    from chipshift.assess.starter import STARTER_SCENARIO, write_starter_scenario

    use_options(quiet=quiet, catalog=[])
    written = write_starter_scenario(folder)
    note(f"wrote {len(written)} files into {folder}: {STARTER_SCENARIO}, its inventory and the code it scans")
    note(f"next: edit {folder / STARTER_SCENARIO}, then run: chipshift assess {folder / STARTER_SCENARIO}")


def register(app: typer.Typer) -> None:
    """Add the ``init`` command group."""
    app.add_typer(init_app, name="init")
