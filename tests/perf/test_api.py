"""The public API other engines call: serving_capacity, size_deployment, training_throughput."""

from __future__ import annotations

import time

import pytest

from chipshift.errors import ChipshiftError
from chipshift.perf import ServingDemand, serving_capacity, size_deployment, training_throughput
from chipshift.perf.serving import fixed_lengths


def test_serving_capacity_fields() -> None:
    result = serving_capacity("qwen3-32b", "H100", tpot_ms=50)
    assert result.fits and result.reason is None
    assert result.chips_per_replica == 1
    assert 100 < result.tokens_per_s_per_chip < 5000
    assert result.tpot_ms is not None and result.tpot_ms <= 50


def test_big_model_needs_a_bigger_replica() -> None:
    result = serving_capacity("llama-3.1-405b", "H100", tpot_ms=80)
    assert result.fits and result.chips_per_replica >= 16


def test_impossible_target_is_explained() -> None:
    result = serving_capacity("llama-3.1-70b", "910B", tpot_ms=1)
    assert not result.fits and "TPOT" in (result.reason or "")


def test_serving_capacity_is_fast() -> None:
    serving_capacity("qwen3-8b", "H20")
    start = time.perf_counter()
    for chip in ("H100", "H20", "910B", "910C", "H200"):
        serving_capacity("qwen3-235b-a22b", chip, precision="fp8", tpot_ms=60)
    assert time.perf_counter() - start < 1.0


def test_size_deployment_scales_with_demand() -> None:
    small = size_deployment("qwen3-32b", ["H100"], ServingDemand(output_tokens_per_s=2000, tpot_ms=50))[0]
    large = size_deployment("qwen3-32b", ["H100"], ServingDemand(output_tokens_per_s=20000, tpot_ms=50))[0]
    assert small.chips and large.chips and large.chips >= 9 * small.chips


def test_training_throughput() -> None:
    result = training_throughput("llama-3.1-70b", "H100", seq_len=8192, chips=512)
    assert 0.25 < result.mfu < 0.65
    assert result.fits
    assert result.chip_hours_per_trillion_tokens == pytest.approx(1e12 / result.tokens_per_s_per_chip / 3600)


def test_search_is_vectorised_and_fast() -> None:
    from chipshift.perf import search_inference

    search_inference("qwen3-8b", "H100")
    start = time.perf_counter()
    found = search_inference("deepseek-r1", "H20", precision="fp8", tpot_ms=50)
    assert time.perf_counter() - start < 1.0
    assert found.evaluated > 1000
    assert found.best is not None and found.best.tpot_ms <= 50
    rates = [p.tokens_per_s_per_chip for p in found.frontier]
    assert rates == sorted(rates)


def test_zero_stages_shrink_memory() -> None:
    from chipshift.perf import training_throughput

    fixed = {"tp": 8, "pp": 4}
    stage1 = training_throughput("llama-3.1-70b", "H100", seq_len=4096, chips=256, fixed=fixed, zero_stage=1)
    stage3 = training_throughput("llama-3.1-70b", "H100", seq_len=4096, chips=256, fixed=fixed, zero_stage=3)
    assert stage3.memory_gb_per_chip < stage1.memory_gb_per_chip
    assert stage3.step_s >= stage1.step_s


def test_long_sequences_cost_attention_flops() -> None:
    from chipshift.perf.models import load_model
    from chipshift.perf.training import model_flops_per_token

    model = load_model("llama-3.1-405b")
    assert model_flops_per_token(model, 131072) > 1.5 * model_flops_per_token(model, 8192)


def test_chip_without_figures_is_a_reason_not_an_invention() -> None:
    from chipshift.catalog import load_catalog

    missing = next(c.id for c in load_catalog().chips.values() if c.memory.bandwidth_gb_s is None)
    result = serving_capacity("qwen3-8b", missing)
    assert not result.fits and "in the catalog, so it cannot be estimated" in (result.reason or "")
    rows = size_deployment("qwen3-8b", [missing, "H100"], ServingDemand(output_tokens_per_s=1000))
    assert [r.fits for r in rows] == [False, True]
    simulated = ServingDemand(requests_per_s=1, lengths=fixed_lengths(20, 256, 32))
    rows = size_deployment("qwen3-8b", [missing, "H100"], simulated)
    assert [r.fits for r in rows] == [False, True]
    assert "in the catalog, so it cannot be estimated" in (rows[0].reason or "")


def test_training_size_is_the_smallest_count_that_meets_the_deadline() -> None:
    """It once at least doubled the count at every step: 688 H100s for a run that 384 finish in time."""
    from chipshift.perf.sizing import size_training

    sized = size_training("llama-3.1-70b", "H100", tokens=1e12, days=30, seq_len=8192)
    assert sized.days <= 30
    fewer = training_throughput("llama-3.1-70b", "H100", seq_len=8192, chips=sized.chips - 8)
    assert fewer.days_for(1e12, sized.chips - 8) > 30


def test_size_deployment_with_a_length_distribution_simulates_a_replica() -> None:
    from chipshift.perf.serving import sharegpt_like

    demand = ServingDemand(requests_per_s=40, ttft_ms=1500, tpot_ms=40, lengths=sharegpt_like(300))
    row = size_deployment("qwen3-8b", ["H100"], demand)[0]
    assert row.fits and row.serving is not None and row.chips is not None
    found = row.serving
    # The replica's simulated latencies meet the targets at the percentile asked for (p90 by default).
    assert found.result.ttft.p90 <= 1500 and found.result.tpot.p90 <= 40
    # Enough replicas for 40 requests/s, and not one more.
    replicas = row.chips // row.chips_per_replica
    assert replicas * found.requests_per_s >= 40 > (replicas - 1) * found.requests_per_s
    assert row.tokens_per_s_per_chip == pytest.approx(found.requests_per_s * demand.mean_output_tokens())
    too_long = ServingDemand(requests_per_s=1, lengths=fixed_lengths(4, 40_000, 1_000))
    with pytest.raises(ChipshiftError, match=r"41,000 tokens .* exceeds the model's context window of 40,960"):
        size_deployment("qwen3-8b", ["H100"], too_long)
    with pytest.raises(ChipshiftError, match="context window"):
        serving_capacity("llama-2-70b", "H100", input_tokens=4000, output_tokens=200)
