"""Many files: worker processes give the same outcomes in the same order; files with nothing to port are only
syntax-checked, and a broken one is still reported."""

from __future__ import annotations

from pathlib import Path

from chipshift.migrate import FileFailed, FileMigrated, load_target, migrate_paths

SOURCES = (
    "import torch\nx = torch.ones(2).cuda()\ntorch.cuda.synchronize()\n",
    "import torch\nif torch.cuda.is_available():\n    print(torch.cuda.get_device_name(0))\n",
    'import torch.distributed as dist\ndist.init_process_group("nccl")\n',
)
FILES = 32
"""Enough files for several workers."""


def _tree(root: Path) -> Path:
    for index in range(FILES):
        (root / f"m{index:02}.py").write_text(SOURCES[index % len(SOURCES)])
    (root / "plain.py").write_text("import math\n\nprint(math.pi)\n")
    (root / "broken.py").write_text("def f(:\n    return 1\n")
    return root


def test_workers_give_the_same_outcomes_in_order(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    target = load_target("portable")
    alone = migrate_paths([tree], target, jobs=1)
    shared = migrate_paths([tree], target, jobs=2)
    assert alone == shared
    assert [item.path.name for item in shared.files] == sorted(p.name for p in tree.iterdir())
    assert len(shared.migrated) == FILES


def test_files_without_cuda_are_checked_and_left(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    result = migrate_paths([tree / "plain.py", tree / "broken.py"], load_target("portable"))
    plain, broken = result.files
    assert isinstance(plain, FileMigrated) and not plain.result.changed and plain.result.manual == ()
    assert isinstance(broken, FileFailed) and "line 1: not valid Python" in broken.reason
