"""Continuous-batching simulation: every request completes, KV limits bind, lengths match ShareGPT's means."""

from __future__ import annotations

import numpy as np

from chipshift.perf.inference import setup_for
from chipshift.perf.layout import InferenceLayout
from chipshift.perf.serving import fixed_lengths, sharegpt_like, simulate_serving


def test_sharegpt_like_lengths() -> None:
    requests = sharegpt_like(1000)
    assert abs(requests.input_tokens.mean() - 217) < 3
    assert abs(requests.output_tokens.mean() - 201) < 3
    assert requests.input_tokens.max() <= 1024
    assert np.all(requests.input_tokens + requests.output_tokens <= 2048)


def test_throughput_accounts_for_every_token() -> None:
    setup = setup_for("qwen3-8b", "H100", stack="vllm")
    result = simulate_serving(setup, fixed_lengths(64, 512, 128), chips=1)
    assert result.total_tokens_per_s * result.makespan_s == 64 * (512 + 128)
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
