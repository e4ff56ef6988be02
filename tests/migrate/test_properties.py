"""Properties of every migration, on programs generated from CUDA-style snippets with random names, spacing and
comments: the output parses, a second run changes nothing, and lines without CUDA constructs stay byte-identical."""

from __future__ import annotations

import difflib
import keyword

import libcst as cst
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chipshift.migrate import load_target, migrate_source

CUDA_SNIPPETS = (
    "{a}{eq}{b}.cuda()",
    "{a}{eq}{b}.cuda(non_blocking=True)",
    "{a}{eq}torch.zeros({i}, device={q}cuda{q})",
    "{a}{eq}{b}.to({q}cuda:{i}{q})",
    "{a}{eq}torch.device({q}cuda{q} if torch.cuda.is_available() else {q}cpu{q})",
    "torch.cuda.synchronize()",
    "torch.cuda.manual_seed_all({i})",
    "torch.cuda.empty_cache()",
    "torch.backends.cudnn.benchmark{eq}True",
    "with torch.cuda.amp.autocast():\n    {a}{eq}{i}",
    "{a}{eq}torch.cuda.amp.GradScaler()",
    "if torch.cuda.is_available():\n    {a}{eq}torch.cuda.device_count()",
    "dist.init_process_group({q}nccl{q})",
    "{a}{eq}{b}(pin_memory=True)",
    "print(torch.cuda.max_memory_allocated() / {i})",
    "{a}{eq}torch.cuda.get_device_name({i})",
    "print({q}cuda{q})",
)
PLAIN_SNIPPETS = (
    "{a}{eq}{i}",
    "{a}{eq}[{i},{sp}{i}]",
    "def {a}({b}):\n    return {b}  # plain",
    "# just a comment about {a}",
    "",
    "{a}{eq}{b}.to({b})",
    "class {A}:\n    {a}{eq}{q}text{q}",
)
TOUCHED = ("cuda", "cudnn", "nccl", "pin_memory", "device")
"""Lines holding one of these may change; every other line must come out byte-identical."""

RESERVED = {"torch", "dist", "device", "accel_device", "target_device", "chipshift_device", "print", "cuda"}
names = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name) and name not in RESERVED and "cuda" not in name
)


@st.composite
def programs(draw: st.DrawFn) -> str:
    """A module of CUDA and plain snippets with random names, spacing, quotes and comments."""
    lines = ["import torch", "import torch.distributed as dist", ""]
    for _ in range(draw(st.integers(1, 8))):
        template = draw(st.sampled_from(CUDA_SNIPPETS + PLAIN_SNIPPETS))
        a, b = draw(names), draw(names)
        snippet = template.format(
            a=a,
            A=a.capitalize(),
            b=b,
            i=draw(st.integers(0, 7)),
            q=draw(st.sampled_from(["'", '"'])),
            eq=draw(st.sampled_from([" = ", "=", "  =  "])),
            sp=draw(st.sampled_from(["", " ", "   "])),
        )
        comment = draw(st.sampled_from(["", "  # note", "   #x"]))
        if snippet and "\n" not in snippet and "#" not in snippet:
            snippet += comment
        lines.append(snippet)
        lines.extend([""] * draw(st.integers(0, 2)))
    return "\n".join(lines) + "\n"


def check_properties(source: str, target_name: str) -> None:
    target = load_target(target_name)
    migrated = migrate_source(source, target).migrated
    cst.parse_module(migrated)
    compile(migrated, "<migrated>", "exec")
    assert migrate_source(migrated, target).migrated == migrated, "a second run changed the code"
    removed = [
        line[1:]
        for line in difflib.unified_diff(source.splitlines(), migrated.splitlines(), lineterm="", n=0)
        if line.startswith("-") and not line.startswith("---")
    ]
    untouchable = [line for line in removed if not any(token in line for token in TOUCHED)]
    assert not untouchable, f"lines without CUDA constructs changed: {untouchable}"


FAST = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(programs())
def test_portable_properties(source: str) -> None:
    check_properties(source, "portable")


@FAST
@given(programs())
def test_ascend_properties(source: str) -> None:
    check_properties(source, "ascend")


def test_properties_on_a_fixed_program() -> None:
    source = "\n".join(["import torch", "import torch.distributed as dist", *CUDA_SNIPPETS, ""]).format(
        a="x", A="X", b="y", i=1, q='"', eq=" = ", sp=" "
    )
    for target in ("portable", "ascend"):
        check_properties(source, target)
