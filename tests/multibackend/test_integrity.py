"""The integrity check that ``scripts/multibackend_check.py`` runs on real packages: it finds the corruptions issue 14
reports (from the tool's old output on accelerate and DeepSpeed) and passes a faithful port."""

from __future__ import annotations

from chipshift.multibackend.integrity import integrity_problems

ORIGINAL = """
supported = ("xpu", "cuda", "npu", "xla")
sync = {"cuda": torch.cuda.synchronize, "npu": None}
if accelerator_name == "cuda":
    from .cuda_accelerator import CUDA_Accelerator
elif accelerator_name == "npu":
    from .npu_accelerator import NPU_Accelerator
if is_xpu_available():
    torch.xpu.synchronize()
model.cuda()
"""


def kinds(migrated: str) -> list[tuple[str, int]]:
    return [(problem.kind, problem.line) for problem in integrity_problems(ORIGINAL, migrated)]


def test_a_faithful_port_has_no_problem() -> None:
    assert kinds(ORIGINAL.replace("model.cuda()", "model.npu()")) == []


def test_a_backend_named_twice_in_a_literal_is_found() -> None:
    corrupted = ORIGINAL.replace('("xpu", "cuda", "npu", "xla")', '("xpu", "npu", "npu", "xla")')
    assert kinds(corrupted) == [("duplicated-backend", 2)]


def test_a_dict_with_two_npu_keys_is_found() -> None:
    corrupted = ORIGINAL.replace('{"cuda": torch.cuda.synchronize', '{"npu": torch.npu.synchronize')
    assert kinds(corrupted) == [("duplicated-backend", 3)]


def test_a_renamed_branch_of_a_dispatch_is_found() -> None:
    corrupted = ORIGINAL.replace('if accelerator_name == "cuda":', 'if accelerator_name == "npu":')
    assert ("changed-branch", 4) in kinds(corrupted)
    assert ("duplicated-backend", 4) not in kinds(corrupted)  # the chain is no literal


def test_a_changed_branch_for_another_backend_is_found() -> None:
    corrupted = ORIGINAL.replace("torch.xpu.synchronize()", "torch.npu.synchronize()")
    assert kinds(corrupted) == [("changed-branch", 9)]


def test_a_condition_naming_one_backend_twice_is_found() -> None:
    original = 'ok = x == "cuda" or x == "npu"\n'
    problems = integrity_problems(original, 'ok = x == "npu" or x == "npu"\n')
    assert [p.kind for p in problems] == ["duplicated-backend"]


def test_a_port_that_does_not_parse_is_found() -> None:
    assert [kind for kind, _ in kinds("if x:\n")] == ["syntax"]
