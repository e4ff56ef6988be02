"""CLI commands of the perf engine: ``estimate`` (one layout, ``search``, ``serve``, ``train``) and ``size``;
``validate`` and ``models list|show`` are in :mod:`chipshift.cli.perf_data`.

Each command parses its options into a :class:`chipshift.perf.ReplicaSpec` and a workload, calls one engine
function and prints a view. Every number is checked here (finite, in range) with a one-line error naming the option.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from chipshift.cli import perf_data
from chipshift.cli.common import catalog
from chipshift.cli.output import (
    CATALOG_OPTION,
    FORMAT_OPTION,
    JSON_OPTION,
    OUTPUT_OPTION,
    QUIET_OPTION,
    Output,
    TableFormat,
    output_of,
)
from chipshift.cli.perf_data import show
from chipshift.cli.progress import StepProgress
from chipshift.errors import ChipshiftError

if TYPE_CHECKING:  # perf (numpy, scipy) is imported inside each command, so that every command starts fast
    from chipshift.perf import ReplicaSpec, RequestSet

MAX_REQUESTS = 100_000
"""Most requests a generated request set may hold (the simulation steps through each)."""
MAX_CHIPS = 2**20
"""Most chips a command may be asked about."""

Check = Callable[[Any], Any]


def _shown(value: float) -> str:
    """A number as typed: ``1,048,576``, ``0.5``, ``nan``, ``-1e+09``."""
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:g}"


def _checked(option: str, *, low: float, inclusive: bool, high: float | None, what: str) -> Check:
    """A typer callback refusing NaN, infinities and values out of range with one line naming the option; ``high``
    None is the largest quantity the schemas take (:data:`chipshift.quantities.MAX_MAGNITUDE`)."""

    def check(value: float | int | None) -> float | int | None:
        if value is None:
            return value
        from chipshift.quantities import MAX_MAGNITUDE  # pydantic: imported when an option is checked, not at start

        highest = MAX_MAGNITUDE if high is None else high
        too_low = value < low if inclusive else value <= low
        if not math.isfinite(value) or too_low:
            raise ChipshiftError(f"{option} must be {what}, not {_shown(value)}")
        if value > highest:
            raise ChipshiftError(f"{option} must be at most {_shown(highest)}, not {_shown(value)}")
        return value

    return check


def _positive(option: str, high: float | None = None) -> Check:
    return _checked(option, low=0, inclusive=False, high=high, what="a positive finite number")


def _count(option: str, high: int | None = None, low: int = 1) -> Check:
    return _checked(option, low=low, inclusive=True, high=high, what=f"a whole number of at least {low}")


SLO_PERCENTILES = (0, 50, 90, 99)
"""Latency percentiles a target may apply to (0 = the mean); the serving simulation's own list."""


def _one_of(option: str, value: int, allowed: tuple[int, ...]) -> int:
    if value not in allowed:
        raise ChipshiftError(f"{option} must be one of {', '.join(map(str, allowed))}, not {value}")
    return value


# ---------------------------------------------------------------- options shared by the perf commands

