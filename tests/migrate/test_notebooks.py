"""Notebooks: code cells migrated together (one device resolution), IPython lines kept, outputs untouched."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chipshift.migrate import FileFailed, load_target, migrate_file, migrate_notebook

NOTEBOOK = Path(__file__).parent / "samples" / "cuda_notebook.ipynb"


def code_cells(text: str) -> list[str]:
    cells = json.loads(text)["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def test_portable_notebook() -> None:
    result = migrate_notebook(NOTEBOOK.read_text(), load_target("portable"))
    cells = code_cells(result.migrated)
    assert cells[0] == (
        "%matplotlib inline\nimport torch\nimport torch.nn as nn\n"
        'device = torch.accelerator.current_accelerator(check_available=True) or torch.device("cpu")'
    )
    assert cells[1] == (
        "model = nn.Linear(4, 2).to(device)\nx = torch.randn(3, 4, device=device)\n!nvidia-smi\n"
        "print(model(x).sum().item())"
    )
    assert cells[2] == "%%time\ntorch.cuda.synchronize()"
    assert cells[3] == (
        "torch.get_device_module(device).synchronize()\n"
        "print((torch.get_device_module(device).get_device_name(0)"
        " if torch.accelerator.is_available() else device.type))\n"
    )
    assert [(item.cell, item.line, item.code) for item in result.manual] == [(4, 1, "%%time")]
    original = json.loads(NOTEBOOK.read_text())
    migrated = json.loads(result.migrated)
    assert migrated["cells"][2]["outputs"] == original["cells"][2]["outputs"]
    assert migrated["metadata"] == original["metadata"]
    assert migrate_notebook(result.migrated, load_target("portable")).migrated == result.migrated


def test_ascend_notebook() -> None:
    result = migrate_notebook(NOTEBOOK.read_text(), load_target("ascend"))
    cells = code_cells(result.migrated)
    assert cells[0] == "%matplotlib inline\nimport torch\nimport torch_npu\nimport torch.nn as nn"
    assert cells[1].startswith('model = nn.Linear(4, 2).npu()\nx = torch.randn(3, 4, device="npu")\n')


def test_migrated_cells_run_on_cpu(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    cells = code_cells(migrate_notebook(NOTEBOOK.read_text(), load_target("portable")).migrated)
    runnable = [cell for cell in cells if not cell.startswith("%%")]
    script = "\n".join(line for cell in runnable for line in cell.splitlines() if not line.startswith(("%", "!")))
    script = script.replace("print(torch.cuda.get_device_name(0))", "")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]


def test_not_a_notebook_fails_clearly(tmp_path: Path) -> None:
    path = tmp_path / "x.ipynb"
    path.write_text("{}")
    outcome = migrate_file(path, load_target("portable"))
    assert isinstance(outcome, FileFailed)
    assert "not a Jupyter notebook" in outcome.reason
    path.write_text('{"cells": [')
    outcome = migrate_file(path, load_target("portable"))
    assert isinstance(outcome, FileFailed) and "not JSON" in outcome.reason
