"""What every CLI module shares: global settings, the loaded catalog, output formats and consoles."""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:  # the catalog is loaded by the commands that use it, so that --help starts fast
    from chipshift.catalog import Catalog

PIPE_WIDTH = 200
"""Width of tables printed to a pipe or a file when ``COLUMNS`` is not set."""

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)


@dataclass
class Settings:
    """Options given before the command (``chipshift --catalog DIR chips list``)."""

    catalog_dirs: tuple[Path, ...] = ()
    """Directories given with ``--catalog``, before the command or after it."""
    quiet: bool = False
    """``-q``: nothing on stderr but errors."""


settings = Settings()


class OutputFormat(enum.StrEnum):
    """How a command prints its result."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def catalog() -> Catalog:
    """The shipped catalog, extended by the user's directories given with ``--catalog``."""
    from chipshift.catalog import load_catalog

    return load_catalog(settings.catalog_dirs)


def fit_consoles() -> None:
    """Size the consoles for this run: ``COLUMNS`` when set, the terminal's width on a terminal, else 200 columns
    (a pipe or a file gets whole lines, never a table cut to 80)."""
    columns = os.environ.get("COLUMNS", "")
    for console in (stdout, stderr):
        if columns.isdigit() and int(columns) > 0:
            console.width = int(columns)
        elif not console.is_terminal:
            console.width = PIPE_WIDTH
