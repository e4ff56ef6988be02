"""The default backend beside per-backend folders (DeepSpeed's ``op_builder/*.py`` beside ``op_builder/npu/`` and
``op_builder/xpu/``): in a multi-backend library, scan does not report it and migrate leaves it as written, from the
one decision (:func:`chipshift.multibackend.dispatch_folders`); with one backend folder only, both treat it as any
CUDA code."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipshift.migrate import FileMigrated, load_target, migrate_paths
from chipshift.multibackend import dispatch_folders
from chipshift.scan import scan_paths

BUILDER = 'import torch\n\n\ndef build():\n    torch.cuda.synchronize()\n    return torch.device("cuda")\n'


def library(root: Path, backend_folders: list[str]) -> Path:
    package = root / "pkg"
    (package / "op_builder").mkdir(parents=True)
    (package / "__init__.py").write_text('SUPPORTED = ("cuda", "npu", "xpu", "mlu")\n')
    (package / "op_builder" / "__init__.py").write_text("")
    (package / "op_builder" / "builder.py").write_text(BUILDER)
    for name in backend_folders:
        (package / "op_builder" / name).mkdir()
        (package / "op_builder" / name / "__init__.py").write_text("")
        (package / "op_builder" / name / "builder.py").write_text(f'DEVICE = "{name}"\n')
    return package


def test_dispatch_folders_are_those_with_two_backend_subfolders_or_more(tmp_path: Path) -> None:
    package = library(tmp_path, ["npu", "cpu"])
    files = [(path, package) for path in package.rglob("*.py")]
    assert dispatch_folders(files) == {package / "op_builder"}
    assert dispatch_folders((path, package) for path, _ in files if "cpu" not in path.parts) == set()


@pytest.mark.parametrize("target", ["ascend", "portable"])
def test_the_default_backend_beside_backend_folders_is_kept_by_scan_and_migrate(tmp_path: Path, target: str) -> None:
    package = library(tmp_path, ["npu", "xpu"])
    result = migrate_paths([package], load_target(target), jobs=1)
    assert result.library
    builder = next(f for f in result.files if f.path.name == "builder.py" and f.path.parent.name == "op_builder")
    assert isinstance(builder, FileMigrated) and builder.result.migrated == BUILDER
    findings = scan_paths([package], [target], use_cache=False, jobs=1).findings
    assert not [f for f in findings if Path(f.path).parent.name == "op_builder"]


@pytest.mark.parametrize("target", ["ascend", "portable"])
def test_beside_one_backend_folder_the_module_is_ported_and_reported(tmp_path: Path, target: str) -> None:
    package = library(tmp_path, ["npu"])
    result = migrate_paths([package], load_target(target), jobs=1)
    builder = next(f for f in result.files if f.path.name == "builder.py" and f.path.parent.name == "op_builder")
    assert isinstance(builder, FileMigrated) and builder.result.migrated != BUILDER
    findings = scan_paths([package], [target], use_cache=False, jobs=1).findings
    assert {f.line for f in findings if Path(f.path).parent.name == "op_builder"} >= {5, 6}


def test_folders_of_other_files_do_not_decide_it(tmp_path: Path) -> None:
    """Backend folders holding only C++ sources do not make a dispatch folder, for scan or migrate (migrate sees
    Python files only)."""
    package = library(tmp_path, [])
    for name in ("npu", "xpu"):
        (package / "op_builder" / name).mkdir()
        (package / "op_builder" / name / "kernel.cpp").write_text("int f() { return 0; }\n")
    result = migrate_paths([package], load_target("ascend"), jobs=1)
    builder = next(f for f in result.files if f.path.name == "builder.py")
    assert isinstance(builder, FileMigrated) and builder.result.migrated != BUILDER
    findings = scan_paths([package], ["ascend"], use_cache=False, jobs=1).findings
    assert {f.line for f in findings if Path(f.path).name == "builder.py"} >= {5, 6}


def test_the_order_of_the_folders_given_does_not_matter(tmp_path: Path) -> None:
    package = library(tmp_path, ["npu", "xpu"])
    for roots in ([package / "op_builder" / "npu", package], [package, package / "op_builder" / "npu"]):
        result = migrate_paths(roots, load_target("ascend"), jobs=1, library=True)
        builder = next(f for f in result.files if f.path.name == "builder.py" and f.path.parent.name == "op_builder")
        assert isinstance(builder, FileMigrated) and builder.result.migrated == BUILDER, roots
