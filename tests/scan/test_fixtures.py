"""Exact ``file:line:rule`` hits on small fixtures, one group per analyzer and rule category."""

from __future__ import annotations

import pytest

from chipshift.scan import ScanResult, load_rules

from .conftest import hits

EXPECTED = {
    "python/pkg/train.py": {
        "12:CS149",  # def train(..., device="cuda:0"): an indexed default migrate leaves to a person
        "14:CS105",  # tc.synchronize() after import torch.cuda as tc
        "15:CS106",  # cuda.empty_cache() after from torch import cuda
        "16:CS102",
        "17:CS131",  # model.cuda()
        "18:CS144",  # torch.device("cuda")
        "19:CS132",  # x.is_cuda
        "19:CS142",  # x.device.type == "cuda"
        "21:CS143",  # f"cuda:{rank}"
        "22:CS171",  # init_process_group(backend="nccl")
        "23:CS151",  # cuda_amp.autocast() through the re-export in pkg/devices.py
        "25:CS152",
        "26:CS161",  # cudnn.deterministic = True with no use_deterministic_algorithms: a decision off CUDA
        "27:CS181",
        "28:CS109",
        "29:CS195",  # torch.compile(backend="cudagraphs")
        "30:CS191",
        "31:CS192",
    },
    "python/libs.py": {
        "1:CS306", "2:CS312", "3:CS201", "4:CS201", "5:CS304", "6:CS306", "7:CS301", "10:CS321",
        "15:CS202",  # @triton.jit
        "21:CS302", "22:CS305", "23:CS308", "24:CS313", "25:CS329",
    },
    "notebook/demo.ipynb": {"cell 1:2:CS604", "cell 2:2:CS131", "cell 2:3:CS105"},
    "cuda/kernel.cu": {
        "1:CS471", "2:CS472", "3:CS473", "5:CS401", "6:CS406", "7:CS404", "8:CS411", "9:CS419", "10:CS408",
        "13:CS450", "15:CS421", "16:CS403", "17:CS441", "18:CS461", "19:CS423",
    },
    "cuda/host.cpp": {"2:CS475", "3:CS472", "5:CS449", "5:CS430", "6:CS448", "7:CS464"},
    # HIP told apart from CUDA (real code, see fixtures/cuda/README.md): flash-attn's Composable Kernel backend is HIP
    # by its path, CK's GCN assembly is not PTX, DeepSpeed's #ifdef __HIP_PLATFORM_AMD__ branch is HIP, its #else CUDA
    "cuda/flash_attn_ck/flash_common.hpp": {"10:CS483", "11:CS483", "16:CS483", "25:CS481"},
    "cuda/amd_inline_asm.hpp": {"14:CS482", "17:CS486", "21:CS482", "24:CS486"},
    # kernels defined through a macro (flash-attn's DEFINE_FLASH_FORWARD_KERNEL): one per use
    "cuda/flash_attn/flash_fwd_launch_template.h": {"7:CS475", "17:CS407", "32:CS401", "41:CS401", "49:CS401"},
    "cuda/general_kernels.h": {"6:CS471", "7:CS474", "11:CS484", "12:CS489", "14:CS473", "16:CS472"},
    "deps/requirements.txt": {"2:CS516", "3:CS515", "4:CS501", "6:CS502"},
    "deps/pyproject.toml": {"5:CS504", "9:CS506", "9:CS512"},
    "deps/environment.yml": {"4:CS523", "7:CS523", "9:CS505"},
    "deps/setup.py": {"5:CS503", "5:CS514"},
    "infra/Dockerfile": {"1:CS601", "3:CS606", "3:CS611", "5:CS605", "6:CS603"},
    "infra/.github/workflows/ci.yml": {"4:CS615", "5:CS602", "7:CS604"},
    "infra/run.sh": {"2:CS612", "3:CS613"},
    "infra/CMakeLists.txt": {"2:CS609", "3:CS608", "4:CS610"},
}  # fmt: skip


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_exact_hits_per_file(fixture_scan: ScanResult, path: str) -> None:
    found = {hit.removeprefix(f"{path}:") for hit in hits(fixture_scan) if hit.startswith(f"{path}:")}
    assert found == EXPECTED[path]


def test_no_findings_outside_the_expected_files(fixture_scan: ScanResult) -> None:
    files = {hit.rsplit(":", 2)[0].split(":cell")[0] for hit in hits(fixture_scan)}
    assert files == set(EXPECTED)
    assert fixture_scan.skipped == []


def test_every_rule_category_has_a_fixture_hit(fixture_scan: ScanResult) -> None:
    categories = {rule.category for rule in load_rules().rules}
    assert categories == {finding.category for finding in fixture_scan.findings}


def test_docstrings_and_comments_are_not_findings(fixture_scan: ScanResult) -> None:
    lines = {(f.path.rsplit("/", 1)[-1], f.line) for f in fixture_scan.findings}
    assert ("train.py", 13) not in lines  # docstring mentioning cuda
    assert ("Dockerfile", 2) not in lines  # comment mentioning nvidia-smi


def test_findings_carry_snippet_and_location(fixture_scan: ScanResult) -> None:
    finding = next(f for f in fixture_scan.findings if f.rule_id == "CS171")
    assert finding.snippet == 'dist.init_process_group(backend="nccl")'
    assert finding.severity == "high" and finding.category == "distributed" and finding.column == 5
