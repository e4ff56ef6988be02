"""Jupyter notebooks: code cells joined into one module (imports carry across cells), lines mapped back to cells.

IPython magics and shell escapes (``%time``, ``!nvidia-smi``) are blanked before parsing; shell escapes are kept
aside for the shell rules.
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


def _cell_source(cell: dict[str, object]) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(str(part) for part in source)
    return str(source)


def read_notebook(data: bytes) -> NotebookSource:
    """Code cells of a notebook (nbformat 4, or 3 with worksheets)."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotebookError(f"not valid notebook JSON: {error}") from None
    if not isinstance(document, dict):
        raise NotebookError("not a notebook (top level is not an object)")
    cells = document.get("cells")
    if cells is None:  # nbformat 3
        cells = [c for ws in document.get("worksheets", []) for c in ws.get("cells", [])]
    result = NotebookSource()
    lines: list[str] = []
    for index, cell in enumerate(cells if isinstance(cells, list) else []):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _cell_source(cell)
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
