"""chipshift's performance model against llm-analysis and GenZ on the calibration cases each can express, and the
speed of its layout search.

Run: ``pip install -e '.[bench]' && python benchmarks/bench_perf_anchors.py [--markdown]``. Every tool gets the same
hardware figures (chipshift's catalog) and each anchor's own default or documented efficiency; a case a tool cannot
express is listed with the reason. The error is (predicted - measured) / measured; the time is per estimate.

``python benchmarks/bench_perf_anchors.py --cv`` prints chipshift's in-sample and leave-one-source-out errors per case
(each source's cases predicted by factors refitted without it) and how long the cross-validation took.

``python benchmarks/bench_perf_anchors.py --search`` times the layout search (``serving_capacity``, what decide calls
for every candidate and workload) on the example scenario's workloads and a few larger cases: layouts tried,
configurations evaluated, and seconds per call (the median of 5 calls after one warm-up, wall and CPU).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chipshift.catalog import load_catalog
from chipshift.perf import ReplicaSpec, ServingWorkload, search_layouts, serving_capacity
from chipshift.perf.cases import Case, Metric, Phase, parse_cases
from chipshift.perf.crossval import cross_validate
from chipshift.perf.models import ModelArch, load_model
from chipshift.perf.validate import calibration_file, predict_case, validate_file

LLM_ANALYSIS_FLOPS_EFFICIENCY = 0.5
"""llm-analysis's own documented figure for Megatron-LM training ('~0.5', constant.py)."""
GENZ_EFFICIENCY = 0.5
"""GenZ system efficiency used for compute and memory (its examples use 0.5-0.8)."""


@dataclass
class Row:
    """One tool on one case."""

    case: str
    tool: str
    predicted: float | None
    error: float | None
    seconds: float | None
    note: str = ""


def _timed(func: Callable[[], float]) -> tuple[float, float]:
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = func()
    return value, time.perf_counter() - start


def _hardware(case: Case) -> dict[str, float]:
    chip = load_catalog().chip(case.hardware.chip)
    bf16 = chip.tflops("bf16") or 0.0
    return {
        "bf16_tflops": bf16,
        "fp8_tflops": chip.tflops("fp8") or chip.tflops("int8") or bf16,
        "memory_gb": chip.memory.capacity_gb.value if chip.memory.capacity_gb else 0.0,
        "bandwidth_gb_s": chip.memory.bandwidth_gb_s.value if chip.memory.bandwidth_gb_s else 0.0,
        "link_gb_s": (chip.scale_up.bandwidth_gb_s.value / 2) if chip.scale_up.bandwidth_gb_s else 50.0,
    }


# ---------------------------------------------------------------- llm-analysis (training only, dense models)


def _llm_analysis_model(arch: ModelArch) -> Any:
    from llm_analysis.config import ModelConfig

    return ModelConfig(
        name=arch.id,
        num_layers=arch.num_layers,
        n_head=arch.num_heads,
        hidden_dim=arch.hidden_size,
        vocab_size=arch.vocab_size,
        max_seq_len=131072,
        num_key_value_heads=arch.num_kv_heads,
        ffn_embed_dim=arch.intermediate_size,
        expansion_ratio=arch.intermediate_size / arch.hidden_size,
    )


def _llm_analysis_layout(case: Case, arch: ModelArch) -> tuple[int, int, int, str]:
    """(tp, pp, dp, note): the measured layout, CP folded into DP (llm-analysis has no context parallelism)."""
    gpus = case.hardware.count
    if case.parallel:
        par = case.parallel
        note = "CP folded into DP" if par.cp > 1 else ""
        return par.tp, par.pp, gpus // (par.tp * par.pp), note
    for pp in (16, 12, 8, 4, 2, 1):
        if gpus % (8 * pp) == 0 and arch.num_layers % pp == 0:
            return 8, pp, gpus // (8 * pp), "layout chosen: TP8 and the largest PP that divides"
    return 1, 1, gpus, ""


