"""The effort model on real scans: per kernel and per API family, and a shipped backend costed as configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipshift.scan.effort import (
    CONFIGURATION_DAYS,
    REWRITE_KERNEL_LINES,
    effort_features,
    estimate_effort,
    shipped_parameters,
)
from chipshift.scan.engine import scan_paths

KERNEL = """
__global__ void scale(float* x, float a, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  float v = x[i]; v += __shfl_down_sync(0xffffffff, v, 1);
  if (i < n) x[i] = a * v;
}
"""


def _project(tmp_path: Path, *, npu_backend: bool) -> Path:
    root = tmp_path / "proj"
    (root / "pkg" / "accelerator").mkdir(parents=True)
    (root / "setup.py").write_text("from setuptools import setup\nsetup(name='pkg')\n")
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "accelerator" / "__init__.py").write_text("")
    (root / "pkg" / "train.py").write_text(
        "import torch\nx = torch.zeros(3).cuda()\ntorch.cuda.synchronize()\nprint(torch.cuda.memory_allocated())\n"
    )
    (root / "csrc").mkdir()
    (root / "csrc" / "scale.cu").write_text(KERNEL + KERNEL.replace("scale", "scale2"))
    if npu_backend:
        (root / "pkg" / "accelerator" / "npu_accelerator.py").write_text("class NPU_Accelerator:\n    pass\n")
    return root


def test_a_kernel_costs_per_kernel_not_per_token(tmp_path: Path) -> None:
    result = scan_paths([_project(tmp_path, npu_backend=False)], ["ascend"], use_cache=False)
    features = effort_features(result.findings, "ascend")
    assert [(Path(k.path).name, k.kernels, k.features) for k in features.kernels] == [
        ("scale.cu", 2, ("warp intrinsics",))
    ]
    kernel_rows = [i for i in result.effort("ascend").items if i.kind == "kernels"]
    assert len(kernel_rows) == 1 and kernel_rows[0].label.startswith("2 kernels in ")
    assert {"torch.cuda device API", "torch.cuda memory API"} <= set(features.families)


def test_a_shipped_npu_backend_is_configuration_for_ascend_only(tmp_path: Path) -> None:
    root = _project(tmp_path, npu_backend=True)
    result = scan_paths([root], ["ascend", "hygon-dcu"], use_cache=False)
    assert [(b.target, b.package) for b in result.backends] == [("ascend", root.as_posix())]
    ascend = result.effort("ascend")
    assert ascend.person_days == CONFIGURATION_DAYS
    assert [i.kind for i in ascend.items] == ["backend"]
    assert "npu_accelerator.py" in ascend.items[0].note
    plain = estimate_effort(result.findings, "ascend")
    assert {i.kind for i in plain.items} == {"family", "kernels"}, "without the backend, the code itself is costed"
    assert any(i.kind == "kernels" for i in result.effort("hygon-dcu").items)


def test_the_json_report_keeps_the_backends(tmp_path: Path) -> None:
    from chipshift.scan.model import ScanResult

    result = scan_paths([_project(tmp_path, npu_backend=True)], ["ascend"], use_cache=False)
    again = ScanResult.from_dict(result.to_dict())
    assert again.backends == result.backends
    assert again.effort_person_days("ascend") == CONFIGURATION_DAYS


def test_a_kernel_written_anew_costs_the_stated_prior_and_a_translated_one_the_fit(tmp_path: Path) -> None:
    """Ascend has no kernel translator: 2 kernels x 50 lines x (1 + 1 hard feature) x 3 (unsupported) = 600 lines;
    hipify translates them for Hygon DCU, so they cost the fitted K instead (equivalent, factor 1)."""
    result = scan_paths([_project(tmp_path, npu_backend=False)], ["ascend", "hygon-dcu"], use_cache=False)
    ascend = next(i for i in result.effort("ascend").items if i.kind == "kernels")
    assert ascend.lines == pytest.approx(2 * REWRITE_KERNEL_LINES * 2 * 3) and "written anew" in ascend.note
    dcu = next(i for i in result.effort("hygon-dcu").items if i.kind == "kernels")
    assert dcu.lines == pytest.approx(2 * shipped_parameters().kernel_lines * 2, abs=0.1)
    assert "written anew" not in dcu.note


def test_a_hip_kernel_is_a_kernel_written_anew_off_hygon_and_costs_nothing_there(tmp_path: Path) -> None:
    """HIP code is told apart from CUDA (CS481); it is still a kernel to write for Ascend, and native on Hygon DCU."""
    root = tmp_path / "hipproj"
    root.mkdir()
    (root / "scale.hip").write_text("#include <hip/hip_runtime.h>\n" + KERNEL)
    result = scan_paths([root], ["ascend", "hygon-dcu"], use_cache=False)
    assert {f.rule_id for f in result.findings} >= {"CS481"}
    ascend = [i for i in result.effort("ascend").items if i.kind == "kernels"]
    assert len(ascend) == 1 and ascend[0].count == 1 and "written anew" in ascend[0].note
    assert not [i for i in result.effort("hygon-dcu").items if i.kind == "kernels" and i.hours > 0]


def test_an_example_that_imports_torch_npu_is_not_a_shipped_backend(tmp_path: Path) -> None:
    root = _project(tmp_path, npu_backend=False)
    (root / "examples").mkdir()
    (root / "examples" / "demo.py").write_text("import torch\nimport torch_npu\n")
    result = scan_paths([root], ["ascend"], use_cache=False)
    assert result.backends == []
    assert {i.kind for i in result.effort("ascend").items} == {"family", "kernels"}


def test_cuda_and_hip_kernels_of_one_file_each_keep_their_support(tmp_path: Path) -> None:
    """Two CUDA kernels and a HIP one under ``#ifdef __HIP_PLATFORM_AMD__``: on Hygon DCU the CUDA ones are hipified
    (equivalent) and the HIP one is native, whatever their order in the file."""
    hip = "#ifdef __HIP_PLATFORM_AMD__\n" + KERNEL.replace("scale", "scale_hip") + "#endif\n"
    for text in (KERNEL + KERNEL.replace("scale", "scale2") + hip, hip + KERNEL + KERNEL.replace("scale", "scale2")):
        (tmp_path / "k.cu").write_text(text)
        result = scan_paths([tmp_path / "k.cu"], ["hygon-dcu"], use_cache=False)
        features = effort_features(result.findings, "hygon-dcu")
        assert sorted((k.kernels, k.support.value) for k in features.kernels) == [(1, "native"), (2, "equivalent")]
