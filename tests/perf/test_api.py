"""The public API other engines call: ReplicaSpec, serving_capacity, size_deployment, training_throughput."""

from __future__ import annotations

import pytest

from chipshift.catalog import load_catalog
from chipshift.errors import ChipshiftError
from chipshift.perf import (
    ReplicaSpec,
    ServingDemand,
    ServingWorkload,
    fixed_lengths,
    search_layouts,
    serving_capacity,
    sharegpt_like,
    size_deployment,
    size_training,
    training_throughput,
)


def _spec(model: str, hardware: str, **options: object) -> ReplicaSpec:
    return ReplicaSpec.build(model, hardware, **options)  # type: ignore[arg-type]


def test_serving_capacity_fields() -> None:
    result = serving_capacity(_spec("qwen3-32b", "H100"), ServingWorkload(tpot_ms=50))
    assert result.fits and result.reason is None
    assert result.chip == "nvidia-h100-sxm" and result.system is None and result.kv_cache == "bf16"
    assert 100 < result.tokens_per_s_per_chip < 5000
    assert result.tpot_ms is not None and result.tpot_ms <= 50
    assert result.layout is not None and result.chips_per_replica >= 1


def test_big_model_needs_a_bigger_replica() -> None:
    result = serving_capacity(_spec("llama-3.1-405b", "H100"), ServingWorkload(tpot_ms=80))
    assert result.fits and result.chips_per_replica >= 16


def test_impossible_target_is_explained_with_how_far_it_is() -> None:
    result = serving_capacity(_spec("llama-3.1-70b", "910B"), ServingWorkload(tpot_ms=1))
    assert not result.fits
    assert "TPOT target of 1 ms cannot be met" in (result.reason or "")
    assert "x the target" in (result.reason or "")


def test_size_deployment_scales_with_demand() -> None:
    small = size_deployment("qwen3-32b", ["H100"], ServingDemand(output_tokens_per_s=2000, tpot_ms=50))[0]
    large = size_deployment("qwen3-32b", ["H100"], ServingDemand(output_tokens_per_s=20000, tpot_ms=50))[0]
    assert small.chips and large.chips and large.chips > 5 * small.chips
    assert small.layout == large.layout and small.tokens_per_s_per_chip == large.tokens_per_s_per_chip
    # Whole replicas enough for the demand, and not one more.
    rate, replica = large.tokens_per_s_per_chip, large.chips_per_replica
    assert large.chips * rate >= 20000 > (large.chips - replica) * rate


def test_training_throughput() -> None:
    result = training_throughput(_spec("llama-3.1-70b", "H100"), seq_len=8192, chips=512)
    assert 0.25 < result.mfu < 0.65
    assert result.fits
    assert result.chip_hours_per_trillion_tokens == pytest.approx(1e12 / result.tokens_per_s_per_chip / 3600)


def test_search_frontier_is_monotone_and_the_best_meets_the_target() -> None:
    found = search_layouts(_spec("deepseek-r1", "H20", precision="fp8"), ServingWorkload(tpot_ms=50))
    assert found.evaluated > 1000 and found.layouts > 100
    assert found.best is not None and found.best.tpot_ms <= 50
    rates = [p.tokens_per_s_per_chip for p in found.frontier]
    tpots = [p.tpot_ms for p in found.frontier]
    assert rates == sorted(rates) and tpots == sorted(tpots)
    meeting = [p for p in found.frontier if p.tpot_ms <= 50]
    assert found.best.tokens_per_s_per_chip == pytest.approx(max(p.tokens_per_s_per_chip for p in meeting))


def test_zero_stages_shrink_memory() -> None:
    spec, fixed = _spec("llama-3.1-70b", "H100"), {"tp": 8, "pp": 4}
    stage1 = training_throughput(spec, seq_len=4096, chips=256, fixed=fixed, zero_stage=1)
    stage3 = training_throughput(spec, seq_len=4096, chips=256, fixed=fixed, zero_stage=3)
    assert stage3.memory_gb_per_chip < stage1.memory_gb_per_chip
    assert stage3.step_s >= stage1.step_s


def test_long_sequences_cost_attention_flops() -> None:
    from chipshift.perf.models import load_model
    from chipshift.perf.training import model_flops_per_token

    model = load_model("llama-3.1-405b")
    assert model_flops_per_token(model, 131072) > 1.5 * model_flops_per_token(model, 8192)


