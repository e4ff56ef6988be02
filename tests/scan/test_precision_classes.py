"""False-positive classes of issue 14 on real code (``precision/``, see its README): a library's backend folders,
the default backend beside per-backend folders (DeepSpeed's NVMe AsyncIO builder), an AMD backend's tests, imports for
type checkers only, one probe per backend and choices already made per device (``device_choices/``) are not findings;
the same code elsewhere, and real CUDA beside it, is."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chipshift.scan import scan_paths

PRECISION = Path(__file__).parent / "precision"


def found(root: Path) -> set[tuple[str, int, str]]:
    result = scan_paths([root], ["portable"], use_cache=False, jobs=1)
    return {(Path(f.path).relative_to(root).as_posix(), f.line, f.rule_id) for f in result.findings}


@pytest.mark.parametrize(
    "tree", ["deepspeed", "bitsandbytes", "flash_attn_tests", "lightning_precision", "transformers_testing"]
)
def test_what_is_not_lock_in_is_not_reported(tree: str) -> None:
    expected = {
        "bitsandbytes": {("diagnostics/main.py", 30, "CS131"), ("diagnostics/main.py", 31, "CS131")},  # real CUDA
    }
    assert found(PRECISION / tree) == expected.get(tree, set())


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("deepspeed/op_builder/async_io.py", {69: "CS193"}),  # no longer beside npu/ and xpu/
        ("bitsandbytes/backends/triton/kernels_optim.py", {6: "CS201", 7: "CS201", 11: "CS202"}),
        ("flash_attn_tests/flash_attn_triton_amd_tests.py", {7: "CS301", 16: "CS301", 17: "CS301", 18: "CS303"}),
    ],
)
def test_the_same_code_elsewhere_is_reported(source: str, expected: dict[int, str], tmp_path: Path) -> None:
    shutil.copy(PRECISION / source, tmp_path / "module.py")
    hits = {line: rule for _, line, rule in found(tmp_path)}
    assert expected.items() <= hits.items()


def test_a_type_checking_import_outside_the_guard_is_reported(tmp_path: Path) -> None:
    text = (PRECISION / "lightning_precision" / "transformer_engine.py").read_text(encoding="utf-8")
    (tmp_path / "te.py").write_text(text.replace("if TYPE_CHECKING:\n    from", "if True:\n    from"))
    assert ("te.py", 34, "CS319") in found(tmp_path)


def test_one_probe_per_backend_is_not_reported_but_a_lone_cuda_check_is(tmp_path: Path) -> None:
    text = (PRECISION / "transformers_testing" / "testing_utils.py").read_text(encoding="utf-8")
    lone = "\n".join(line for line in text.splitlines() if "IS_ROCM" not in line and "IS_XPU" not in line)
    (tmp_path / "probe.py").write_text(lone.replace("IS_NPU_SYSTEM", "OTHER").replace('"npu"', '"other"') + "\n")
    assert {rule for _, _, rule in found(tmp_path)} == {"CS117"}


TWINS = [  # (excerpt in precision/device_choices/, what the code would be without the choice made, line, rule)
    ("accelerate_modeling.py", ("torch.device(device).index if", "torch.device(device).index  #"), 16, "CS134"),
    ("deepspeed_stream.py", ("get_accelerator().Stream(", "torch.Stream("), 8, "CS134"),
    ("lightning_ddp.py", ("device_ids=device_ids", "device_ids=[self.root_device.index]"), 11, "CS177"),
    ("lightning_amp.py", ("if _TORCH_GREATER_EQUAL_2_4", "if precision"), 7, "CS152"),
    ("transformers_determinism.py", ("torch.use_deterministic_algorithms", "print"), 28, "CS161"),
]


def test_choices_already_made_are_not_reported() -> None:
    """Real code that already chose per device: an index set only for the device types named (accelerate), an index
    through DeepSpeed's accelerator, Lightning's DDP device_ids (None on a CPU) and its old-torch scaler fallback,
    cuDNN settings beside torch.use_deterministic_algorithms (transformers). Only Lightning's torch.cuda.stream is."""
    assert found(PRECISION / "device_choices") == {("lightning_ddp.py", 9, "CS110")}


@pytest.mark.parametrize(("source", "change", "line", "rule"), TWINS, ids=[twin[0] for twin in TWINS])
def test_the_same_code_without_the_choice_is_reported(
    source: str, change: tuple[str, str], line: int, rule: str, tmp_path: Path
) -> None:
    text = (PRECISION / "device_choices" / source).read_text(encoding="utf-8")
    assert change[0] in text
    (tmp_path / source).write_text(text.replace(change[0], change[1]), encoding="utf-8")
    assert (source, line, rule) in found(tmp_path)


def test_ascend_c_is_the_ascend_backend_s_code_not_cuda(tmp_path: Path) -> None:
    """vllm-ascend's Ascend C kernels (``__global__ __aicore__``, ``<<<blockDim, nullptr, stream>>>``, ``blockIdx``)
    and a helper of an operator's ``op_kernel/`` folder are not CUDA lock-in (16 findings before); the helper's
    warp-size constant and PTX outside such a folder are, not its compiler barrier (an empty ``asm``)."""
    assert found(PRECISION / "vllm_ascend") == set()
    helper = (
        "constexpr int kWarpSize = 32;\n"
        'void sync() { asm volatile("bar.sync 0;"); }\n'
        'void fence() { __asm__ __volatile__(""); }\n'
    )
    (tmp_path / "op_kernel").mkdir()
    (tmp_path / "op_kernel" / "sync.h").write_text(helper)
    (tmp_path / "sync.h").write_text(helper)
    assert found(tmp_path) == {("sync.h", 1, "CS413"), ("sync.h", 2, "CS419")}


CUDA_KERNEL = "__global__ void add(float* x) { x[threadIdx.x] += 1; }\nvoid run(float* x) { add<<<1, 32>>>(x); }\n"


@pytest.mark.parametrize(
    ("relative", "text"),
    [
        ("kernels/add.cu", "// ported from AscendC::DataCopy, __aicore__\n" + CUDA_KERNEL),  # .cu is CUDA
        ("op_kernel/add.cu", CUDA_KERNEL),
        ("kernels/f.cpp", 'const char* note = "see AscendC::DataCopy";\nvoid f() { cudaDeviceSynchronize(); }\n'),
        ("npu/both.cpp", '#include "kernel_operator.h"\n#include <cuda_runtime.h>\nvoid f() { cudaFree(0); }\n'),
    ],
)
def test_ascend_c_markers_do_not_hide_cuda(relative: str, text: str, tmp_path: Path) -> None:
    (tmp_path / relative).parent.mkdir(parents=True)
    (tmp_path / relative).write_text(text)
    assert found(tmp_path)


def test_ascend_c_and_hip_files_alike_are_not_served_each_other_s_cache(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    cache = tmp_path_factory.mktemp("cache")
    text = '#include "hip/hip_runtime.h"\n__global__ void add(float* x) { x[threadIdx.x] += 1; }\n'
    for relative in ("hip/add.cpp", "hip/npu/add.cpp"):
        root = tmp_path_factory.mktemp("root")
        (root / relative).parent.mkdir(parents=True)
        (root / relative).write_text(text)
        cached = scan_paths([root], ["portable"], cache_dir=cache, jobs=1).findings
        assert cached == scan_paths([root], ["portable"], use_cache=False, jobs=1).findings, relative
