"""Jupyter notebooks: the code cells are migrated together as one module, so the device is resolved once.

Cells are joined with a marker comment line between them and split again afterwards; IPython lines (``%magic``,
``!shell``) are stood in for by ``import`` statements while the code is migrated (so that imports after a
``%matplotlib`` line still open the module), and cell magics (``%%time``) are
left alone. Outputs and metadata are kept; a notebook is written back in nbformat's layout (indent 1).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from chipshift.migrate.outcome import ManualItem, SourceMigration
from chipshift.migrate.source import migrate_source
from chipshift.migrate.target import MigrationTarget

CELL_MARKER = "# chipshift-cell {index}"
MAGIC_STAND_IN = "import chipshift_magic_{index}"
_MARKER = re.compile(r"# chipshift-cell (\d+)")
_STAND_IN = re.compile(r"^(\s*)import chipshift_magic_(\d+)$")


class NotebookError(ValueError):
    """A file that is not a notebook chipshift can read."""


def migrate_notebook(text: str, target: MigrationTarget, *, mark: bool = False) -> SourceMigration:
    """Migrate the code cells of a notebook given as JSON text; raises :class:`NotebookError` if it is not one."""
    notebook = _load(text)
    positions = [index for index, cell in enumerate(notebook["cells"]) if cell.get("cell_type") == "code"]
    cells = [notebook["cells"][index] for index in positions]
    codes = [_source_text(cell) for cell in cells]
    magics: list[str] = []
    joined = "".join(
        CELL_MARKER.format(index=index) + "\n" + _hide_magics(code, magics) + "\n" for index, code in enumerate(codes)
    )
    migration = migrate_source(joined, target, mark=mark)
    left = _cell_items(migration, joined if not migration.changed else migration.migrated, positions)
    left += _cell_magics(codes, positions)
    if not migration.changed:
        return SourceMigration(text, text, migration.changes, left)
    new_codes = _split(migration.migrated, len(codes), magics)
    for cell, old, new in zip(cells, codes, new_codes, strict=True):
        new = new.rstrip("\n") + old[len(old.rstrip("\n")) :]  # blank lines added at a cell's end go
        if new != old:
            cell["source"] = _as_source(new, cell["source"])
    migrated = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    return SourceMigration(text, migrated, migration.changes, left)


def _load(text: str) -> dict[str, Any]:
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"line {error.lineno}: not JSON ({error.msg})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError("no 'cells' list: not a Jupyter notebook (nbformat 4)")
    return notebook


def _source_text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _as_source(code: str, like: object) -> object:
    """``code`` in the notebook's form: a list of lines when the original was one."""
    return code.splitlines(keepends=True) if isinstance(like, list) else code


def _hide_magics(code: str, magics: list[str]) -> str:
    """``code`` with IPython lines replaced by stand-ins; a cell magic hides the whole cell."""
    if code.lstrip().startswith("%%"):
        magics.append(code)
        return MAGIC_STAND_IN.format(index=len(magics) - 1)
    lines = []
    for line in code.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!", "?")):
            magics.append(line)
            lines.append(line[: len(line) - len(stripped)] + MAGIC_STAND_IN.format(index=len(magics) - 1))
        else:
            lines.append(line)
    return "\n".join(lines)


def _split(module: str, count: int, magics: list[str]) -> list[str]:
    """The cells' code back out of the migrated module, IPython lines restored."""
    parts: list[list[str]] = [[] for _ in range(count)]
    current = 0
    for line in module.split("\n"):
        marker = _MARKER.fullmatch(line)
        if marker is not None:
            current = int(marker.group(1))
            continue
        stand_in = _STAND_IN.match(line)
        if stand_in is not None:
            original = magics[int(stand_in.group(2))]
            line = original if original.lstrip().startswith("%%") else stand_in.group(1) + original.lstrip()
        parts[current].append(line)
    codes = ["\n".join(lines) for lines in parts]
    if codes:
        codes[-1] = codes[-1].removesuffix("\n")
    return codes


def _cell_items(migration: SourceMigration, module: str, positions: list[int]) -> tuple[ManualItem, ...]:
    """Manual items located by cell and line within the cell."""
    starts: list[tuple[int, int]] = []
    for number, line in enumerate(module.split("\n"), start=1):
        marker = _MARKER.fullmatch(line)
        if marker is not None:
            starts.append((number, int(marker.group(1))))
    located = []
    for item in migration.manual:
        before = [start for start in starts if start[0] < item.line]
        if before:
            number, cell = before[-1]
            located.append(replace(item, line=item.line - number, cell=positions[cell] + 1))
        else:
            located.append(item)
    return tuple(located)


def _cell_magics(codes: list[str], positions: list[int]) -> tuple[ManualItem, ...]:
    """Cells run by a cell magic (``%%time``) that mention CUDA: not migrated, so listed."""
    return tuple(
        ManualItem(1, code.lstrip().split("\n", 1)[0], "cell run by a cell magic: not migrated", cell=position + 1)
        for code, position in zip(codes, positions, strict=True)
        if code.lstrip().startswith("%%") and "cuda" in code
    )
