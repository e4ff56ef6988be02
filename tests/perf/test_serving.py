"""Continuous-batching simulation: every request completes, KV limits bind, arrivals queue, rates meet targets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from chipshift.errors import ChipshiftError
from chipshift.perf import ReplicaSpec
from chipshift.perf.inference import estimate_prefill
from chipshift.perf.layout import InferenceLayout
from chipshift.perf.lengths import load_lengths
from chipshift.perf.models import ModelArch
from chipshift.perf.operators import ChipSetup
from chipshift.perf.rate import max_request_rate
from chipshift.perf.serving import (
    fixed_lengths,
    sharegpt_like,
    simulate_serving,
    with_poisson_arrivals,
)


def setup_for(
    model: str | ModelArch, hardware: str, *, layout: InferenceLayout | None = None, **options: Any
) -> ChipSetup:
    """The step formulas' bundle for a model on a chip, through the public ReplicaSpec."""
    return ReplicaSpec.build(model, hardware, **options).setup(layout)


def test_sharegpt_like_lengths() -> None:
    requests = sharegpt_like(1000)
    assert abs(requests.input_tokens.mean() - 217) < 3
    assert abs(requests.output_tokens.mean() - 201) < 3
    assert requests.input_tokens.max() <= 1024
    assert np.all(requests.input_tokens + requests.output_tokens <= 2048)


def test_throughput_accounts_for_every_token() -> None:
    setup = setup_for("qwen3-8b", "H100", stack="vllm")
    result = simulate_serving(setup, fixed_lengths(64, 512, 128), chips=1)
    assert result.total_tokens_per_s * result.makespan_s == pytest.approx(64 * (512 + 128))
    assert result.mean_ttft_ms < result.makespan_s * 1000
    assert result.preemptions == 0


def test_tight_kv_cache_preempts_and_slows() -> None:
    roomy = simulate_serving(setup_for("qwen3-32b", "H200", stack="vllm"), sharegpt_like(300), chips=1)
    tight = simulate_serving(setup_for("qwen3-32b", "H100", stack="vllm"), sharegpt_like(300), chips=1)
    assert tight.peak_running < roomy.peak_running
    assert tight.output_tokens_per_s < roomy.output_tokens_per_s


def test_more_chips_serve_faster() -> None:
    requests = fixed_lengths(400, 256, 128)
    one = simulate_serving(setup_for("qwen3-8b", "910B", stack="mindie"), requests, chips=1)
    four = simulate_serving(setup_for("qwen3-8b", "910B", stack="mindie"), requests, chips=4)
    assert four.total_tokens_per_s > 2.5 * one.total_tokens_per_s


def test_tensor_parallel_group_counts_chips() -> None:
    setup = setup_for("llama-3.1-70b", "H100", layout=InferenceLayout(tp=4), stack="vllm")
    result = simulate_serving(setup, fixed_lengths(50, 256, 64), chips=8)
    assert result.chips == 8 and result.output_tokens_per_s_per_chip > 0


def test_poisson_arrivals_are_respected() -> None:
    setup = setup_for("qwen3-8b", "H100", stack="vllm")
    requests = with_poisson_arrivals(fixed_lengths(200, 512, 64), rate=5.0)
    assert requests.arrival_s is not None
    assert abs((requests.count - 1) / requests.arrival_s[-1] - 5.0) < 1.0
    result = simulate_serving(setup, requests, chips=1)
    assert result.request_rate == 5.0
    # The last request cannot finish before it arrives: the run lasts at least the arrival window.
    assert result.makespan_s > float(requests.arrival_s[-1] - requests.arrival_s[0])
    assert result.total_tokens_per_s * result.makespan_s == pytest.approx(200 * (512 + 64))


