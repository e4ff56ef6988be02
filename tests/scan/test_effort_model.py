"""The effort model on real scans: per kernel and per API family, and a shipped backend costed as configuration."""

from __future__ import annotations

from pathlib import Path

from chipshift.scan.effort import CONFIGURATION_DAYS, effort_features, estimate_effort
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
