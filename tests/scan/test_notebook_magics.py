"""Notebook cells with IPython syntax: Python under a cell magic is scanned, shell assignments do not hide a file."""

from __future__ import annotations

import json
from pathlib import Path

from chipshift.scan import scan_paths


def _notebook(path: Path, *cells: str) -> Path:
    document = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": c} for c in cells],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_python_under_time_magic_is_scanned_and_shell_assignment_kept(tmp_path: Path) -> None:
    notebook = _notebook(
        tmp_path / "nb.ipynb",
        "import torch",
        "%%time\ntorch.cuda.synchronize()",
        "gpus = !nvidia-smi -L\nx = torch.zeros(1).cuda()",
        "%%bash\nnvidia-smi",
    )
    result = scan_paths([notebook], jobs=1, use_cache=False)
    assert not result.skipped
    where = {(f.rule_id, f.cell, f.line) for f in result.findings}
    assert ("CS105", 1, 2) in where  # torch.cuda.synchronize under %%time: cell 1 (0-based), line 2
    assert any(
        rule == "CS131" and cell == 2 and line == 2 for rule, cell, line in where
    )  # .cuda() after a !-assignment
