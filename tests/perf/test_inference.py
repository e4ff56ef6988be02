"""Roofline physics: decode is memory-bound at batch 1, prefill compute-bound, more chips or fp8 help."""

from __future__ import annotations

from typing import Any

import pytest

from chipshift.perf import ReplicaSpec
from chipshift.perf.inference import DoesNotFitError, estimate_decode, estimate_prefill
from chipshift.perf.layout import InferenceLayout, LayoutError, layout_from_degrees
from chipshift.perf.models import ModelArch, load_model
from chipshift.perf.operators import ChipSetup


def setup_for(
    model: str | ModelArch, hardware: str, *, layout: InferenceLayout | None = None, **options: Any
) -> ChipSetup:
    """The step formulas' bundle for a model on a chip, through the public ReplicaSpec."""
    return ReplicaSpec.build(model, hardware, **options).setup(layout)


def test_batch1_decode_is_weight_bandwidth_bound() -> None:
    setup = setup_for("llama-3.1-8b", "nvidia-h100-sxm", stack="vllm")
    result = estimate_decode(setup, 1, 1024)
    weights_gb = 16.06
    floor_ms = weights_gb / 3350 * 1000  # peak HBM
    assert floor_ms < result.tpot_ms < 3 * floor_ms
    ffn = next(op for op in result.step.ops if op.name == "ffn.dense")
    assert ffn.memory_s > ffn.compute_s


def test_prefill_is_compute_bound_and_near_peak_flops() -> None:
    setup = setup_for("llama-3.1-8b", "nvidia-h100-sxm", stack="vllm")
    result = estimate_prefill(setup, 2048)
    flops_per_token = 2 * 7.0e9
    mfu = result.tokens_per_s_per_chip * flops_per_token / 989.4e12
    assert 0.3 < mfu < 0.75


def test_fp8_decodes_faster_than_bf16() -> None:
    bf16 = estimate_decode(setup_for("qwen3-8b", "H100", precision="bf16"), 8, 1024)
    fp8 = estimate_decode(setup_for("qwen3-8b", "H100", precision="fp8"), 8, 1024)
    assert fp8.tpot_ms < bf16.tpot_ms
    assert fp8.step.compute_s < 0.7 * bf16.step.compute_s  # host overhead is the same for both


def test_tensor_parallel_adds_allreduce() -> None:
    setup = setup_for("llama-3.1-70b", "H100", layout=InferenceLayout(tp=4), stack="vllm")
    result = estimate_decode(setup, 16, 2048)
    assert [c.name for c in result.step.comms] == ["tp.allreduce"]


def test_a_pipeline_does_not_multiply_throughput_per_chip() -> None:
    """Each stage of PP2 emits one micro-batch per step: per chip it is no faster than one stage holding it all (it
    was twice as fast, so the search preferred pipelines: 2,563 decode tokens/s per chip for TP1 EP32 PP2)."""
    one = estimate_decode(setup_for("llama-3.1-8b", "H100", stack="vllm"), 32, 1024)
    two = estimate_decode(setup_for("llama-3.1-8b", "H100", layout=InferenceLayout(pp=2), stack="vllm"), 32, 1024)
    assert 0.5 < two.tokens_per_s_per_chip / one.tokens_per_s_per_chip <= 1.0
    assert two.tpot_ms > one.tpot_ms  # each token passes both stages


def test_mtp_raises_decode_throughput() -> None:
    model = load_model("deepseek-r1")
    setup = setup_for(model, "H800", precision="fp8", layout=layout_from_degrees(model, ep=64), stack="deepseek")
    plain = estimate_decode(setup, 4, 2048)  # small batch: weight-bandwidth bound, where MTP pays
    mtp = estimate_decode(setup, 4, 2048, draft_tokens=1, acceptance=0.8)
    assert mtp.tokens_per_s_per_chip > 1.3 * plain.tokens_per_s_per_chip


def test_model_too_big_says_how_much_is_missing() -> None:
    setup = setup_for("llama-3.1-405b", "H100", layout=InferenceLayout(tp=2))
    with pytest.raises(DoesNotFitError, match=r"by \d+\.\d GB.*larger TP"):
        estimate_decode(setup, 1, 1024)


def test_impossible_layout() -> None:
    with pytest.raises(LayoutError, match="does not divide"):
        setup_for("qwen3-8b", "H100", layout=InferenceLayout(tp=3))


def test_unknown_precision() -> None:
    from chipshift.errors import ChipshiftError

    with pytest.raises(ChipshiftError, match="unknown precision"):
        setup_for("qwen3-8b", "H100", precision="int3")


def test_expert_parallel_holds_whole_experts() -> None:
    """256 experts over 13 chips: 20 whole experts on the busiest chip (redundant copies fill the rest), not 19.7."""
    from chipshift.perf.memory import experts_per_chip

    model = load_model("deepseek-r1")
    assert experts_per_chip(setup_for(model, "H200", layout=layout_from_degrees(model, ep=13))) == 20
    assert experts_per_chip(setup_for(model, "H200", layout=layout_from_degrees(model, ep=16))) == 16
    assert experts_per_chip(setup_for(model, "H200", layout=InferenceLayout(tp=8))) == 32  # slices under TP
