"""Jupyter notebooks: code cells joined into one module (imports carry across cells), lines mapped back to cells.

IPython magics and shell escapes (``%time``, ``!nvidia-smi``) are blanked before parsing; shell escapes are kept
aside for the shell rules. A notebook of an unexpected shape is a :class:`NotebookError` with the reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field


class NotebookError(ValueError):
    """A notebook that is not valid notebook JSON."""


@dataclass
class NotebookSource:
    """The Python of a notebook and where each line came from."""

    text: str = ""
    """All code cells, joined."""
    line_map: dict[int, tuple[int, int]] = field(default_factory=dict)
    """Line in ``text`` -> (cell index, line in cell), both as shown in Jupyter (cell 0-based, line 1-based)."""
    shell_lines: list[tuple[int, int, str]] = field(default_factory=list)
    """(cell, line, command) of ``!command`` lines."""


def _cell_source(cell: dict[str, object], index: int, field: str) -> str:
    """A cell's code: a string or a list of strings (nbformat 4 ``source``, nbformat 3 ``input``)."""
    field = field if field in cell else "source"
    source = cell.get(field, "")
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    raise NotebookError(f"not a notebook: cell {index} '{field}' is {_kind(source)}, not text or a list of text")


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list holding something other than text"
    names = {dict: "an object", bool: "a boolean", int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _cells(document: dict[str, object]) -> tuple[list[dict[str, object]], str]:
    """The cells of a notebook and the field that holds their code: nbformat 4 ``cells``, 2 and 3 ``worksheets``."""
    if "cells" in document:
        cells, field = document["cells"], "source"
        if not isinstance(cells, list):
            raise NotebookError(f"not a notebook: 'cells' is {_kind(cells)}, not a list")
    elif "worksheets" in document:
        worksheets, field = document["worksheets"], "input"
        if not isinstance(worksheets, list) or not all(isinstance(w, dict) for w in worksheets):
            raise NotebookError("not a notebook: 'worksheets' is not a list of objects")
        cells = []
        for sheet in worksheets:
            sheet_cells = sheet.get("cells", [])
            if not isinstance(sheet_cells, list):
                raise NotebookError(f"not a notebook: a worksheet's 'cells' is {_kind(sheet_cells)}, not a list")
            cells += sheet_cells
    else:
        raise NotebookError("not a notebook: neither 'cells' (nbformat 4) nor 'worksheets' (nbformat 3)")
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise NotebookError(f"not a notebook: cell {index} is {_kind(cell)}, not an object")
    return cells, field


def _load(data: bytes) -> dict[str, object]:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotebookError(f"not valid notebook JSON: {error}") from None
    except RecursionError:
        raise NotebookError("not a notebook: JSON nested too deeply") from None
    if not isinstance(document, dict):
        raise NotebookError("not a notebook (top level is not an object)")
    return document


def read_notebook(data: bytes) -> NotebookSource:
    """Code cells of a notebook (nbformat 4, or 2 and 3 with worksheets and ``input``).

    Only the structure read here is checked (cells, their type and code); outputs and metadata are never read, so
    whatever they hold does not matter. A notebook whose cells are not where nbformat puts them is a
    :class:`NotebookError` naming what is wrong.
    """
    cells, field = _cells(_load(data))
    result = NotebookSource()
    lines: list[str] = []
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        source = _cell_source(cell, index, field)
        magic = _cell_magic(source)
        cell_magic = magic is not None and magic not in PYTHON_CELL_MAGICS
        shell_cell = magic in SHELL_CELL_MAGICS or source.lstrip().startswith("%%script bash")
        for number, line in enumerate(source.splitlines(), start=1):
            stripped = line.lstrip()
            if magic is not None and number == 1:
                line = ""
            elif cell_magic:
                if shell_cell:
                    result.shell_lines.append((index, number, stripped))
                line = ""
            elif stripped.startswith("!"):
                result.shell_lines.append((index, number, stripped[1:]))
                line = line[: len(line) - len(stripped)] + "pass"
            elif "!" in line and (assigned := _SHELL_ASSIGNMENT.fullmatch(line)) is not None:
                # files = !ls: the shell part is kept, the Python assignment stays valid
                result.shell_lines.append((index, number, assigned.group(2)))
                line = assigned.group(1) + "None"
            elif stripped.startswith("%"):
                line = line[: len(line) - len(stripped)] + "pass"
            lines.append(line)
            result.line_map[len(lines)] = (index, number)
        lines.append("")
    result.text = "\n".join(lines)
    return result


PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
"""Cell magics whose body is Python: only their first line is blanked."""
SHELL_CELL_MAGICS = frozenset({"bash", "sh"})
"""Cell magics whose body is shell: kept for the line rules."""
_SHELL_ASSIGNMENT = re.compile(r"(\s*[A-Za-z_][\w.,\s]*=\s*)!(.*)")


def _cell_magic(source: str) -> str | None:
    """The name of a cell's ``%%magic`` (``time`` for ``%%time -n 1``), or None."""
    first = source.lstrip().split("\n", 1)[0]
    if not first.startswith("%%"):
        return None
    return first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