def test_light_load_ttft_is_one_prefill_and_heavy_load_queues() -> None:
    setup = setup_for("qwen3-8b", "H100", stack="vllm")
    alone = estimate_prefill(setup, 2048, tokens_per_batch=2048).ttft_ms
    light = simulate_serving(setup, with_poisson_arrivals(fixed_lengths(100, 2048, 32), rate=0.5), chips=1)
    heavy = simulate_serving(setup, fixed_lengths(100, 2048, 32), chips=1)
    # At 0.5 requests/s a 2,048-token prompt finds the engine idle: its TTFT is one prefill plus one step.
    assert alone * (1 - 1e-9) <= light.ttft.p50 < 1.5 * alone  # floating error: the same prefill, summed differently
    # Sent all at once, the last prompts queue behind 99 others.
    assert heavy.ttft.p90 > 20 * light.ttft.p90
    assert light.ttft.p50 <= light.ttft.p90 <= light.ttft.p99


def test_max_request_rate_meets_the_targets_and_tighter_targets_lower_it() -> None:
    setup = setup_for("qwen3-8b", "H100", stack="vllm")
    requests = sharegpt_like(300)
    loose = max_request_rate(setup, requests, 1, ttft_ms=2000, tpot_ms=60, window_s=30)
    tight = max_request_rate(setup, requests, 1, ttft_ms=2000, tpot_ms=25, window_s=30)
    assert loose.reason is None and tight.reason is None
    assert loose.result.tpot.p90 <= 60 and tight.result.tpot.p90 <= 25
    assert loose.result.ttft.p90 <= 2000
    assert 0 < tight.requests_per_s < 0.9 * loose.requests_per_s
    # Double the rate found breaks the target: the search stopped near the edge, not at an arbitrary safe point.
    over = simulate_serving(
        setup,
        with_poisson_arrivals(requests.cycled(int(2 * tight.requests_per_s * 30)), 2 * tight.requests_per_s),
        1,
        warmup_s=6,
    )
    assert over.tpot.p90 > 25


def test_unreachable_target_says_why() -> None:
    setup = setup_for("qwen3-8b", "H100", stack="vllm")
    found = max_request_rate(setup, fixed_lengths(50, 1024, 64), 1, tpot_ms=1.0, window_s=10)
    assert found.requests_per_s == 0
    assert found.reason is not None and "p90 TPOT" in found.reason and "exceeds 1 ms" in found.reason


def test_percentile_must_be_known() -> None:
    setup = setup_for("qwen3-8b", "H100", stack="vllm")
    with pytest.raises(ChipshiftError, match="percentile"):
        max_request_rate(setup, fixed_lengths(10, 64, 8), 1, tpot_ms=50, percentile=95)


def test_lengths_from_csv_and_jsonl(tmp_path: Path) -> None:
    csv_file = tmp_path / "trace.csv"
    csv_file.write_text("input_tokens,output_tokens,arrival_s\n100,20,1.5\n300,40,0.5\n")
    trace = load_lengths(csv_file)
    assert trace.input_tokens.tolist() == [300, 100]  # sorted by arrival
    assert trace.arrival_s is not None and trace.arrival_s.tolist() == [0.0, 1.0]
    jsonl = tmp_path / "lengths.jsonl"
    jsonl.write_text('{"input_tokens": 10, "output_tokens": 5}\n\n{"input_tokens": 7, "output_tokens": 3}\n')
    lengths = load_lengths(jsonl)
    assert lengths.output_tokens.tolist() == [5, 3] and lengths.arrival_s is None


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.csv", "input_tokens,out\n1,2\n", "a.csv:1: missing column(s) output_tokens"),
        ("b.csv", "input_tokens,output_tokens\n1,2\n3,x\n", "b.csv:3: field 'output_tokens': must be a whole number"),
        ("c.csv", "input_tokens,output_tokens\n0,2\n", "c.csv:2: field 'input_tokens': must be 1 to"),
        ("d.jsonl", '{"input_tokens": 1, "output_tokens": 2}\n{oops\n', "d.jsonl:2: not valid JSON"),
        ("e.csv", "input_tokens,output_tokens,arrival_s\n1,2,0\n1,2,\n", "arrival_s is given for some"),
        ("f.csv", "input_tokens,output_tokens\n", "no requests"),
    ],
)
def test_bad_lengths_files_name_the_line(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ChipshiftError) as error:
        load_lengths(path)
    assert str(path) in error.value.message and message in error.value.message