def test_chip_without_figures_is_a_reason_not_an_invention() -> None:
    missing = next(c.id for c in load_catalog().chips.values() if c.memory.bandwidth_gb_s is None)
    with pytest.raises(ChipshiftError, match="in the catalog, so it cannot be estimated"):
        _spec("qwen3-8b", missing)
    alias = load_catalog().chips[missing].aliases[0] if load_catalog().chips[missing].aliases else missing
    rows = size_deployment("qwen3-8b", [alias, "H100"], ServingDemand(output_tokens_per_s=1000))
    assert [r.fits for r in rows] == [False, True] and rows[0].chip == missing  # the catalog id, not the alias
    simulated = ServingDemand(requests_per_s=1, lengths=fixed_lengths(20, 256, 32))
    rows = size_deployment("qwen3-8b", [missing, "H100"], simulated)
    assert [r.fits for r in rows] == [False, True]
    assert "in the catalog, so it cannot be estimated" in (rows[0].reason or "")


def test_training_size_is_the_smallest_count_that_meets_the_deadline() -> None:
    """It once at least doubled the count at every step: 688 H100s for a run that 384 finish in time."""
    spec = _spec("llama-3.1-70b", "H100")
    sized = size_training(spec, tokens=1e12, days=30, seq_len=8192)
    assert sized.days <= 30
    fewer = training_throughput(spec, seq_len=8192, chips=sized.chips - 8)
    assert fewer.days_for(1e12, sized.chips - 8) > 30


def test_size_deployment_with_a_length_distribution_simulates_a_replica() -> None:
    demand = ServingDemand(requests_per_s=40, ttft_ms=1500, tpot_ms=40, lengths=sharegpt_like(300))
    row = size_deployment("qwen3-8b", ["H100"], demand)[0]
    assert row.fits and row.serving is not None and row.chips is not None
    found = row.serving
    # The replica's simulated latencies meet the targets at the percentile asked for (p90 by default).
    assert found.result.ttft.p90 <= 1500 and found.result.tpot.p90 <= 40
    # Enough replicas for 40 requests/s, and not one more.
    replicas = row.chips // row.chips_per_replica
    assert replicas * found.requests_per_s >= 40 > (replicas - 1) * found.requests_per_s
    assert row.tokens_per_s_per_chip * row.chips_per_replica == pytest.approx(
        found.requests_per_s * demand.mean_output_tokens()
    )
    too_long = ServingDemand(requests_per_s=1, lengths=fixed_lengths(4, 40_000, 1_000))
    with pytest.raises(ChipshiftError, match=r"41,000 tokens .* exceeds the model's context window of 40,960"):
        size_deployment("qwen3-8b", ["H100"], too_long)
    with pytest.raises(ChipshiftError, match="context window"):
        serving_capacity(_spec("llama-2-70b", "H100"), ServingWorkload(4000, 200))


@pytest.mark.parametrize(
    ("field", "value"),
    [("output_tokens_per_s", -100.0), ("output_tokens_per_s", float("nan")), ("requests_per_s", float("inf"))],
)
def test_a_demand_that_is_not_a_positive_finite_number_is_refused(field: str, value: float) -> None:
    with pytest.raises(ChipshiftError, match=f"{field} must be a positive finite number"):
        ServingDemand(**{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize(("tokens", "days"), [(1e12, 0.0), (-1e9, 7.0), (float("inf"), 7.0)])
def test_training_sizing_refuses_impossible_numbers(tokens: float, days: float) -> None:
    with pytest.raises(ChipshiftError, match="must be a positive finite number"):
        size_training(_spec("llama-3.1-8b", "H100"), tokens=tokens, days=days, seq_len=4096)


def test_a_system_candidate_is_sized_in_whole_systems() -> None:
    demand = ServingDemand(output_tokens_per_s=20000, input_tokens=4096, output_tokens=1024, tpot_ms=100)
    row = size_deployment("deepseek-r1", ["cloudmatrix-384"], demand)[0]
    assert row.fits and row.system == "cloudmatrix-384" and row.chips is not None and row.chips <= 384
    assert row.servers == 1  # one CloudMatrix 384, bought whole
    assert row.cost_usd == pytest.approx(8_200_000) and row.power_kw == pytest.approx(559)
