"""Which code already handles several backends (kept as written by migrate, not reported by scan): inline cases
taken from accelerate, DeepSpeed, diffusers and Lightning, each with the regions it must and must not have."""

from __future__ import annotations

import ast
import textwrap

import pytest

from chipshift.multibackend import Region, backends_in, in_characters, is_multi_backend_package, kept_regions, words


def regions(code: str, *, library: bool = False, module_path: str = "") -> list[tuple[int, int, str]]:
    """(first line, last line, reason) of each kept region of ``code``."""
    tree = ast.parse(textwrap.dedent(code))
    found = kept_regions(tree, library=library, module_path=module_path)
    return [(region.start[0], region.end[0], region.reason) for region in found]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("CUDA_Accelerator", ["cuda", "accelerator"]),
        ("XLAAccelerator", ["xla", "accelerator"]),
        ("is_torch_npu_available", ["is", "torch", "npu", "available"]),
        ("cuda:0", ["cuda", "0"]),
        ("MULTI_NPU", ["multi", "npu"]),
    ],
)
def test_names_split_into_words(name: str, expected: list[str]) -> None:
    assert words(name) == expected


def test_backends_named() -> None:
    assert backends_in(["torch.cuda.synchronize", "is_npu_available"]) == {"cuda", "npu"}
    assert backends_in(["hccl", "nccl"]) == {"npu", "cuda"}
    assert backends_in(["ship", "cpu", "gpu"]) == frozenset()


def test_multi_backend_literals_are_kept_and_cuda_only_ones_are_not() -> None:
    code = """
    supported = ("xpu", "cuda", "npu", "xla")
    attributes = ["to", "cuda", "npu", "xpu"]
    sync = {"cuda": torch.cuda.synchronize, "npu": None}
    activity = Literal["cpu", "xpu", "cuda"]
    plain = ["cuda", "cpu"]
    one = ("use cuda or npu",)
    """
    assert regions(code) == [
        (2, 2, "multi-backend literal"),
        (3, 3, "multi-backend literal"),
        (4, 4, "multi-backend literal"),
        (5, 5, "multi-backend literal"),
    ]


def test_a_dict_keyed_by_backends_is_a_table_even_with_only_the_cpu_beside_cuda() -> None:
    code = """
    activity_map = {"cpu": ProfilerActivity.CPU, "cuda": ProfilerActivity.CUDA}
    settings = {"device": "cuda", "seed": 1}
    """
    assert regions(code) == [(2, 2, "backend table")]


def test_a_condition_naming_several_backends_is_kept() -> None:
    assert regions("ok = is_cuda_available() or is_npu_available()\n") == [(1, 1, "multi-backend condition")]
    assert regions("ok = torch.cuda.is_available() and flag\n") == []


def test_a_dispatch_keeps_every_branch_and_its_cuda_else() -> None:
    code = """
    if is_mlu_available():
        return "mlu", "MULTI_MLU"
    elif is_npu_available():
        return "npu", "MULTI_NPU"
    else:
        return "cuda", "MULTI_GPU"
    x = torch.cuda.device_count()
    """
    assert regions(code) == [(2, 7, "dispatch over backends")]


def test_a_lone_check_for_another_backend_keeps_its_branch_only() -> None:
    code = """
    if is_torch_xla_available():
        xm.mark_step()
    else:
        torch.cuda.synchronize()
    """
    assert regions(code) == [(2, 3, "dispatch over backends")]


def test_a_dispatch_that_names_cuda_keeps_its_fallback() -> None:
    code = """
    if accelerator_name == "cuda":
        from .cuda_accelerator import CUDA_Accelerator
    elif accelerator_name == "npu":
        from .npu_accelerator import NPU_Accelerator
    else:
        raise ValueError(accelerator_name)
    """
    assert regions(code) == [(2, 7, "dispatch over backends")]


