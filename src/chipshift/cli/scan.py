"""CLI commands of the scan engine (filled in by the engine's owner)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this engine's commands to the top-level app."""
