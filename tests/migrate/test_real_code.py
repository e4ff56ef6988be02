"""Real package sources from the registry, migrated: torchinfo and kornia (pure-Python test dependencies) are
ported, then imported from the ported copy and used, and ``chipshift scan`` on the port lists exactly what migrate
left; PyTorch's own CUDA-touching Python files migrate to code that parses and is stable under a second run.

timm is not among them: it needs torchvision, whose registry wheel for torch 2.13 is built for CUDA and does not load
its operators with the registry's CPU torch ("operator torchvision::nms does not exist"), so timm cannot be imported
on the machines CI runs on.
"""

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
from chipshift.migrate.writing import apply_migration

USAGE = """
import sys, torch, torchinfo
assert torchinfo.__file__.startswith(sys.argv[1]), torchinfo.__file__
model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(144, 2))
stats = torchinfo.summary(model, input_size=(1, 3, 8, 8), verbose=0)
print(stats.total_params, stats.trainable_params, stats.total_mult_adds)
"""
KORNIA_FILES = ("core/utils.py", "feature/matching.py", "geometry/_ransac_program.py")
"""kornia 0.9.0 modules with CUDA code migrate rewrites (of 8 such modules in 507 files; all 507 take 2 minutes)."""
KORNIA_USAGE = """
import sys, torch, kornia
from kornia.core.utils import get_cuda_device_if_available
from kornia.geometry._ransac_program import _compiled_autocast_disabled
if len(sys.argv) > 1:
    assert kornia.__file__.startswith(sys.argv[1]), kornia.__file__
torch.manual_seed(0)
desc1, desc2 = torch.rand(40, 16), torch.rand(30, 16)
dists, idxs = kornia.feature.match_nn(desc1, desc2)
with _compiled_autocast_disabled():
    blurred = kornia.filters.gaussian_blur2d(torch.rand(1, 3, 16, 16), (5, 5), (1.5, 1.5))
print(get_cuda_device_if_available(), round(float(dists.sum()), 5), int(idxs.sum()), round(float(blurred.sum()), 4))
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
        (485, "device-flow"),  # model_parameter.is_cuda -> (model_parameter.device.type != "cpu")
        (487, "cuda-call"),
        (487, "device-string"),
    ]
    assert migrated.manual == ()
    assert 'torch.device("cuda" if' not in migrated.migrated
    apply_migration(result, backup=True)  # a copy outside git: backups beside the files
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


def test_kornia_ported_to_portable_runs_and_scan_agrees(tmp_path: Path) -> None:
    scan_paths = pytest.importorskip("chipshift.scan").scan_paths
    from chipshift.scan.finding import Support
    from chipshift.scan.rules import load_rules

    copy = package_copy("kornia", tmp_path)
    files = [copy / relative for relative in KORNIA_FILES]
    result = migrate_paths(files, load_target("portable"))
    by_file = {item.path.relative_to(copy).as_posix(): item.result for item in result.migrated}
    assert {name: [c.rewrite for c in r.changes] for name, r in by_file.items()} == {
        # if torch.cuda.is_available(): return torch.device(f"cuda:{index}") -> any accelerator, its device string
        "core/utils.py": ["cuda-call", "device-flow"],
        # torch.autocast(device_type="cuda", enabled=False) -> the resolved device's type
        "feature/matching.py": ["device-string"],
        "geometry/_ransac_program.py": ["device-string"],
    }
    utils = by_file["core/utils.py"].migrated
    assert 'if torch.accelerator.is_available():\n        return torch.device(f"{accel_device.type}:{index}")' in utils
    apply_migration(result, backup=True)  # a copy outside git: backups beside the files
    # The scan of the port lists, per file, the lines migrate left for a person (native findings need nothing).
    rules = load_rules().by_id
    for name, migrated in by_file.items():
        findings = scan_paths([copy / name], ["portable"], use_cache=False, jobs=1).findings
        to_do = {f.line for f in findings if rules[f.rule_id].targets["portable"].support is not Support.NATIVE}
        assert to_do == {item.line for item in migrated.manual}, name
    env = dict(os.environ, PYTHONPATH=str(tmp_path), OMP_NUM_THREADS="1")
    ported = subprocess.run(
        [sys.executable, "-c", KORNIA_USAGE, str(tmp_path)], env=env, capture_output=True, text=True, timeout=300
    )
    assert ported.returncode == 0, ported.stderr[-2000:]
    original = subprocess.run(
        [sys.executable, "-c", KORNIA_USAGE], env=dict(os.environ, OMP_NUM_THREADS="1"), capture_output=True, text=True
    )
    assert original.returncode == 0, original.stderr[-2000:]
    assert ported.stdout == original.stdout
    assert ported.stdout.startswith("cpu ")
