"""One replica spec and one layout search: every command gives the same answer, at the best layout for the targets.

Issues 11, 12 and 16: DeepSeek-R1 on 910C / CloudMatrix 384 at TPOT 100 ms gave 86 output tokens/s per chip in
``estimate``, 72 in ``size``, 80 in ``compare`` and 878 with ``estimate --search``; W8A8 halved the H200's capacity;
a system candidate was evaluated as its bare chip; DeepSeek-R1 prefill on 8 x H20 and a 6,000-chip training run were
refused. Each test below failed on that code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipshift.cli.main import app
from chipshift.perf import (
    InferenceLayout,
    ReplicaSpec,
    ServingWorkload,
    estimate,
    search_layouts,
    serving_capacity,
    training_throughput,
    validate_file,
)
from chipshift.perf.inference import estimate_decode
from chipshift.perf.layout import searched_layouts
from chipshift.perf.memory import memory_plan

runner = CliRunner()

REASONING = ["--input-tokens", "4096", "--output-tokens", "1024", "--ttft-ms", "10000", "--tpot-ms", "100"]
"""The example scenario's DeepSeek-R1 workload (issue 12's case)."""
CHAT = ["--input-tokens", "2048", "--output-tokens", "512", "--ttft-ms", "2000", "--tpot-ms", "50"]
"""The example scenario's chat workload."""


def _cli_json(*args: str) -> object:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _degrees(layout: dict[str, object]) -> list[str]:
    """CLI options that rebuild a searched layout."""
    tp, groups, pp = int(layout["tp"]), int(layout["attention_dp"]), int(layout["pp"])  # type: ignore[call-overload]
    ep = tp * groups if layout["expert_parallel"] else 1
    return ["--tp", str(tp), "--ep", str(ep), "--pp", str(pp)]


@pytest.mark.parametrize(
    ("model", "hardware", "workload", "stack"),
    [
        ("deepseek-r1", "cloudmatrix-384", REASONING, "mindie"),
        ("qwen3-32b", "H100", CHAT, "vllm"),
    ],
    ids=["deepseek-r1-cloudmatrix", "qwen3-32b-h100"],
)
def test_estimate_search_size_and_capacity_agree(model: str, hardware: str, workload: list[str], stack: str) -> None:
    options = [*workload, "--stack", stack]
    searched = _cli_json("estimate", "search", model, hardware, *options)
    best = searched["best"]  # type: ignore[index]
    assert best is not None
    rate = best["tokens_per_s_per_chip"]
    default = _cli_json("estimate", model, hardware, *options)
    pinned = _cli_json("estimate", model, hardware, *options, *_degrees(best["layout"]))
    for result in (default, pinned):
        assert result["serving"]["tokens_per_s_per_chip"] == pytest.approx(rate)  # type: ignore[index]
        assert result["chips_per_replica"] == best["layout"]["chips"]  # type: ignore[index]
        assert result["decode"]["tokens_per_s_per_chip"] == pytest.approx(best["decode_tokens_per_s_per_chip"])  # type: ignore[index]
    assert default["layout_searched"] and not pinned["layout_searched"]  # type: ignore[index]
    demand = [*options, "--output-tokens-per-s", "200000"]
    sized = _cli_json("size", model, "--chip", hardware, *demand)[0]  # type: ignore[index]
    assert sized["fits"] and sized["tokens_per_s_per_chip"] == pytest.approx(rate)
    assert sized["layout"] == best["layout"]["name"]
    spec = ReplicaSpec.build(model, hardware, stack=stack)
    tokens = [int(v) for v in workload[1::2]]
    capacity = serving_capacity(spec, ServingWorkload(tokens[0], tokens[1], tokens[2], tokens[3]))
    assert capacity.tokens_per_s_per_chip == pytest.approx(rate)
    assert capacity.layout == best["layout"]["name"]


def test_the_decide_call_sizes_a_system_as_the_system() -> None:
    from chipshift.assess.evidence import resolve, workload_fit
    from chipshift.assess.scenario import InferenceWorkload
    from chipshift.catalog import load_catalog

    catalog = load_catalog()
    chip, system = resolve(catalog, "cloudmatrix-384")
    work = InferenceWorkload(
        id="reasoning",
        kind="inference",
        model="deepseek-r1",
        input_tokens=4096,
        output_tokens=1024,
        ttft_ms=10000,
        tpot_ms=100,
        output_tokens_per_s=20000,
    )
    fit = workload_fit(work, chip, None, catalog, system)
    spec = ReplicaSpec.build("deepseek-r1", "cloudmatrix-384", catalog=catalog)
    assert spec.hardware.system_id == "cloudmatrix-384" and spec.hardware.scale_up_domain == 384
    capacity = serving_capacity(spec, ServingWorkload(4096, 1024, 10000, 100))
    assert fit.fits and fit.capacity_per_chip == pytest.approx(capacity.tokens_per_s_per_chip)


def test_w8a8_does_not_halve_the_h200() -> None:
    """It did: the smallest W8A8 replica (TP8) fitted where BF16 needed 16 chips with data-parallel attention."""
    work = ServingWorkload(4096, 1024, ttft_ms=10000, tpot_ms=100)
    for model in ("deepseek-r1", "qwen3-32b"):
        bf16 = serving_capacity(ReplicaSpec.build(model, "H200"), work)
        w8a8 = serving_capacity(ReplicaSpec.build(model, "H200", precision="w8a8"), work)
        assert bf16.fits and w8a8.fits
        assert w8a8.tokens_per_s_per_chip >= bf16.tokens_per_s_per_chip, model


