"""Near-miss files and very long lines (issue 17): the prefilter and the rule regexes stay linear and lose nothing.

Speed is the benchmark's job (``python benchmarks/bench_scan.py --hostile``); here the findings are checked: the
same with the prefilter on and off, and the rewritten regexes find what the old ones found. Hypothesis runs
derandomised (fixed seed), so a failure reproduces.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chipshift.scan import ScanResult, load_rules, scan_paths
from chipshift.scan.prefilter import Prefilter, has_segment

NEAR_MISSES = ["xcompile", "xcuda", "xsynchronize", "cudax()", "y.cudax", "xnccl", "import xtorch", "torchx.cuda"]
REAL_HITS = [
    "torch.cuda.synchronize()",
    "x = y.cuda()",
    'z = torch.zeros(1, device="cuda")',
    'torch.compile(m, mode="max-autotune")',
]


def _both_ways(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ScanResult, ScanResult]:
    on = scan_paths([root], jobs=1, use_cache=False)
    with monkeypatch.context() as patch:
        patch.setattr(Prefilter, "may_match", lambda self, data: True)
        off = scan_paths([root], jobs=1, use_cache=False)
    return on, off


def test_the_near_match_file_gives_the_same_findings_with_and_without_the_prefilter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["import torch"] + [NEAR_MISSES[i % len(NEAR_MISSES)] for i in range(40_000)]
    for every, hit in enumerate(REAL_HITS, start=1):
        lines[every * 9_000] = hit
    (tmp_path / "near.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "only_misses.py").write_text("import torch\n" + "xcompile\n" * 40_000, encoding="utf-8")
    on, off = _both_ways(tmp_path, monkeypatch)
    assert on.findings == off.findings and on.skipped == off.skipped == []
    assert [(f.line, f.rule_id) for f in on.findings] == [(9001, "CS105"), (18001, "CS131"), (27001, "CS141"),
                                                          (36001, "CS194")]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "line", "hit"),
    [
        (".github/workflows/ci.yml", "runs-on:" * 5_000, "    runs-on: [self-hosted, gpu]"),
        (".github/workflows/ci.yml", "image:pytorch/pytorch:" * 2_000, "    container: nvidia/cuda:12.1.0-base"),
        ("CMakeLists.txt", "project(LANGUAGES " * 2_000, "project(demo LANGUAGES CXX CUDA)"),
        ("Dockerfile", "FROM " + "cuda" * 10_000, "FROM nvidia/cuda:12.1.0-devel-ubuntu22.04"),
        ("Dockerfile", "RUN " + "conda install " * 3_000, "RUN conda install -y pytorch-cuda=12.1"),
        ("requirements.txt", "jaxlib jax[cuda -f=" * 2_000, "jax[cuda12]==0.4.30"),
    ],
)
def test_long_near_miss_lines_hide_nothing_after_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, line: str, hit: str
) -> None:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{line}\n{hit}\n", encoding="utf-8")
    on, off = _both_ways(tmp_path, monkeypatch)
    assert on.findings == off.findings and not on.skipped
    assert 2 in {f.line for f in on.findings}


def _old_has_segment(name: bytes, lowered: bytes) -> bool:
    """The prefilter's segment test before issue 17 (quadratic: it copied the text before every occurrence)."""
    word = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789_")
    start = lowered.find(name)
    while start >= 0:
        end = start + len(name)
        if end >= len(lowered) or lowered[end] not in word:
            before = lowered[:start].rstrip(b" \t\r\n\\")
            if before.endswith((b".", b",", b"(")) or (
                before.endswith(b"import") and (len(before) == 6 or before[-7] not in word)
            ):
                return True
        start = lowered.find(name, start + 1)
    return False


FRAGMENTS = st.sampled_from(
    [b"cuda", b"xcuda", b"cudax", b".", b",", b"(", b" ", b"\t", b"\n", b"\\", b"import", b"ximport", b"_", b"9", b"#"]
)


@settings(derandomize=True, max_examples=400, deadline=None)
@given(st.lists(FRAGMENTS, max_size=12))
def test_the_linear_segment_test_answers_as_the_old_one(parts: list[bytes]) -> None:
    text = b"".join(parts)
    assert has_segment(b"cuda", text) == _old_has_segment(b"cuda", text)


