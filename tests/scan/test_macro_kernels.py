"""Kernels defined through a macro are kernels (flash-attn's attention kernels, real code in fixtures/cuda/flash_attn).

tree-sitter sees a ``#define`` body as opaque text; the scan finds the ``__global__`` there and counts one kernel per
use of the macro, so flash-attn's forward kernels are costed (they were 0 of its kernels before).
"""

from __future__ import annotations

from pathlib import Path

from chipshift.scan.effort import effort_features
from chipshift.scan.engine import scan_paths

FLASH = Path(__file__).parent / "fixtures" / "cuda" / "flash_attn"


def test_each_use_of_a_kernel_defining_macro_is_a_kernel() -> None:
    result = scan_paths([FLASH], ["ascend"], use_cache=False)
    kernels = sorted((f.line, f.column) for f in result.findings if f.rule_id == "CS401")
    assert kernels == [(32, 1), (41, 1), (49, 1)]  # flash_fwd_kernel, flash_fwd_splitkv_kernel, ..._combine_kernel
    assert all("DEFINE_FLASH_FORWARD_KERNEL" in f.message for f in result.findings if f.rule_id == "CS401")
    features = effort_features(result.findings, "ascend")
    assert [(k.kernels, k.translated) for k in features.kernels] == [(3, False)]


def test_a_macro_never_used_in_its_file_is_one_kernel_at_its_definition(tmp_path: Path) -> None:
    (tmp_path / "k.cuh").write_text(
        "#define KERNEL(name) \\\n  __global__ void name(float* x) \\\n  { x[threadIdx.x] = 0; }\n#define OTHER 1\n"
    )
    result = scan_paths([tmp_path], ["ascend"], use_cache=False)
    assert [(f.line, f.rule_id) for f in result.findings if f.rule_id == "CS401"] == [(1, "CS401")]


def test_a_qualifier_macro_counts_its_uses_and_a_form_feed_moves_no_line(tmp_path: Path) -> None:
    (tmp_path / "q.cu").write_text(
        "// a\x0c b\n#define CUDA_KERNEL __global__\nCUDA_KERNEL void f(float* x) {}\nCUDA_KERNEL void g(float* x) {}\n"
    )
    (tmp_path / "only.cuh").write_text("#define CUDA_KERNEL __global__\n")  # defines it, holds no kernel
    result = scan_paths([tmp_path], ["ascend"], use_cache=False)
    found = sorted((Path(f.path).name, f.line) for f in result.findings if f.rule_id == "CS401")
    assert found == [("q.cu", 3), ("q.cu", 4)]
