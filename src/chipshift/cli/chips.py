"""CLI commands of the catalog: ``chipshift chips list|show|compare|classify``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``chips`` command group."""
