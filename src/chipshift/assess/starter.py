"""A scenario of one's own to start from: the shipped example written into a folder with the data it names.

The example scenario names its inventory (``fleet.csv``) and code (``example-repo/``) by paths relative to itself, so
copying the YAML file alone leaves it pointing at nothing; :func:`write_starter_scenario` writes all three, and the
result runs as it is (``chipshift assess FOLDER/scenario.yaml``).
"""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from chipshift.errors import InputFileError
from chipshift.files import write_bytes_atomically

STARTER_SCENARIO = "scenario.yaml"
"""Name of the scenario file written (the shipped ``example.yaml``)."""
EXAMPLE_PACKAGE = "chipshift.examples"
SKIPPED = ("__init__.py", "__pycache__")


def _example_files(folder: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    """Every file of the shipped examples with its path in the folder (hidden files and packaging left out)."""
    found: list[tuple[str, Traversable]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.startswith(".") or entry.name in SKIPPED:
            continue
        name = f"{prefix}{entry.name}"
        if entry.is_dir():
            found += _example_files(entry, f"{name}/")
        else:
            found.append((STARTER_SCENARIO if name == "example.yaml" else name, entry))
    return found


def write_starter_scenario(folder: Path) -> list[Path]:
    """Write the example scenario as ``folder/scenario.yaml`` with its inventory and code beside it; return the files.

    ``folder`` may exist (empty or not), but no file in it is replaced: if any is already there, nothing is written.
    """
    if folder.exists() and not folder.is_dir():
        raise InputFileError(str(folder), "is a file; give a folder for the scenario and its data")
    files = _example_files(resources.files(EXAMPLE_PACKAGE))
    taken = [name for name, _ in files if (folder / name).exists()]
    if taken:
        raise InputFileError(
            str(folder / taken[0]),
            f"already exists; nothing written ({len(taken)} of the {len(files)} files are there)",
        )
    written = []
    for name, entry in files:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomically(target, entry.read_bytes())
        written.append(target)
    return written