HARDWARE_ARGUMENT = typer.Argument(
    ..., metavar="CHIP", help="Chip or system id or alias (H100, 910C, H20, cloudmatrix-384)."
)
MODEL_ARGUMENT = typer.Argument(
    ..., metavar="MODEL", help="Model id (chipshift models list) or a path to a config.json."
)
SYSTEM_OPTION = typer.Option(None, help="Server or supernode the chip sits in (cloudmatrix-384).")
PRECISION_OPTION = typer.Option("bf16", help="bf16, fp16, fp8, w8a8 or w4a16.")
KV_CACHE_OPTION = typer.Option(None, "--kv-cache", help="KV-cache dtype: bf16, fp8 or int8 (default: the stack's).")
STACK_OPTION = typer.Option(None, help="Software stack: vllm, vllm-ascend, sglang, trtllm, mindie, ...")
INPUT_TOKENS_OPTION = typer.Option(1024, callback=_count("--input-tokens"), help="Prompt tokens (mean).")
OUTPUT_TOKENS_OPTION = typer.Option(256, callback=_count("--output-tokens"), help="Output tokens (mean).")
TTFT_OPTION = typer.Option(None, callback=_positive("--ttft-ms"), help="TTFT target in ms.")
TPOT_OPTION = typer.Option(None, callback=_positive("--tpot-ms"), help="TPOT target in ms.")
TP_OPTION = typer.Option(None, callback=_count("--tp", 4096), help="Tensor-parallel degree (default: searched).")
PP_OPTION = typer.Option(1, callback=_count("--pp", 4096), help="Pipeline stages.")
EP_OPTION = typer.Option(
    1, callback=_count("--ep", 4096), help="Expert-parallel degree (MoE; above --tp: data-parallel attention)."
)


def _acceptance(option: str) -> Check:
    return _checked(option, low=0, inclusive=True, high=1, what="an acceptance rate between 0 and 1")


MTP_OPTION = typer.Option(
    None, callback=_acceptance("--mtp"), help="MTP speculative decoding with this acceptance rate (0-1)."
)
EAGLE_OPTION = typer.Option(
    None, callback=_acceptance("--eagle"), help="EAGLE-style draft-head speculative decoding, acceptance rate (0-1)."
)
SUFFIX_OPTION = typer.Option(
    None, callback=_acceptance("--suffix"), help="Suffix (n-gram) speculative decoding on the host, acceptance (0-1)."
)
DRAFT_TOKENS_OPTION = typer.Option(
    None,
    callback=_count("--draft-tokens", 16),
    help="Draft tokens verified per step (default: 1 for --mtp, 3 for --eagle and --suffix).",
)
PREFIX_OPTION = typer.Option(
    0.0,
    callback=_checked("--prefix-hit-rate", low=0, inclusive=True, high=0.99, what="a share between 0 and 0.99"),
    help="Share of each prompt found in the prefix cache (only the rest is prefilled).",
)
REQUESTS_OPTION = typer.Option(
    1000, callback=_count("--requests", MAX_REQUESTS), help="Requests of a sharegpt or fixed request set."
)
LENGTHS_HELP = "sharegpt, fixed (the --input/--output tokens) or a CSV/JSON Lines file with input_tokens, output_tokens"


def _spec(
    model: str,
    hardware: str,
    *,
    system: str | None,
    precision: str,
    kv_cache: str | None = None,
    stack: str | None = None,
    mtp: float | None = None,
    eagle: float | None = None,
    suffix: float | None = None,
    draft_tokens: int | None = None,
) -> ReplicaSpec:
    """The replica the options name; speculative decoding from at most one acceptance rate (--mtp, --eagle,
    --suffix) and --draft-tokens."""
    from chipshift.perf import ReplicaSpec
    from chipshift.perf.speculative import speculative_from_rates

    speculative = speculative_from_rates(mtp=mtp, eagle=eagle, suffix=suffix, tokens=draft_tokens)
    return ReplicaSpec.build(
        model,
        hardware,
        system=system,
        precision=precision,
        kv_cache=kv_cache,
        stack=stack,
        speculative=speculative,
        catalog=catalog(),
    )


def _with_layout(spec: ReplicaSpec, tp: int | None, pp: int, ep: int) -> ReplicaSpec:
    """The spec with the layout the degrees give, or the search's choice when none is given."""
    return spec if tp is None and pp == 1 and ep == 1 else spec.with_degrees(tp=tp, pp=pp, ep=ep)


