"""Issue 16's physics: speculative decoding in the serving simulation, FP8 attention over an FP8 KV cache,
data-parallel attention for a GQA MoE model read from a measured case, attention cost growing with context,
client concurrency caps, prefix caching and disaggregated serving.

Each test failed on the code before issue 16: ``estimate serve --mtp`` exited 3 ("not supported yet"), EAGLE and
suffix drafts did not exist, attention ran at the BF16 peak whatever the cache, a case could not say whether its TP
ran attention data-parallel, and there was no concurrency cap, prefix cache or disaggregated option.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipshift.cli.main import app
from chipshift.errors import ChipshiftError
from chipshift.perf import ReplicaSpec, ServingOptions, ServingWorkload, Speculative, search_layouts
from chipshift.perf.inference import estimate_decode
from chipshift.perf.serving import fixed_lengths, simulate_serving
from chipshift.perf.validate import validate_file

runner = CliRunner()


def _serve(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["estimate", "serve", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_mtp_serving_is_simulated_not_refused() -> None:
    """It exited 3 with 'speculative decoding (MTP) in the serving simulation: not supported yet'."""
    common = ["deepseek-r1", "H200", "--precision", "fp8", "--stack", "sglang", "--lengths", "fixed"]
    common += ["--requests", "64", "--input-tokens", "256", "--output-tokens", "1024", "--max-concurrency", "16"]
    plain = _serve(*common)
    mtp = _serve(*common, "--mtp", "0.8")
    assert mtp["speculative"] == "MTP, 1 draft token, 80% accepted"
    # Fewer, longer steps: verifying two tokens per sequence touches more experts on the 6-chip replica.
    assert mtp["result"]["steps"] < 0.6 * plain["result"]["steps"]  # type: ignore[index]
    assert mtp["result"]["output_tokens_per_s"] > 1.1 * plain["result"]["output_tokens_per_s"]  # type: ignore[index]
    assert mtp["result"]["tpot"]["mean"] < plain["result"]["tpot"]["mean"]  # type: ignore[index]


def test_eagle_and_suffix_drafts_for_a_model_without_mtp_modules() -> None:
    spec = ReplicaSpec.build("qwen3-8b", "H100", stack="vllm")
    requests = fixed_lengths(8, 512, 256)

    def served(speculative: Speculative | None) -> float:
        setup = spec.with_speculative(speculative).setup()
        result = simulate_serving(setup, requests, 1, options=ServingOptions(4, speculative))
        return result.output_tokens_per_s

    plain = served(None)
    eagle = served(Speculative.of("eagle", 0.7))
    suffix = served(Speculative.of("suffix", 0.7))
    useless = served(Speculative.of("eagle", 0.0))
    assert eagle > 1.5 * plain
    assert suffix > eagle  # the same acceptance without a draft head on the device
    assert useless < plain  # a draft that is never accepted only costs
    with pytest.raises(ChipshiftError, match="no MTP modules"):
        ReplicaSpec.build("qwen3-8b", "H100", speculative=Speculative.of("mtp", 0.7))
    with pytest.raises(ChipshiftError, match="between 0 and 1"):
        Speculative.of("eagle", 1.2)


def test_speculative_options_at_the_cli() -> None:
    both = runner.invoke(app, ["estimate", "qwen3-8b", "H100", "--eagle", "0.6", "--suffix", "0.5"])
    assert both.exit_code == 2 and "give one of --mtp, --eagle and --suffix" in both.stderr
    lonely = runner.invoke(app, ["estimate", "qwen3-8b", "H100", "--draft-tokens", "4"])
    assert lonely.exit_code == 2 and "--draft-tokens needs --mtp, --eagle or --suffix" in lonely.stderr
    eagle = runner.invoke(app, ["estimate", "qwen3-8b", "H100", "--eagle", "0.6", "--draft-tokens", "4", "--json"])
    assert eagle.exit_code == 0, eagle.output


def test_fp8_attention_runs_at_the_fp8_peak_where_the_stack_has_it() -> None:
    """MLA decode on H20 is compute-bound: FlashMLA-FP8 (SGLang) halves its time; the Ascend stacks keep BF16."""

    def attention_ms(stack: str, kv_cache: str, hardware: str = "H20") -> float:
        spec = ReplicaSpec.build("deepseek-r1", hardware, precision="fp8", kv_cache=kv_cache, stack=stack)
        setup = spec.with_degrees(tp=1, ep=16).setup()
        step = estimate_decode(setup, 32, 4096, check_kv=False).step
        core = next(op for op in step.ops if op.name == "attention.decode")
        return float(core.compute_s) * 1000

    assert attention_ms("sglang", "fp8") == pytest.approx(attention_ms("sglang", "bf16") / 2, rel=0.01)
    assert attention_ms("vllm-ascend", "fp8", "910C") == pytest.approx(attention_ms("vllm-ascend", "bf16", "910C"))


def test_attention_cost_grows_with_context() -> None:
    """Decode reads the whole KV cache each step; prefill attention grows with the square of the prompt."""
    setup = ReplicaSpec.build("llama-3.1-8b", "H100", stack="vllm").setup()
    short = estimate_decode(setup, 1, 1000).tpot_ms
    long = estimate_decode(setup, 1, 100_000).tpot_ms
    assert long > short + 3.0  # 13 GB of KV cache at ~3 TB/s
    spec = ReplicaSpec.build("llama-3.1-8b", "H100", stack="vllm")
    ttft = [search_layouts(spec, ServingWorkload(n, 1)).smallest.ttft_ms for n in (8_000, 32_000)]  # type: ignore[union-attr]
    assert ttft[1] > 4.5 * ttft[0]


def test_a_case_can_say_its_tp_ran_attention_tensor_parallel(tmp_path: Path) -> None:
    """SGLang's measured TP of an MoE model reads as data-parallel attention unless the case says otherwise."""
    text = "version: 1\ncases:\n" + "".join(
        f"  - id: {cid}\n    source: a placeholder figure\n    confidence: low\n"
        "    hardware: {chip: nvidia-h200-sxm, count: 8}\n    model: qwen3-235b-a22b\n    precision: fp8\n"
        "    stack: sglang\n    phase: decode\n    workload: {input_tokens: 2048, batch_per_chip: 16}\n"
        f"    parallel: {{tp: 8{extra}}}\n    measured: {{metric: decode_tokens_per_s_per_chip, value: 100}}\n"
        for cid, extra in (("DP", ""), ("TP", ", dp_attention: false"))
    )
    path = tmp_path / "cases.yaml"
    path.write_text(text, encoding="utf-8")
    dp, tp = validate_file(path).cases
    assert dp.predicted is not None and tp.predicted is not None
    assert dp.predicted > tp.predicted  # no all-reduce of attention, and eight times the sequences


