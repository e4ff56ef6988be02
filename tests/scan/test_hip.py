"""HIP told apart from CUDA (issue 14): ``.hip`` files, ``hip*`` runtime calls, ``#if`` branches on the HIP platform
and GCN inline assembly are HIP rules (CS48x, native on Hygon DCU), not CUDA rules; PTX stays CS419. The real-code
cases (flash-attn's Composable Kernel backend, CK's assembly, DeepSpeed's HIP switch) are in ``test_fixtures.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipshift.scan import scan_paths
from chipshift.scan.finding import Support
from chipshift.scan.rules import load_rules

KERNEL = """#include <hip/hip_runtime.h>
__global__ void add(float* x) { x[threadIdx.x] += 1; }
void run(float* x, hipStream_t s) { hipLaunchKernelGGL(add, dim3(1), dim3(64), 0, s, x); }
"""
SWITCH = """#ifndef USE_ROCM
__device__ int lane() { int c; asm volatile("mov.u32 %0, %%laneid;" : "=r"(c)); return c; }
#else
__device__ int lane() { int c; asm volatile("s_waitcnt lgkmcnt(0)"); return __lane_id(); }
#endif
#if defined(__HIP_PLATFORM_AMD__) || defined(__HIPCC__)
__device__ float f(float a) { return __shfl_down(a, 1); }
#elif defined(__CUDACC__)
__device__ float f(float a) { return __shfl_down_sync(0xffffffff, a, 1); }
#endif
"""


def found(root: Path) -> set[tuple[str, int, str]]:
    result = scan_paths([root], ["hygon-dcu"], use_cache=False, jobs=1)
    return {(Path(f.path).name, f.line, f.rule_id) for f in result.findings}


def test_a_hip_file_is_reported_with_hip_rules(tmp_path: Path) -> None:
    (tmp_path / "add.hip").write_text(KERNEL)
    assert found(tmp_path) == {
        ("add.hip", 1, "CS489"),
        ("add.hip", 2, "CS481"),
        ("add.hip", 2, "CS482"),
        ("add.hip", 3, "CS488"),
        ("add.hip", 3, "CS483"),
    }


def test_the_branches_of_a_hip_switch_are_hip_and_cuda(tmp_path: Path) -> None:
    (tmp_path / "lane.cuh").write_text(SWITCH)
    assert found(tmp_path) == {
        ("lane.cuh", 1, "CS484"),  # the switch itself
        ("lane.cuh", 2, "CS402"),
        ("lane.cuh", 2, "CS419"),  # PTX on the CUDA side
        ("lane.cuh", 4, "CS482"),
        ("lane.cuh", 4, "CS486"),  # GCN on the HIP side: not PTX
        ("lane.cuh", 6, "CS484"),
        ("lane.cuh", 7, "CS482"),
        ("lane.cuh", 8, "CS407"),
        ("lane.cuh", 9, "CS402"),
        ("lane.cuh", 9, "CS411"),
    }


def test_gcn_assembly_outside_hip_code_is_not_ptx(tmp_path: Path) -> None:
    (tmp_path / "k.cu").write_text('__device__ void w() { asm volatile("ds_bpermute_b32 %0, %1, %2"); }\n')
    assert ("k.cu", 1, "CS486") in found(tmp_path)
    assert ("k.cu", 1, "CS419") not in found(tmp_path)


@pytest.mark.parametrize("rule_id", [f"CS48{n}" for n in range(1, 10)])
def test_hip_rules_are_native_on_hygon_and_a_port_elsewhere(rule_id: str) -> None:
    rule = load_rules().by_id[rule_id]
    assert rule.support("hygon-dcu").support is Support.NATIVE
    assert {rule.support(t).support for t in ("ascend", "cambricon", "musa")} == {Support.EQUIVALENT}
    assert rule.support("portable").support is Support.UNSUPPORTED


def test_every_hip_mapping_names_a_hip_rule() -> None:
    book = load_rules()
    mapped = {rule.hip for rule in book.rules if rule.hip}
    assert mapped and all(book.by_id[hip].category.startswith("hip-") for hip in mapped)