def _request_set(spec: str, count: int, input_tokens: int, output_tokens: int) -> RequestSet:
    """``sharegpt`` (shipped ShareGPT-like lengths), ``fixed`` (the --input/--output tokens) or a lengths file."""
    from chipshift.perf import fixed_lengths, load_lengths, sharegpt_like

    if spec == "sharegpt":
        return sharegpt_like(count)
    if spec == "fixed":
        return fixed_lengths(count, input_tokens, output_tokens)
    path = Path(spec)
    if not path.is_file():
        raise ChipshiftError(f"{spec}: not 'sharegpt', 'fixed' or a file of request lengths (CSV or JSON Lines)")
    return load_lengths(path)


# ---------------------------------------------------------------- estimate: one layout, search, serve, train

DEFAULT_ESTIMATE = "layout"
"""The subcommand ``chipshift estimate MODEL CHIP`` runs."""

MOVED_OPTIONS = {
    "--search": "search",
    "--serve": "serve",
    "--request-rate": "serve",
    "--requests": "serve",
    "--train": "train",
    "--chips": "train",
    "--seq-len": "train",
    "--zero": "train",
}
"""Options of the old single ``estimate`` command that now belong to a subcommand."""


class EstimateGroup(TyperGroup):
    """``estimate`` with subcommands, where ``estimate MODEL CHIP ...`` means ``estimate layout MODEL CHIP ...``."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            for arg in args:
                moved = MOVED_OPTIONS.get(arg.split("=", 1)[0])
                if moved is not None:
                    raise ChipshiftError(
                        f"estimate {arg.split('=', 1)[0]} is now a subcommand: chipshift estimate {moved} MODEL CHIP "
                        f"[options] (see chipshift estimate {moved} --help)"
                    )
            args = [DEFAULT_ESTIMATE, *args]
        return super().parse_args(ctx, args)


estimate_app = typer.Typer(
    cls=EstimateGroup,
    help="Estimate one model on one chip or system: `estimate MODEL CHIP` (one layout: the searched best at the "
    "targets, or --tp/--ep/--pp), `estimate search`, `estimate serve`, `estimate train`.",
    no_args_is_help=True,
)


@estimate_app.command(DEFAULT_ESTIMATE)
def estimate_layout(
    model: str = MODEL_ARGUMENT,
    hardware: str = HARDWARE_ARGUMENT,
    system: str | None = SYSTEM_OPTION,
    precision: str = PRECISION_OPTION,
    kv_cache: str | None = KV_CACHE_OPTION,
    stack: str | None = STACK_OPTION,
    input_tokens: int = INPUT_TOKENS_OPTION,
    output_tokens: int = OUTPUT_TOKENS_OPTION,
    ttft_ms: float | None = TTFT_OPTION,
    tpot_ms: float | None = TPOT_OPTION,
    batch: int | None = typer.Option(
        None, callback=_count("--batch", 1_000_000), help="Decode batch per chip (default: best at the targets)."
    ),
    tp: int | None = TP_OPTION,
    pp: int = PP_OPTION,
    ep: int = EP_OPTION,
    mtp: float | None = MTP_OPTION,
    eagle: float | None = EAGLE_OPTION,
    suffix: float | None = SUFFIX_OPTION,
    draft_tokens: int | None = DRAFT_TOKENS_OPTION,
    prefix_hit_rate: float = PREFIX_OPTION,
    fmt: TableFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """Prefill and decode of one layout, per operator group (the default: `chipshift estimate MODEL CHIP`).

    Without --tp/--ep/--pp the layout search picks the best layout at the targets (highest output tokens/s per chip
    meeting --ttft-ms and --tpot-ms); a target that cannot be met is an error that says by how much.
    """
    from chipshift.perf import ServingWorkload, estimate, estimate_view, to_plain

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)

    spec = _spec(
        model, hardware, system=system, precision=precision, kv_cache=kv_cache, stack=stack,
        mtp=mtp, eagle=eagle, suffix=suffix, draft_tokens=draft_tokens,
    )  # fmt: skip
    work = ServingWorkload(input_tokens, output_tokens, ttft_ms, tpot_ms, prefix_hit_rate=prefix_hit_rate)
    result = estimate(_with_layout(spec, tp, pp, ep), work, batch_per_chip=batch)
    if out.json:
        out.data(to_plain(result))
    else:
        show(out, estimate_view(result))


@estimate_app.command("search")
def estimate_search(
    model: str = MODEL_ARGUMENT,
    hardware: str = HARDWARE_ARGUMENT,
    system: str | None = SYSTEM_OPTION,
    precision: str = PRECISION_OPTION,
    kv_cache: str | None = KV_CACHE_OPTION,
    stack: str | None = STACK_OPTION,
    input_tokens: int = INPUT_TOKENS_OPTION,
    output_tokens: int = OUTPUT_TOKENS_OPTION,
    ttft_ms: float | None = TTFT_OPTION,
    tpot_ms: float | None = TPOT_OPTION,
    mtp: float | None = MTP_OPTION,
    eagle: float | None = EAGLE_OPTION,
    suffix: float | None = SUFFIX_OPTION,
    draft_tokens: int | None = DRAFT_TOKENS_OPTION,
    prefix_hit_rate: float = PREFIX_OPTION,
    disaggregated: bool = typer.Option(
        False, "--disaggregated", help="Prefill and decode on separate instances, each at its best layout."
    ),
    max_chips: int = typer.Option(512, callback=_count("--max-chips", 4096), help="Largest replica tried."),
    fmt: TableFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """Every layout and batch: the best at the targets, and the frontier of throughput against TPOT.

    Layouts are attention TP x attention DP (with expert parallelism, for MoE models on stacks that run it) x PP,
    for any chip count up to --max-chips.
    """
    from chipshift.perf import ServingWorkload, search_layouts, search_view, to_plain

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)

    spec = _spec(
        model, hardware, system=system, precision=precision, kv_cache=kv_cache, stack=stack,
        mtp=mtp, eagle=eagle, suffix=suffix, draft_tokens=draft_tokens,
    )  # fmt: skip
    work = ServingWorkload(
        input_tokens, output_tokens, ttft_ms, tpot_ms, prefix_hit_rate=prefix_hit_rate, disaggregated=disaggregated
    )
    found = search_layouts(spec, work, max_chips=max_chips)
    if out.json:
        out.data({"replica": spec.describe(), "workload": to_plain(work), **to_plain(found)})
    else:
        show(out, search_view(spec, work, found))


@estimate_app.command("serve")
def estimate_serve(
    model: str = MODEL_ARGUMENT,
    hardware: str = HARDWARE_ARGUMENT,
    system: str | None = SYSTEM_OPTION,
    precision: str = PRECISION_OPTION,
    kv_cache: str | None = KV_CACHE_OPTION,
    stack: str | None = STACK_OPTION,
    lengths: str = typer.Option("sharegpt", help=f"The request set: {LENGTHS_HELP} (and arrival_s)."),
    requests: int = REQUESTS_OPTION,
    input_tokens: int = INPUT_TOKENS_OPTION,
    output_tokens: int = OUTPUT_TOKENS_OPTION,
    request_rate: float | None = typer.Option(
        None, callback=_positive("--request-rate"), help="Poisson arrivals at this many requests/s (default: at once)."
    ),
    max_concurrency: int | None = typer.Option(
        None, callback=_count("--max-concurrency", MAX_REQUESTS), help="Requests in flight at most (client cap)."
    ),
    tp: int | None = TP_OPTION,
    pp: int = PP_OPTION,
    ep: int = EP_OPTION,
    mtp: float | None = MTP_OPTION,
    eagle: float | None = EAGLE_OPTION,
    suffix: float | None = SUFFIX_OPTION,
    draft_tokens: int | None = DRAFT_TOKENS_OPTION,
    prefix_hit_rate: float = PREFIX_OPTION,
    fmt: TableFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """Simulate one replica serving a request set: throughput, TTFT and TPOT percentiles.

    Continuous batching, step by step, with speculative decoding (--mtp, --eagle, --suffix), a client concurrency
    cap and prefix caching as options. Without --tp/--ep/--pp the replica is the smallest the layout search finds
    that holds the longest request.
    """
    from chipshift.perf import estimate_serving, serving_view, to_plain

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)

    spec = _spec(
        model, hardware, system=system, precision=precision, kv_cache=kv_cache, stack=stack,
        mtp=mtp, eagle=eagle, suffix=suffix, draft_tokens=draft_tokens,
    )  # fmt: skip
    request_set = _request_set(lengths, requests, input_tokens, output_tokens)
    with StepProgress(f"simulate {request_set.count:,} requests", "requests"):
        served = estimate_serving(
            _with_layout(spec, tp, pp, ep),
            request_set,
            request_rate=request_rate,
            max_concurrency=max_concurrency,
            prefix_hit_rate=prefix_hit_rate,
        )
    if out.json:
        out.data(to_plain(served))
    else:
        show(out, serving_view(served))


@estimate_app.command("train")
def estimate_train(
    model: str = MODEL_ARGUMENT,
    hardware: str = HARDWARE_ARGUMENT,
    system: str | None = SYSTEM_OPTION,
    precision: str = PRECISION_OPTION,
    stack: str | None = typer.Option(None, help="Training stack: megatron, mindspeed, deepseek, llama3, ..."),
    chips: int = typer.Option(8, callback=_count("--chips", MAX_CHIPS), help="Chips of the job (any count)."),
    seq_len: int = typer.Option(4096, callback=_count("--seq-len", 10_000_000), help="Sequence length."),
    global_batch_tokens: int | None = typer.Option(
        None, callback=_count("--global-batch-tokens"), help="Tokens per optimizer step (default 16M)."
    ),
    zero: int = typer.Option(1, callback=_count("--zero", 3, low=0), help="ZeRO stage 0-3."),
    full_recompute: bool = typer.Option(False, "--full-recompute", help="Full activation recomputation."),
    tp: int | None = typer.Option(None, callback=_count("--tp", 4096), help="Pin the tensor-parallel degree."),
    pp: int | None = typer.Option(None, callback=_count("--pp", 4096), help="Pin the pipeline stages."),
    ep: int | None = typer.Option(None, callback=_count("--ep", 4096), help="Pin the expert-parallel degree."),
    cp: int | None = typer.Option(None, callback=_count("--cp", 4096), help="Pin the context-parallel degree."),
    fmt: TableFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """The fastest training layout that fits on --chips chips: tokens/s per chip, MFU, memory.

    Layouts are TP x PP x CP x DP (EP folded into DP) multiplying to exactly --chips, any count.
    """
    from chipshift.perf import Recompute, to_plain, training_throughput, training_view

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)

    spec = _spec(model, hardware, system=system, precision=precision, stack=stack)
    pinned = {k: v for k, v in (("tp", tp), ("pp", pp), ("ep", ep), ("cp", cp)) if v is not None}
    result = training_throughput(
        spec,
        chips=chips,
        seq_len=seq_len,
        global_batch_tokens=global_batch_tokens,
        recompute=Recompute.FULL if full_recompute else Recompute.SELECTIVE,
        zero_stage=zero,
        fixed=pinned or None,
    )
    if out.json:
        out.data({"replica": spec.describe(), "chips": chips, **to_plain(result)})
    else:
        show(out, training_view(spec, chips, result))


# ---------------------------------------------------------------- size


def size_command(
    model: str = MODEL_ARGUMENT,
    chips: list[str] = typer.Option(..., "--chip", help="Candidate chip or system (repeatable)."),
    requests_per_s: float | None = typer.Option(
        None, callback=_positive("--requests-per-s"), help="Serving demand in requests per second."
    ),
    output_tokens_per_s: float | None = typer.Option(
        None, callback=_positive("--output-tokens-per-s"), help="Serving demand in output tokens per second."
    ),
    input_tokens: int = INPUT_TOKENS_OPTION,
    output_tokens: int = OUTPUT_TOKENS_OPTION,
    ttft_ms: float | None = TTFT_OPTION,
    tpot_ms: float | None = TPOT_OPTION,
    lengths: str | None = typer.Option(
        None, help=f"Size by simulating a length distribution: {LENGTHS_HELP}; the targets then apply to --percentile."
    ),
    requests: int = REQUESTS_OPTION,
    percentile: int = typer.Option(
        90,
        callback=lambda value: _one_of("--percentile", value, SLO_PERCENTILES),
        help="Percentile of TTFT and TPOT the targets apply to (0 = mean, 50, 90, 99).",
    ),
    train_tokens: float | None = typer.Option(
        None, callback=_positive("--train-tokens"), help="Train this many tokens instead (with --days)."
    ),
    days: float | None = typer.Option(
        None, callback=_positive("--days", 36_500), help="Days to train --train-tokens in."
    ),
    seq_len: int = typer.Option(4096, callback=_count("--seq-len", 10_000_000), help="Training sequence length."),
    precision: str = PRECISION_OPTION,
    kv_cache: str | None = KV_CACHE_OPTION,
    stack: str | None = STACK_OPTION,
    fmt: TableFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """Chips and servers of each candidate for a serving demand, or to train N tokens in D days.

    Each candidate (a chip, or a system such as cloudmatrix-384) is sized at the layout search's best layout for the
    targets; a system's servers are whole systems.
    """
    from chipshift.perf import ServingDemand, load_model, size_deployment, sizing_view, to_plain

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)

    if train_tokens is not None or days is not None:
        if train_tokens is None or days is None:
            raise ChipshiftError("training sizing needs both --train-tokens and --days")
        _size_training(model, chips, train_tokens, days, seq_len, precision, stack, out)
        return
    if requests_per_s is None and output_tokens_per_s is None:
        raise ChipshiftError("give a demand: --requests-per-s or --output-tokens-per-s (or --train-tokens and --days)")
    distribution = None if lengths is None else _request_set(lengths, requests, input_tokens, output_tokens)
    demand = ServingDemand(
        requests_per_s, output_tokens_per_s, input_tokens, output_tokens, ttft_ms, tpot_ms, distribution, percentile
    )
    with StepProgress("size", "candidates", total=len(chips)) as progress:
        rows = size_deployment(
            model,
            chips,
            demand,
            precision=precision,
            kv_cache=kv_cache,
            stack=stack,
            catalog=catalog(),
            progress=progress.update,
        )
    if out.json:
        out.data(to_plain(rows))
    else:
        show(out, sizing_view(load_model(model).id, demand, rows))


def _size_training(
    model: str,
    chips: list[str],
    tokens: float,
    days: float,
    seq_len: int,
    precision: str,
    stack: str | None,
    out: Output,
) -> None:
    from chipshift.perf import size_training, to_plain, training_sizing_view

    specs = [_spec(model, chip, system=None, precision=precision, stack=stack) for chip in chips]
    rows = []
    with StepProgress("size", "candidates", total=len(specs)) as progress:
        for spec in specs:
            rows.append(size_training(spec, tokens=tokens, days=days, seq_len=seq_len))
            progress.update(len(rows))
    if out.json:
        out.data([{**to_plain(r), "mfu": r.result.mfu, "layout": r.result.layout.describe()} for r in rows])
    else:
        show(out, training_sizing_view(specs[0].model.id, tokens, days, rows))


def register(app: typer.Typer) -> None:
    """Add this engine's commands to the top-level app."""
    app.add_typer(estimate_app, name="estimate")
    app.command("size")(size_command)
    perf_data.register(app)