def test_a_concurrency_cap_holds_requests_back_and_times_them_from_when_they_are_sent() -> None:
    setup = ReplicaSpec.build("qwen3-8b", "H100", stack="vllm").setup()
    requests = fixed_lengths(40, 1024, 64)
    capped = simulate_serving(setup, requests, 1, options=ServingOptions(max_concurrency=4))
    free = simulate_serving(setup, requests, 1)
    assert capped.peak_running <= 4 < free.peak_running
    assert capped.ttft.p90 < free.ttft.p90 / 5  # a held-back request is not waiting on the server's clock
    assert capped.output_tokens_per_s < free.output_tokens_per_s


def test_prefix_caching_skips_the_cached_share_of_each_prompt() -> None:
    spec = ReplicaSpec.build("qwen3-32b", "H100", stack="vllm")
    cold = search_layouts(spec, ServingWorkload(8192, 256, tpot_ms=60))
    warm = search_layouts(spec, ServingWorkload(8192, 256, tpot_ms=60, prefix_hit_rate=0.9))
    assert cold.best is not None and warm.best is not None
    assert warm.best.ttft_ms < cold.best.ttft_ms / 3
    assert warm.best.tokens_per_s_per_chip > cold.best.tokens_per_s_per_chip
    setup = spec.setup()
    requests = fixed_lengths(32, 8192, 64)
    hit = simulate_serving(setup, requests, 1, options=ServingOptions(prefix_hit_rate=0.9))
    miss = simulate_serving(setup, requests, 1)
    assert hit.total_tokens_per_s > 2 * miss.total_tokens_per_s
    with pytest.raises(ChipshiftError, match="prefix"):
        ServingWorkload(prefix_hit_rate=1.0)


def test_disaggregated_serving_prefills_on_its_own_best_layout() -> None:
    spec = ReplicaSpec.build("deepseek-r1", "H200", precision="fp8", stack="sglang")
    work = ServingWorkload(4096, 1024, ttft_ms=5000, tpot_ms=50, disaggregated=True)
    found = search_layouts(spec, work)
    assert found.best is not None and found.best.prefill_layout is not None
    together = search_layouts(spec, ServingWorkload(4096, 1024, ttft_ms=5000, tpot_ms=50))
    assert together.best is not None and together.best.prefill_layout is None
    assert found.best.tokens_per_s_per_chip >= together.best.tokens_per_s_per_chip * 0.99
