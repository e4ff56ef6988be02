"""Real package sources from the registry, migrated: torchinfo (a pure-Python test dependency) is ported, then
imported from the ported copy and used; PyTorch's own CUDA-touching Python files migrate to code that parses and
is stable under a second run."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest

from chipshift.migrate import FileMigrated, load_target, migrate_paths, migrate_source
from chipshift.migrate.apply import write_files

USAGE = """
import sys, torch, torchinfo
assert torchinfo.__file__.startswith(sys.argv[1]), torchinfo.__file__
model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(144, 2))
stats = torchinfo.summary(model, input_size=(1, 3, 8, 8), verbose=0)
print(stats.total_params, stats.trainable_params, stats.total_mult_adds)
"""
TORCH_FILES = ("nn/parallel/parallel_apply.py", "nn/parallel/comm.py", "utils/data/_utils/pin_memory.py")


def original_torchinfo_figures() -> list[str]:
    """What the installed, unported torchinfo says about the same model."""
    torch = pytest.importorskip("torch")
    torchinfo = pytest.importorskip("torchinfo")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(144, 2))
    stats = torchinfo.summary(model, input_size=(1, 3, 8, 8), verbose=0)
    return [str(stats.total_params), str(stats.trainable_params), str(stats.total_mult_adds)]


def package_copy(name: str, destination: Path) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    copy = destination / name
    shutil.copytree(Path(spec.origin).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_torchinfo_ported_to_portable_imports_and_works(tmp_path: Path) -> None:
    copy = package_copy("torchinfo", tmp_path)
    result = migrate_paths([copy], load_target("portable"))
    assert [item.path.name for item in result.migrated] == ["torchinfo.py"]
    migrated = result.migrated[0].result
    assert [(change.line, change.rewrite) for change in migrated.changes] == [
        (487, "cuda-call"),
        (487, "device-string"),
    ]
    assert [(item.line, item.code) for item in migrated.manual] == [(486, "model_parameter.is_cuda")]
    assert 'torch.device("cuda" if' not in migrated.migrated
    write_files(result, backup=False)
    env = dict(os.environ, PYTHONPATH=str(tmp_path), OMP_NUM_THREADS="1")
    run = subprocess.run(
        [sys.executable, "-c", USAGE, str(tmp_path)], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == original_torchinfo_figures()


def test_torchinfo_ported_to_ascend_in_the_documented_form(tmp_path: Path) -> None:
    copy = package_copy("torchinfo", tmp_path)
    result = migrate_paths([copy], load_target("ascend"))
    migrated = next(item for item in result.files if isinstance(item, FileMigrated) and item.result.changed).result
    assert 'torch.device("npu" if torch.npu.is_available() else "cpu")' in migrated.migrated
    assert "model_parameter.is_npu" in migrated.migrated
    assert "\nimport torch_npu\n" in migrated.migrated
    assert migrated.manual == ()


@pytest.mark.parametrize("relative", TORCH_FILES)
def test_pytorch_sources_migrate_to_stable_valid_code(relative: str) -> None:
    torch = pytest.importorskip("torch")
    source = (Path(torch.__file__).parent / relative).read_text()
    target = load_target("portable")
    migrated = migrate_source(source, target).migrated
    cst.parse_module(migrated)
    assert migrate_source(migrated, target).migrated == migrated