def test_a_cuda_only_script_has_nothing_kept() -> None:
    code = """
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if torch.cuda.is_available():
        torch.backends.cudnn.benchmark = True
    model = Net().cuda()
    """
    assert regions(code) == []
    assert regions(code, library=True) == [(2, 2, "CUDA-guarded code"), (3, 4, "CUDA-guarded code")]


def test_a_conditional_expression_choosing_between_backends_is_kept() -> None:
    assert regions('d = "npu" if is_npu_available() else "cuda"\n') == [(1, 1, "dispatch over backends")]
    assert regions('d = "cuda" if use_gpu else "npu"\n') == [(1, 1, "dispatch over backends")]


def test_assignments_selecting_a_backend_are_kept_with_their_condition() -> None:
    code = """
    def get_accelerator():
        try:
            import torch_npu
            accelerator_name = "npu"
        except ImportError:
            pass
        if torch.cuda.device_count() > 0 and torch.cuda.is_available():
            accelerator_name = "cuda"
        other = torch.cuda.current_device()
    """
    assert regions(code) == [(5, 5, "backend selection"), (8, 9, "backend selection")]


def test_a_class_enumerating_backends_is_a_table() -> None:
    code = """
    class RNGType(BaseEnum):
        TORCH = "torch"
        CUDA = "cuda"
        MLU = "mlu"
    """
    assert regions(code) == [(4, 4, "backend selection"), (5, 5, "backend selection")]


def test_library_mode_keeps_backend_specific_implementations() -> None:
    code = """
    class CUDAAccelerator(Accelerator):
        def setup_device(self, device):
            torch.cuda.set_device(device)

    class HPU_Accelerator:
        def visible_devices_envs(self):
            return ["CUDA_VISIBLE_DEVICES"]

    def is_cuda_available():
        return torch.cuda.is_available()

    def offload_to_cpu(x):
        torch.cuda.empty_cache()

    class Trainer:
        def fit(self):
            torch.cuda.empty_cache()
    """
    assert regions(code) == []
    assert regions(code, library=True) == [
        (2, 4, "backend-specific implementation"),
        (6, 8, "backend-specific implementation"),
        (10, 11, "backend-specific implementation"),
    ]


def test_library_mode_keeps_a_module_named_for_one_backend() -> None:
    code = "import torch\ntorch.cuda.synchronize()\n"
    kept = regions(code, library=True, module_path="accelerator/cuda_accelerator.py")
    assert kept == [(1, 10**9, "backend-specific module")]
    assert regions(code, library=True, module_path="accelerators/cpu.py")[0][2] == "backend-specific module"
    assert regions(code, library=True, module_path="utils/imports.py") == []
    assert regions(code, library=False, module_path="cuda.py") == []


def test_columns_in_characters() -> None:
    line = 'x = ("é", "cuda", "npu")'
    (region,) = kept_regions(ast.parse(line))
    assert region.start == (1, 4) and region.end == (1, len(line.encode())) != (1, len(line))
    (converted,) = in_characters([region], [line])
    assert converted == Region((1, 4), (1, len(line)), region.reason)


def test_a_package_naming_several_backends_is_a_library() -> None:
    files = [("pkg/__init__.py", ""), ("pkg/a.py", "if is_npu_available(): pass\nelif is_xpu_available(): pass\n")]
    assert is_multi_backend_package(files)
    assert not is_multi_backend_package([("a.py", files[1][1])])  # not a package
    assert not is_multi_backend_package([("pkg/__init__.py", "device = 'mps'  # or cuda\n")])  # one other only


def test_library_mode_keeps_a_function_registered_as_a_cuda_kernel() -> None:
    code = """
    @_custom_op("_diffusers_flash_attn_3::_flash_attn_forward", mutates_args=(), device_types="cuda")
    def _wrapped_flash_attn_3(q, k, v):
        return flash_attn_3_func(q, k, v)

    @torch.compile
    def plain(x):
        return x.cuda()
    """
    assert regions(code, library=True) == [(2, 4, "backend-specific implementation")]