def test_a_system_id_where_a_chip_is_expected_is_the_system() -> None:
    result = runner.invoke(app, ["estimate", "deepseek-r1", "cloudmatrix-384", "--tpot-ms", "100", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["chip"] == "huawei-ascend-910c" and data["system"] == "cloudmatrix-384"
    explicit = ReplicaSpec.build("deepseek-r1", "910C", system="cloudmatrix-384")
    assert explicit.hardware == ReplicaSpec.build("deepseek-r1", "CM384").hardware


def test_the_search_tries_any_chip_count_and_dp_attention_for_gqa_moe() -> None:
    qwen = ReplicaSpec.build("qwen3-235b-a22b", "H200", stack="trtllm")
    layouts = searched_layouts(qwen.model, domain=8, dp_attention=True)
    counts = {lay.chips for lay in layouts}
    assert {6, 12, 24, 40, 96} <= counts
    assert any(lay.tp > 1 and lay.attention_dp > 1 for lay in layouts)  # GQA attention TP x DP with EP
    assert all(lay.attention_dp == 1 for lay in searched_layouts(qwen.model, domain=8, dp_attention=False))
    exact = search_layouts(qwen, ServingWorkload(), chips=24)
    assert exact.best is not None and exact.best.chips_per_replica == 24


def test_a_measured_tp_of_a_gqa_moe_model_on_a_dp_attention_stack_runs_attention_data_parallel() -> None:
    spec = ReplicaSpec.build("qwen3-235b-a22b", "H200", precision="fp8", stack="trtllm").with_degrees(tp=8)
    assert spec.layout == InferenceLayout(tp=1, attention_dp=8)
    decode = estimate_decode(spec.setup(), 32, 2048)
    assert "tp.allreduce" not in {c.name for c in decode.step.comms}


def test_deepseek_prefill_on_eight_h20_is_predicted(tmp_path: Path) -> None:
    """Issue 16: refused, because the layout tried for unpublished degrees was TP1 with data-parallel attention."""
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        'version: 1\ncases:\n  - id: H20-prefill\n    source: "a placeholder figure: only the prediction is tested"\n'
        "    confidence: low\n    hardware: {chip: nvidia-h20, count: 8}\n    model: deepseek-r1\n"
        "    precision: fp8\n    stack: sglang\n    phase: prefill\n    workload: {input_tokens: 4096}\n"
        "    measured: {metric: prefill_tokens_per_s_per_chip, value: 1000}\n",
        encoding="utf-8",
    )
    outcome = validate_file(cases).cases[0]
    assert outcome.reason is None and outcome.predicted is not None and outcome.predicted > 0


def test_a_6000_chip_training_run_is_accepted_and_a_prime_count_says_why_not() -> None:
    spec = ReplicaSpec.build("llama-3.1-405b", "H100")
    result = training_throughput(spec, chips=6000, seq_len=8192)
    assert result.fits and result.layout.chips == 6000
    with pytest.raises(Exception, match=r"6,001 chips split into pipelines of 1 or 17 stages; 6,000 chips fit as"):
        training_throughput(spec, chips=6001, seq_len=8192)


def test_kv_cache_dtype_is_its_own_setting() -> None:
    bf16 = ReplicaSpec.build("qwen3-32b", "H100", precision="fp8")
    fp8 = ReplicaSpec.build("qwen3-32b", "H100", precision="fp8", kv_cache="fp8")
    assert bf16.kv_cache.value == "bf16" and fp8.kv_cache.value == "fp8"
    room_bf16, room_fp8 = memory_plan(bf16.setup()), memory_plan(fp8.setup())
    assert room_fp8.kv_tokens_per_group == pytest.approx(2 * room_bf16.kv_tokens_per_group)

    def kv_read(spec: ReplicaSpec) -> float:
        core = next(op for op in estimate_decode(spec.setup(), 16, 4096).step.ops if op.name == "attention.decode")
        return float(core.bytes)

    assert kv_read(fp8) == pytest.approx(kv_read(bf16) / 2)
    work = ServingWorkload(2048, 512, tpot_ms=50)
    assert serving_capacity(fp8, work).tokens_per_s_per_chip > serving_capacity(bf16, work).tokens_per_s_per_chip


def test_estimate_at_a_target_it_cannot_meet_says_by_how_much() -> None:
    with pytest.raises(Exception, match=r"TPOT target of 2 ms cannot be met: .* ms per token .*x the target"):
        estimate(ReplicaSpec.build("qwen3-8b", "H100"), ServingWorkload(tpot_ms=2))


def test_a_layout_that_does_not_fit_is_not_a_missed_target() -> None:
    from chipshift.perf import DoesNotFitError, TargetNotMetError

    with pytest.raises(DoesNotFitError, match="does not fit TP2"):
        estimate(ReplicaSpec.build("llama-3.1-405b", "H100").with_degrees(tp=2), ServingWorkload())
    with pytest.raises(TargetNotMetError):
        estimate(ReplicaSpec.build("llama-3.1-405b", "H100"), ServingWorkload(tpot_ms=1))