OLD_REGEXES = {
    "CS521": r"jax\[cuda\d*[^\]]*\]|jax-cuda\d+-(plugin|pjrt)|jaxlib.*cuda",
    "CS524": r"(-f|--find-links)[ =]\S*(cu\d{2,3}|cuda)\S*",
    "CS601": r"(?i)^FROM\s+(--platform=\S+\s+)?(nvidia/cuda|nvcr\.io/nvidia/|pytorch/pytorch:\S*cuda|\S*cuda\S*:)",
    "CS602": r"(image|container):\s*['\"]?(nvidia/cuda|nvcr\.io/nvidia/|pytorch/pytorch:\S*cuda)",
    "CS609": r"(?i)enable_language\s*\(\s*CUDA|project\s*\([^)]*\bCUDA\b|find_package\s*\(\s*(CUDA|CUDAToolkit|CUDNN|"
    r"NCCL)\b|LANGUAGES\s+[^)]*\bCUDA\b",
    "CS615": r"runs-on:.*\b(gpu|nvidia|cuda|a100|h100|h20|v100|t4|l4|a10g)\b|nvidia\.com/gpu",
    "CS616": r"(conda|mamba|micromamba)\s+install\b.*\b(cudatoolkit|pytorch-cuda|cuda-toolkit|cuda-nvcc|-c nvidia)\b",
}
"""The rule regexes before issue 17: each searched to the end of the line from every start."""
PIECES = {
    "CS521": ["jaxlib", "jax[", "cuda", "12", "jax-cuda12-plugin", " ", "==0.4", "@", "/", "]", "+"],
    "CS524": ["-f", "--find-links", " ", "=", "cu121", "cuda", "https://x/", "whl", "-"],
    "CS601": ["FROM", " ", "--platform=linux/amd64", "nvidia/cuda", "cuda", ":", "tag", "pytorch/pytorch:", "-"],
    "CS602": ["image:", "container:", " ", '"', "pytorch/pytorch:", "cuda", "nvidia/cuda", "2.1", ":"],
    "CS609": ["project(", "LANGUAGES", " ", "CUDA", "CXX", "x", "(", ")", "enable_language(", "find_package("],
    "CS615": ["runs-on:", " ", "gpu", "[", "self-hosted", ",", "ubuntu", "xgpu", "#"],
    "CS616": ["conda", "mamba", "micromamba", " ", "install", "cudatoolkit", "numpy", "&&", "-c nvidia", "x"],
}
"""Pieces of realistic lines for each rewritten rule."""
STARTS = {
    "CS521": ["jaxlib"],
    "CS524": ["-f", "--find-links"],
    "CS601": [],
    "CS602": ["image:", "container:"],
    "CS609": ["project(", "LANGUAGES"],
    "CS615": ["runs-on:"],
    "CS616": ["conda", "mamba"],
}
"""Where each rewritten search stops: a hit starts later than before only when one of these repeats in the line."""
DIFFERENT_ON_PURPOSE = {
    "CS521": lambda line: "[" in line.split("jax[", 1)[-1],  # jax[cuda ...: a second [ ends the extras
    "CS602": lambda line: ":" in re.split(r"\s", line.split("pytorch/pytorch:", 1)[-1])[0],  # a colon in the tag
    "CS609": lambda line: line.count("(") > 1,  # project( ... ): a parenthesis inside ends it, as in real CMake
}
"""Garbage lines where the new regex answers differently by design (the old one crossed the boundary)."""


@pytest.mark.parametrize("rule_id", sorted(OLD_REGEXES))
def test_every_rewritten_regex_finds_what_the_old_one_found(rule_id: str) -> None:
    rule = load_rules().by_id[rule_id]
    new = re.compile(rule.match.line_regex or rule.match.requirement_regex or "")
    old = re.compile(OLD_REGEXES[rule_id])

    @settings(derandomize=True, max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(PIECES[rule_id]), max_size=10))
    def check(parts: list[str]) -> None:
        line = "".join(parts)
        if rule_id in DIFFERENT_ON_PURPOSE and DIFFERENT_ON_PURPOSE[rule_id](line):
            return
        before, after = old.search(line), new.search(line)
        assert (before is None) == (after is None), line
        if before and after and all(line.count(word) <= 1 for word in STARTS[rule_id]):
            assert before.start() == after.start(), line

    check()
