"""Migrate on real multi-backend code (issue 14, first "done when"): excerpts of accelerate, DeepSpeed's
``accelerator/``, diffusers and Lightning Fabric (``corpus/``, see its README for versions and licence) ported to
``ascend`` and ``portable`` keep every file parsing, name no backend twice in a literal and change no branch that
handles a non-CUDA backend; CUDA-only code beside them is still rewritten."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from chipshift.migrate import FileMigrated, MigrationResult, load_target, migrate_paths, migrate_source
from chipshift.migrate.engine import library_mode
from chipshift.multibackend.integrity import integrity_problems

CORPUS = Path(__file__).parent / "corpus"
TREES = ("accelerate", "deepspeed_accelerator", "diffusers", "lightning_fabric")
TARGETS = ("ascend", "portable")


def port(tree: str, target: str, *, library: bool | None = None) -> MigrationResult:
    return migrate_paths([CORPUS / tree], load_target(target), jobs=1, library=library)


def by_name(result: MigrationResult) -> dict[str, FileMigrated]:
    return {item.path.relative_to(CORPUS).as_posix(): item for item in result.files if isinstance(item, FileMigrated)}


@pytest.mark.parametrize("tree", TREES)
def test_every_excerpt_tree_is_a_multi_backend_package(tree: str) -> None:
    assert library_mode([CORPUS / tree])


@pytest.mark.parametrize("library", [None, False])
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("tree", TREES)
def test_a_port_corrupts_no_multi_backend_code(tree: str, target: str, library: bool | None) -> None:
    result = port(tree, target, library=library)
    assert result.failed == []
    assert result.library is (library is None)
    for item in result.migrated:
        assert integrity_problems(item.result.original, item.result.migrated) == [], item.path


@pytest.mark.parametrize("target", TARGETS)
def test_deepspeed_keeps_its_accelerator_dispatch_and_cuda_backend(target: str) -> None:
    files = by_name(port("deepspeed_accelerator", target, library=False))
    selection = files["deepspeed_accelerator/real_accelerator.py"].result
    assert (
        'if accelerator_name == "cuda":\n        from .cuda_accelerator import CUDA_Accelerator' in selection.migrated
    )
    assert selection.migrated.count('accelerator_name == "npu"') == selection.original.count(
        'accelerator_name == "npu"'
    )
    library = by_name(port("deepspeed_accelerator", target))
    assert not any(item.result.changed for item in library.values())  # its CUDA backend module stays CUDA's


@pytest.mark.parametrize("target", TARGETS)
def test_accelerate_keeps_its_lists_of_backends(target: str) -> None:
    excerpts = by_name(port("accelerate", target, library=False))["accelerate/excerpts.py"].result.migrated
    assert '["to", "cuda", "npu", "xpu", "mlu", "sdaa", "musa"]' in excerpts
    assert '("xpu", "cuda", "npu", "xla", "mlu", "musa", "hpu", "sdaa", "mps")' in excerpts


@pytest.mark.parametrize("target", TARGETS)
def test_diffusers_keeps_its_backend_tables(target: str) -> None:
    files = by_name(port("diffusers", target, library=False))
    tables = files["diffusers/utils/testing_utils.py"].result
    assert '"cuda": torch.cuda.synchronize,' in tables.migrated
    assert tables.migrated.count('"npu"') == tables.original.count('"npu"')


def test_lightning_keeps_its_cuda_accelerator_in_library_mode() -> None:
    files = by_name(port("lightning_fabric", "portable"))
    assert not files["lightning_fabric/accelerators/cuda.py"].result.changed
    forced = by_name(port("lightning_fabric", "portable", library=False))
    assert forced["lightning_fabric/accelerators/cuda.py"].result.changed  # as a script, CUDA code is ported


LIBRARY_MODULE = textwrap.dedent(
    """
    import torch
    from .imports import is_npu_available, is_xpu_available

    SUPPORTED = ("cuda", "npu", "xpu")


    def empty_cache():
        if is_xpu_available():
            torch.xpu.empty_cache()
        elif is_npu_available():
            torch.npu.empty_cache()
        else:
            torch.cuda.empty_cache()


    def peak_memory():
        return torch.cuda.max_memory_allocated()


    def place(model):
        return model.to("cuda")
    """
)


@pytest.mark.parametrize("library", [False, True])
@pytest.mark.parametrize("target", TARGETS)
def test_only_cuda_only_code_is_rewritten(target: str, library: bool) -> None:
    result = migrate_source(LIBRARY_MODULE, load_target(target), library=library, module_path="pkg/memory.py")
    dispatch = LIBRARY_MODULE[LIBRARY_MODULE.index("SUPPORTED") : LIBRARY_MODULE.index("def peak_memory")]
    assert dispatch in result.migrated
    assert "torch.cuda.max_memory_allocated" not in result.migrated
    assert 'model.to("cuda")' not in result.migrated
    assert integrity_problems(LIBRARY_MODULE, result.migrated) == []


def test_library_mode_guards_the_vendor_import_with_the_modules_own_check() -> None:
    result = migrate_source(LIBRARY_MODULE, load_target("ascend"), library=True, module_path="pkg/memory.py")
    assert "if is_npu_available():\n    import torch_npu  # noqa: F401\n" in result.migrated
    assert "\nimport torch_npu\n" not in result.migrated
    script = migrate_source(LIBRARY_MODULE, load_target("ascend"))
    assert "\nimport torch_npu\n" in script.migrated


def test_library_mode_guards_the_vendor_import_in_try_without_a_check() -> None:
    source = "import torch\n\n\ndef peak():\n    return torch.cuda.max_memory_allocated()\n"
    result = migrate_source(source, load_target("ascend"), library=True, module_path="pkg/stats.py")
    assert "try:\n    import torch_npu  # noqa: F401\nexcept ImportError:\n    pass\n" in result.migrated


def test_library_mode_resolves_no_device_at_import_time() -> None:
    result = migrate_source(LIBRARY_MODULE, load_target("portable"), library=True, module_path="pkg/memory.py")
    assert "model.to(_accelerator_device())" in result.migrated
    assert "\ndevice = " not in result.migrated
    again = migrate_source(result.migrated, load_target("portable"), library=True, module_path="pkg/memory.py")
    assert again.migrated == result.migrated  # a second run finds the function of the first


def test_a_module_that_imports_torch_only_when_available_gets_no_torch_import() -> None:
    source = textwrap.dedent(
        """
        from .imports import is_torch_available

        if is_torch_available():
            import torch


        def peak():
            return torch.cuda.max_memory_allocated()
        """
    )
    result = migrate_source(source, load_target("portable"), library=True, module_path="pkg/stats.py")
    assert result.changes
    top_level = [s for s in ast.parse(result.migrated).body if isinstance(s, ast.Import)]
    assert top_level == []  # torch stays imported only when available
