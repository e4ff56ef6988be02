"""What every CLI module shares: global settings, the loaded catalog, output formats and consoles."""

from __future__ import annotations

import enum
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:  # the catalog is loaded by the commands that use it, so that --help starts fast
    from chipshift.catalog import Catalog

stdout = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
stderr = Console(stderr=True)


@dataclass
class Settings:
    """Options given before the command (``chipshift --catalog DIR chips list``)."""

    catalog_dirs: tuple[Path, ...] = ()


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