def llm_analysis_predict(case: Case) -> float:
    """Training MFU, or GPU-hours per trillion tokens where the case measures that, from llm-analysis.

    Raises ValueError for what llm-analysis cannot express.
    """
    if case.phase is not Phase.TRAINING:
        raise ValueError("llm-analysis has no continuous-batching serving, MLA or EP dispatch model")
    arch = load_model(case.model)
    if arch.is_moe:
        raise ValueError("MLA attention is not expressible in llm-analysis")
    from llm_analysis import analysis, config

    hw = _hardware(case)
    name = f"chipshift-{case.hardware.chip}"
    config.gpu_configs[name] = config.GPUConfig(
        name=name,
        mem_per_GPU_in_GB=hw["memory_gb"],
        hbm_bandwidth_in_GB_per_sec=hw["bandwidth_gb_s"],
        intra_node_bandwidth_in_GB_per_sec=hw["link_gb_s"],
        intra_node_min_message_latency=8e-6,
        peak_fp16_TFLOPS=hw["bf16_tflops"],
        peak_i8_TFLOPS=hw["fp8_tflops"],
        peak_i4_TFLOPS=2 * hw["fp8_tflops"],
        inter_node_bandwidth_in_GB_per_sec=50,
    )
    config.model_configs[arch.id] = _llm_analysis_model(arch)
    tp, pp, dp, _ = _llm_analysis_layout(case, arch)
    seq = case.workload.seq_len or 4096
    gpus = case.hardware.count
    tokens = case.workload.global_batch_tokens or 16 * 2**20
    logging.disable(logging.CRITICAL)
    summary = analysis.train(
        model_name=arch.id,
        gpu_name=name,
        dtype_name="w16a16e16",
        seq_len=seq,
        batch_size_per_gpu=1,
        gradient_accumulation_steps=max(1, tokens // seq // dp),
        global_batch_size=max(1, tokens // seq // dp) * dp,
        total_num_gpus=gpus,
        tp_size=tp,
        pp_size=pp,
        dp_size=dp,
        activation_recomputation=1,
        ds_zero=1,
        mlp_gated_linear_units=arch.gated_mlp,
        flops_efficiency=LLM_ANALYSIS_FLOPS_EFFICIENCY,
        hbm_memory_efficiency=0.9,
        log_level="CRITICAL",
    )
    latency = summary["latency_per_iter"]
    if case.measured.metric is Metric.GPU_HOURS_PER_TRILLION_TOKENS:
        return float(gpus * latency / 3600 * 1e12 / tokens)
    flops = 6 * arch.active_params * tokens
    return float(flops / latency / gpus / (hw["bf16_tflops"] * 1e12))


# ---------------------------------------------------------------- GenZ (inference prefill at a batch)


def genz_predict(case: Case) -> float:
    """Prefill tokens/s per chip from GenZ; MLA is approximated as MHA (GenZ has no latent attention)."""
    if case.phase is not Phase.PREFILL:
        raise ValueError("GenZ models prefill/decode at a fixed batch: no serving simulation, no MLA KV cache")
    from GenZ.LLM_inference import prefill_moddeling
    from GenZ.Models import ModelConfig
    from GenZ.Models.default_models import MODEL_DICT

    arch = load_model(case.model)
    if arch.id not in MODEL_DICT.list_models():
        MODEL_DICT.add_model(
            ModelConfig(
                model=arch.id,
                vocab_size=arch.vocab_size,
                hidden_size=arch.hidden_size,
                intermediate_size=arch.intermediate_size,
                num_decoder_layers=arch.num_layers,
                num_attention_heads=arch.num_heads,
                num_key_value_heads=arch.num_kv_heads,
                head_dim=arch.qk_head_dim,
                num_ffi=2,
                moe_layer_freq=1 if arch.is_moe else None,
                num_experts=max(1, arch.num_experts),
                expert_top_k=max(1, arch.experts_per_token),
                moe_intermediate_size=arch.moe_intermediate_size or None,
                n_shared_experts=arch.num_shared_experts,
                first_k_dense_replace=arch.dense_layers or None,
            )
        )
    hw = _hardware(case)
    # GenZ's fit check counts expert weights unsharded by EP; capacity is raised so the timing model runs.
    system = {
        "Flops": hw["fp8_tflops"],
        "Memory_size": hw["memory_gb"] * 8,
        "Memory_BW": hw["bandwidth_gb_s"],
        "ICN": hw["link_gb_s"],
        "real_values": True,
    }
    ep = case.parallel.ep if case.parallel else 1
    tokens = case.workload.tokens_per_batch or 16384
    seq = case.workload.input_tokens or 4096
    batch = max(1, tokens // seq) * ep  # GenZ's batch is global over the EP group, its throughput too
    out = prefill_moddeling(
        model=arch.id,
        batch_size=batch,
        input_tokens=seq,
        system_name=system,
        system_eff=GENZ_EFFICIENCY,
        bits="int8",
        expert_parallel=ep,
        tensor_parallel=1,
    )
    return float(out["Throughput"] * seq / ep)


def chipshift_predict(case: Case) -> float:
    return predict_case(case, load_catalog())


TOOLS: dict[str, Callable[[Case], float]] = {
    "chipshift": chipshift_predict,
    "llm-analysis": llm_analysis_predict,
    "GenZ": genz_predict,
}


def run() -> list[Row]:
    load_catalog()
    load_model("deepseek-r1")
    rows = []
    for case in parse_cases(calibration_file()):
        for tool, predict in TOOLS.items():
            try:
                value, seconds = _timed(lambda predict=predict, case=case: predict(case))  # type: ignore[misc]
            except ImportError as error:
                rows.append(Row(case.id, tool, None, None, None, f"not installed ({error.name})"))
                continue
            except Exception as error:  # an anchor failing on a case is a result, not a crash
                rows.append(
                    Row(case.id, tool, None, None, None, (str(error) or type(error).__name__).splitlines()[0][:90])
                )
                continue
            rows.append(Row(case.id, tool, value, (value - case.measured.value) / case.measured.value, seconds))
    return rows


def markdown(rows: list[Row]) -> str:
    lines = ["| case | tool | predicted | error | ms per estimate | note |", "| --- | --- | ---: | ---: | ---: | --- |"]
    for r in rows:
        pred = "—" if r.predicted is None else f"{r.predicted:,.4g}"
        err = "—" if r.error is None else f"{r.error:+.1%}"
        ms = "—" if r.seconds is None else f"{r.seconds * 1000:,.1f}"
        lines.append(f"| {r.case} | {r.tool} | {pred} | {err} | {ms} | {r.note} |")
    lines += [
        "",
        "| tool | cases expressed | median abs error | median ms per estimate |",
        "| --- | ---: | ---: | ---: |",
    ]
    for tool in TOOLS:
        done = [r for r in rows if r.tool == tool and r.error is not None]
        med = f"{statistics.median(abs(r.error) for r in done if r.error is not None):.1%}" if done else "—"
        ms = f"{statistics.median((r.seconds or 0) * 1000 for r in done):,.1f}" if done else "—"
        lines.append(f"| {tool} | {len(done)} of {len(rows) // len(TOOLS)} | {med} | {ms} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- layout search speed

REASONING = ServingWorkload(4096, 1024, ttft_ms=10000, tpot_ms=100)
"""The example scenario's DeepSeek-R1 workload."""
CHAT = ServingWorkload(2048, 512, ttft_ms=2000, tpot_ms=50)
"""The example scenario's chat workload."""

SEARCH_CASES: list[tuple[str, str, str, str | None, ServingWorkload]] = [
    ("qwen3-32b", "huawei-ascend-910b", "bf16", "mindie", CHAT),
    ("qwen3-32b", "cloudmatrix-384", "bf16", "mindie", CHAT),
    ("qwen3-32b", "nvidia-h200-sxm", "bf16", None, CHAT),
    ("deepseek-r1", "huawei-ascend-910b", "bf16", "mindie", REASONING),
    ("deepseek-r1", "cloudmatrix-384", "bf16", "mindie", REASONING),
    ("deepseek-r1", "cloudmatrix-384", "w8a8", "mindie", REASONING),
    ("deepseek-r1", "nvidia-h20", "fp8", None, REASONING),
    ("deepseek-r1", "nvidia-h200-sxm", "w8a8", None, REASONING),
    ("qwen3-235b-a22b", "nvidia-h200-sxm", "fp8", "sglang", CHAT),
    ("llama-3.1-405b", "nvidia-h100-sxm", "bf16", "vllm", CHAT),
]


def search_speed() -> str:
    """A Markdown table of the layout search's size and time per call on each case."""
    lines = [
        "| model | chip or system | precision | stack | layouts | configurations | best | tokens/s per chip "
        "| s per call (wall) | s per call (CPU) |",
        "| --- | --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for model, hardware, precision, stack, work in SEARCH_CASES:
        spec = ReplicaSpec.build(model, hardware, precision=precision, stack=stack)
        found = search_layouts(spec, work)
        walls, cpus = [], []
        for _ in range(5):
            wall, cpu = time.perf_counter(), time.process_time()
            capacity = serving_capacity(spec, work)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        best = capacity.layout or "none"
        lines.append(
            f"| {model} | {hardware} | {precision} | {stack or 'other'} | {found.layouts:,} | {found.evaluated:,} "
            f"| {best} | {capacity.tokens_per_s_per_chip:,.0f} | {statistics.median(walls):.3f} "
            f"| {statistics.median(cpus):.3f} |"
        )
    return "\n".join(lines)


def cross_validation() -> str:
    """A Markdown table of each case's in-sample and held-out error, the summaries and the time taken."""
    start, cpu = time.perf_counter(), time.process_time()
    report = validate_file()
    in_sample_s = time.perf_counter() - start
    held = cross_validate()
    wall, cpu_s = time.perf_counter() - start, time.process_time() - cpu
    cases = {c.id: c for c in parse_cases(calibration_file())}
    outside = {c.id: c for c in held.cases}
    lines = [
        "| case | source | measured | in-sample | error | held-out | held-out error |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in report.cases:
        h = outside[c.id]
        lines.append(
            f"| {c.id} | {cases[c.id].source_key} | {c.measured:,.4g} | {c.predicted or 0:,.4g} | {c.error or 0:+.1%} "
            f"| {h.predicted or 0:,.4g} | {h.error or 0:+.1%} |"
        )
    s, h = report.summary(), held.summary()
    lines += [
        "",
        f"In-sample: {s['predicted']} of {s['n']} cases, median |error| {s['median_abs_error']:.1%}, MAPE "
        f"{s['mape']:.1%}, {s['within_1_5x']} within 1.5x ({in_sample_s:.1f} s). Leave-one-source-out over "
        f"{h['sources']} sources: median |error| {h['median_abs_error']:.1%}, MAPE {h['mape']:.1%}, "
        f"{h['within_1_5x']:.0%} within 1.5x ({wall:.0f} s wall, {cpu_s:.0f} s CPU for both).",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--search", action="store_true", help="time the layout search instead")
    parser.add_argument("--cv", action="store_true", help="in-sample and leave-one-source-out errors instead")
    args = parser.parse_args()
    if args.cv:
        print(cross_validation())
    else:
        print(search_speed() if args.search else markdown(run()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
