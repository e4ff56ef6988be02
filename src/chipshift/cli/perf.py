"""CLI commands of the perf engine: ``estimate``, ``size``, ``validate`` and ``models list|show``."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from chipshift import jsontext
from chipshift.cli.common import catalog, stderr, stdout
from chipshift.errors import ChipshiftError, NotSupportedYetError
from chipshift.perf import (
    ServingDemand,
    SizingRow,
    estimate,
    load_model,
    shipped_model_ids,
    size_deployment,
    size_training,
    training_throughput,
    validate_file,
)
from chipshift.perf.estimate import Estimate, PhaseEstimate, ServingEstimate, estimate_serving
from chipshift.perf.lengths import load_lengths
from chipshift.perf.search import SearchResult, search_inference
from chipshift.perf.serving import RequestSet, fixed_lengths, sharegpt_like
from chipshift.perf.training import TrainingResult
from chipshift.perf.validate import ValidationReport

models_app = typer.Typer(help="Model architectures the performance model knows: list, show.", no_args_is_help=True)

JSON_OPTION = typer.Option(False, "--json", help="Print JSON.")
PRECISION_OPTION = typer.Option("bf16", help="bf16, fp16, fp8, w8a8 or w4a16.")
STACK_OPTION = typer.Option(None, help="Software stack: vllm, vllm-ascend, sglang, trtllm, mindie, ...")
REQUESTS_OPTION = typer.Option(1000, min=1, help="Requests of a sharegpt or fixed request set.")


def _request_set(spec: str, count: int, input_tokens: int, output_tokens: int) -> RequestSet:
    """``sharegpt`` (shipped ShareGPT-like lengths), ``fixed`` (the --input/--output tokens) or a lengths file."""
    if spec == "sharegpt":
        return sharegpt_like(count)
    if spec == "fixed":
        return fixed_lengths(count, input_tokens, output_tokens)
    path = Path(spec)
    if not path.is_file():
        raise ChipshiftError(f"{spec}: not 'sharegpt', 'fixed' or a file of request lengths (CSV or JSON Lines)")
    return load_lengths(path)


def _print_json(data: Any) -> None:
    typer.echo(jsontext.dumps(data))


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


@models_app.command("list")
def models_list(as_json: bool = JSON_OPTION) -> None:
    """Shipped model architectures with their size and attention kind.

    Active parameters count the embedding and LM head, as model cards do (DeepSeek-V3: 37B).
    """
    rows: list[dict[str, Any]] = []
    for model_id in shipped_model_ids():
        m = load_model(model_id)
        rows.append(
            {
                "id": m.id,
                "name": m.name,
                "total_params_b": round(m.total_params / 1e9, 1),
                "active_params_b": round(m.active_params_published / 1e9, 1),
                "attention": m.attention.value,
                "moe": m.is_moe,
                "source": m.source,
            }
        )
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"{len(rows)} model architectures")
    for column in ("id", "name", "total_params_b", "active_params_b", "attention", "moe"):
        table.add_column(column, justify="right" if column.endswith("_b") else "left")
    for row in rows:
        table.add_row(
            row["id"],
            row["name"],
            str(row["total_params_b"]),
            str(row["active_params_b"]),
            row["attention"],
            "yes" if row["moe"] else "no",
        )
    stdout.print(table)


@models_app.command("show")
def models_show(
    model: str = typer.Argument(..., help="Model id or a path to a config.json."), as_json: bool = JSON_OPTION
) -> None:
    """Every field of one architecture, with derived sizes."""
    m = load_model(model)
    data = asdict(m) | {
        "total_params": m.total_params,
        "active_params": m.active_params_published,
        "active_params_without_embeddings": m.active_params,
        "kv_cache_values_per_token_per_layer": m.kv_elems_per_token_layer(),
    }
    if as_json:
        _print_json(data)
        return
    table = Table(title=m.name, show_header=False)
    for key, value in data.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value))
    stdout.print(table)


def _phase_table(phase: PhaseEstimate) -> Table:
    unit = "TTFT" if phase.phase == "prefill" else "TPOT"
    title = (
        f"{phase.phase}: {phase.tokens_per_s_per_chip:,.0f} tokens/s per chip, {unit} {phase.latency_ms:,.1f} ms "
        f"({phase.batch}; step {phase.step_ms:,.2f} ms, host {phase.host_ms:.2f} ms, "
        f"comm overlap {phase.overlap:.0%})"
    )
    table = Table(title=title, title_justify="left")
    for column in (
        "operator",
        "compute ms",
        "memory ms",
        "comm ms",
        "time ms",
        "bottleneck",
        "efficiency",
        "precision",
    ):
        table.add_column(column, justify="left" if column in {"operator", "bottleneck", "precision"} else "right")
    for row in phase.rows:
        table.add_row(
            row.name,
            _num(row.compute_ms, 2),
            _num(row.memory_ms, 2),
            _num(row.comm_ms, 2),
            _num(row.time_ms, 2),
            row.bottleneck,
            _num(row.efficiency, 2),
            row.precision or "—",
        )
    return table


def _print_estimate(result: Estimate) -> None:
    mem = result.memory
    stdout.print(
        f"[bold]{result.model}[/] on [bold]{result.chip}[/] ({result.precision}, stack {result.stack}), "
        f"replica {result.layout} = {result.chips_per_replica} chips"
    )
    stdout.print(
        f"memory per chip: weights {mem.weights_gb:.1f} GB, workspace {mem.activations_gb + mem.reserved_gb:.1f}"
        f" GB, KV cache {mem.kv_cache_gb:.1f} GB ({mem.kv_tokens_per_group:,.0f} tokens per attention group)"
    )
    stdout.print(_phase_table(result.prefill))
    stdout.print(_phase_table(result.decode))
    per_watt = f"{result.decode_tokens_per_s_per_watt:.2f}" if result.decode_tokens_per_s_per_watt else "—"
    per_usd = f"{result.decode_tokens_per_s_per_usd * 1000:.2f}" if result.decode_tokens_per_s_per_usd else "—"
    stdout.print(
        f"decode tokens/s per W: {per_watt}; per 1,000 USD of chips: {per_usd}; KV transfer to a "
        f"disaggregated decode instance: {result.kv_transfer_ms:.1f} ms per request"
    )
    stdout.print(f"efficiencies: chip — {result.sources['chip']}; stack — {result.sources['stack']}")


@models_app.callback()
def _models() -> None:
    """Model architectures."""


def estimate_command(
    model: str = typer.Argument(..., help="Model id (chipshift models list) or a path to a config.json."),
    chip: str = typer.Argument(..., help="Chip id or alias (H100, 910C, H20)."),
    precision: str = PRECISION_OPTION,
    input_tokens: int = typer.Option(1024, min=1, help="Prompt tokens."),
    output_tokens: int = typer.Option(256, min=1, help="Output tokens."),
    batch: int | None = typer.Option(None, min=1, help="Decode batch per chip (default: best under --tpot-ms)."),
    tpot_ms: float | None = typer.Option(None, help="TPOT target in ms for choosing the batch."),
    tp: int | None = typer.Option(None, min=1, help="Tensor-parallel degree (default: smallest replica that fits)."),
    pp: int = typer.Option(1, min=1, help="Pipeline stages."),
    ep: int = typer.Option(1, min=1, help="Expert-parallel degree (MoE)."),
    stack: str | None = STACK_OPTION,
    system: str | None = typer.Option(None, help="Server or supernode id (cloudmatrix-384)."),
    mtp: float | None = typer.Option(
        None, min=0.0, max=1.0, help="MTP speculative decoding with this acceptance rate (0-1)."
    ),
    search: bool = typer.Option(False, "--search", help="Search every layout and batch; print best and frontier."),
    ttft_ms: float | None = typer.Option(None, help="TTFT target in ms (with --search)."),
    serve: str | None = typer.Option(
        None,
        help="Simulate serving a request set with continuous batching on one replica: sharegpt, fixed (the --input/"
        "--output tokens) or a CSV/JSON Lines file with input_tokens, output_tokens (and arrival_s).",
    ),
    requests: int = REQUESTS_OPTION,
    request_rate: float | None = typer.Option(
        None, help="Poisson arrivals at this many requests/s (with --serve; default: all at once)."
    ),
    train: bool = typer.Option(False, "--train", help="Estimate training instead (with --chips, --seq-len)."),
    chips: int = typer.Option(8, min=1, help="Chips of the training job (with --train)."),
    seq_len: int = typer.Option(4096, min=1, help="Training sequence length (with --train)."),
    zero: int = typer.Option(1, min=0, max=3, help="ZeRO stage 0-3 (with --train)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Prefill and decode of one model on one chip, with compute, memory and communication per operator group."""
    modes = [flag for flag, on in (("--train", train), ("--search", search), ("--serve", serve is not None)) if on]
    if len(modes) > 1:
        raise ChipshiftError(f"choose one of {', '.join(modes)}")
    if request_rate is not None and serve is None:
        raise ChipshiftError("--request-rate applies to a serving simulation: add --serve sharegpt|fixed|FILE")
    if train:
        fixed = {"tp": tp or 1, "pp": pp, "ep": ep} if tp or pp > 1 or ep > 1 else None
        trained = training_throughput(
            model,
            chip,
            seq_len=seq_len,
            precision=precision,
            chips=chips,
            stack=stack,
            zero_stage=zero,
            fixed=fixed,
            catalog=catalog(),
        )
        _print_training(trained, as_json)
        return
    if serve is not None:
        if mtp is not None:
            raise NotSupportedYetError("speculative decoding (MTP) in the serving simulation")
        served = estimate_serving(
            model,
            chip,
            _request_set(serve, requests, input_tokens, output_tokens),
            request_rate=request_rate,
            precision=precision,
            tp=tp,
            pp=pp,
            ep=ep,
            stack=stack,
            system=system,
            catalog=catalog(),
        )
        _print_serving(served, as_json)
        return
    if search:
        found = search_inference(
            model,
            chip,
            precision=precision,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            ttft_ms=ttft_ms,
            tpot_ms=tpot_ms,
            stack=stack,
            catalog=catalog(),
        )
        _print_search(found, as_json)
        return
    result = estimate(
        model,
        chip,
        precision=precision,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        batch_per_chip=batch,
        tpot_ms=tpot_ms,
        tp=tp,
        pp=pp,
        ep=ep,
        stack=stack,
        system=system,
        mtp_acceptance=mtp,
        catalog=catalog(),
    )
    if as_json:
        _print_json(result.to_dict())
    else:
        _print_estimate(result)


def _print_serving(served: ServingEstimate, as_json: bool) -> None:
    if as_json:
        _print_json(served.to_dict())
        return
    r = served.result
    arrivals = "sent at once" if r.request_rate is None else f"arriving at {r.request_rate:,.2f} requests/s"
    stdout.print(
        f"[bold]{served.model}[/] on [bold]{served.chip}[/] ({served.precision}, stack {served.stack}), "
        f"replica {served.layout} = {served.chips_per_replica} chips: {served.requests}, {arrivals}"
    )
    stdout.print(
        f"served in {r.makespan_s:,.1f} s: {r.output_tokens_per_s:,.0f} output tokens/s "
        f"({r.output_tokens_per_s_per_chip:,.0f} per chip), {r.total_tokens_per_s:,.0f} total tokens/s, "
        f"{r.requests_per_s:,.2f} requests/s; {r.steps:,} engine steps, at most {r.peak_running:,} sequences "
        f"running, {r.preemptions:,} preemptions"
    )
    table = Table(title="latency, ms", title_justify="left")
    for column in ("", "mean", "p50", "p90", "p99"):
        table.add_column(column, justify="left" if not column else "right")
    for name, latency in (("TTFT", r.ttft), ("TPOT", r.tpot)):
        table.add_row(name, *(_num(v) for v in (latency.mean, latency.p50, latency.p90, latency.p99)))
    stdout.print(table)


def _print_training(result: TrainingResult, as_json: bool) -> None:
    data = asdict(result) | {"layout": result.layout.describe()}
    if as_json:
        _print_json(data)
        return
    table = Table(title=f"training, {result.layout.describe()}", show_header=False)
    for key in (
        "tokens_per_s_per_chip",
        "mfu",
        "step_s",
        "compute_s",
        "bubble_s",
        "exposed_comm_s",
        "model_flops_per_token",
        "memory_gb_per_chip",
        "fits",
        "chip_hours_per_trillion_tokens",
    ):
        value = data[key]
        table.add_row(key, f"{value:,.3g}" if isinstance(value, float) else str(value))
    stdout.print(table)


def _print_search(found: SearchResult, as_json: bool) -> None:
    if as_json:
        _print_json(asdict(found))
        return
    table = Table(title=f"{found.evaluated:,} configurations; frontier (throughput per chip against TPOT)")
    for column in ("layout", "chips", "batch/chip", "TPOT ms", "TTFT ms", "tokens/s/chip"):
        table.add_column(column, justify="left" if column == "layout" else "right")
    step = max(1, len(found.frontier) // 15)
    for p in found.frontier[::step]:
        table.add_row(
            p.layout,
            str(p.chips_per_replica),
            str(p.batch_per_chip),
            _num(p.tpot_ms),
            _num(p.ttft_ms, 0),
            _num(p.tokens_per_s_per_chip, 0),
        )
    stdout.print(table)
    if found.best is None:
        stdout.print("no configuration meets the targets")
    else:
        b = found.best
        stdout.print(
            f"best: {b.layout} ({b.chips_per_replica} chips), batch {b.batch_per_chip} per chip, "
            f"TPOT {b.tpot_ms:.1f} ms, TTFT {b.ttft_ms:.0f} ms, {b.tokens_per_s_per_chip:,.0f} tokens/s/chip"
        )


def size_command(
    model: str = typer.Argument(..., help="Model id or a path to a config.json."),
    chips: list[str] = typer.Option(..., "--chip", help="Candidate chip (repeatable)."),
    requests_per_s: float | None = typer.Option(None, help="Serving demand in requests per second."),
    output_tokens_per_s: float | None = typer.Option(None, help="Serving demand in output tokens per second."),
    input_tokens: int = typer.Option(1024, min=1, help="Mean prompt tokens."),
    output_tokens: int = typer.Option(256, min=1, help="Mean output tokens."),
    ttft_ms: float | None = typer.Option(None, help="TTFT target, ms."),
    tpot_ms: float | None = typer.Option(None, help="TPOT target, ms."),
    lengths: str | None = typer.Option(
        None,
        help="Size by simulating a length distribution: sharegpt, fixed (the --input/--output tokens) or a CSV/JSON "
        "Lines file with input_tokens, output_tokens; the targets then apply to --percentile.",
    ),
    requests: int = REQUESTS_OPTION,
    percentile: int = typer.Option(90, help="Percentile of TTFT and TPOT the targets apply to (0 = mean, 50, 90, 99)."),
    train_tokens: float | None = typer.Option(None, help="Train this many tokens instead (with --days)."),
    days: float | None = typer.Option(None, help="Days to train --train-tokens in."),
    seq_len: int = typer.Option(4096, min=1, help="Training sequence length."),
    precision: str = PRECISION_OPTION,
    stack: str | None = STACK_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Chips and servers of each candidate for a serving demand, or to train N tokens in D days."""
    if train_tokens is not None or days is not None:
        _size_training(model, chips, train_tokens, days, seq_len, precision, stack, as_json)
        return
    if requests_per_s is None and output_tokens_per_s is None:
        raise ChipshiftError("give a demand: --requests-per-s or --output-tokens-per-s (or --train-tokens and --days)")
    distribution = None if lengths is None else _request_set(lengths, requests, input_tokens, output_tokens)
    demand = ServingDemand(
        requests_per_s, output_tokens_per_s, input_tokens, output_tokens, ttft_ms, tpot_ms, distribution, percentile
    )
    rows = size_deployment(model, chips, demand, precision=precision, stack=stack, catalog=catalog())
    if as_json:
        _print_json([_sizing_json(r) for r in rows])
        return
    _print_sizing(model, demand, rows)


def _sizing_json(row: SizingRow) -> dict[str, Any]:
    data = {k: v for k, v in asdict(row).items() if k not in {"capacity", "serving"}}
    if row.serving is not None:
        data["serving"] = asdict(row.serving)
    return data


def _print_sizing(model: str, demand: ServingDemand, rows: list[SizingRow]) -> None:
    title = f"{model}: {demand.output_rate():,.0f} output tokens/s"
    columns = ["chip", "chips", "servers", "replica", "tokens/s/chip", "power kW", "cost USD"]
    label = "mean" if demand.percentile == 0 else f"p{demand.percentile:g}"
    if demand.lengths is not None:
        title += f" ({demand.request_rate():,.2f} requests/s of {demand.lengths.describe()}, simulated)"
        columns += ["req/s/replica", f"TTFT {label} ms", f"TPOT {label} ms"]
    table = Table(title=title)
    for column in [*columns, "note"]:
        table.add_column(column, justify="left" if column in {"chip", "note"} else "right")
    for r in rows:
        cells = [
            r.chip,
            _num(r.chips, 0) if r.chips else "—",
            _num(r.servers, 0) if r.servers else "—",
            str(r.chips_per_replica),
            _num(r.tokens_per_s_per_chip, 0),
            _num(r.power_kw),
            _num(r.cost_usd, 0),
        ]
        if demand.lengths is not None:
            served = r.serving
            cells += (
                ["—", "—", "—"]
                if served is None
                else [
                    _num(served.requests_per_s, 2),
                    _num(served.result.ttft.at(demand.percentile), 0),
                    _num(served.result.tpot.at(demand.percentile)),
                ]
            )
        table.add_row(*cells, r.reason or "")
    stdout.print(table)


def _size_training(
    model: str,
    chips: list[str],
    tokens: float | None,
    days: float | None,
    seq_len: int,
    precision: str,
    stack: str | None,
    as_json: bool,
) -> None:
    if tokens is None or days is None:
        raise ChipshiftError("training sizing needs both --train-tokens and --days")
    results = [
        size_training(
            model, chip, tokens=tokens, days=days, seq_len=seq_len, precision=precision, stack=stack, catalog=catalog()
        )
        for chip in chips
    ]
    if as_json:
        _print_json(
            [
                {
                    "chip": r.chip,
                    "chips": r.chips,
                    "days": r.days,
                    "layout": r.result.layout.describe(),
                    "mfu": r.result.mfu,
                    "tokens_per_s_per_chip": r.result.tokens_per_s_per_chip,
                }
                for r in results
            ]
        )
        return
    table = Table(title=f"{model}: train {tokens:.3g} tokens in {days:g} days")
    for column in ("chip", "chips", "days", "layout", "MFU", "tokens/s/chip"):
        table.add_column(column)
    for r in results:
        table.add_row(
            r.chip,
            str(r.chips),
            f"{r.days:.1f}",
            r.result.layout.describe(),
            f"{r.result.mfu:.0%}",
            _num(r.result.tokens_per_s_per_chip, 0),
        )
    stdout.print(table)


def _print_report(report: ValidationReport) -> None:
    table = Table(title="validation against published measurements")
    for column in ("id", "metric", "measured", "predicted", "error", "reason"):
        table.add_column(column, justify="right" if column in {"measured", "predicted", "error"} else "left")
    for c in report.cases:
        table.add_row(
            c.id,
            c.metric,
            f"{c.measured:,.4g}",
            "—" if c.predicted is None else f"{c.predicted:,.4g}",
            "—" if c.error is None else f"{c.error:+.1%}",
            c.reason or "",
        )
    stdout.print(table)
    s = report.summary()
    if s["median_abs_error"] is None:
        stdout.print(f"{s['predicted']} of {s['n']} cases predicted")
    else:
        stdout.print(
            f"{s['predicted']} of {s['n']} cases predicted; median |error| {s['median_abs_error']:.1%}, "
            f"MAPE {s['mape']:.1%}"
        )


def validate_command(
    file: Path | None = typer.Argument(None, help="Validation cases (SCHEMA.md format); default: the shipped set."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Predict published measurements and report the error of each."""
    report = validate_file(file, catalog=catalog())
    if as_json:
        _print_json(report.to_dict())
    else:
        _print_report(report)
    if report.summary()["predicted"] == 0:
        stderr.print("no case could be predicted")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this engine's commands to the top-level app."""
    app.command("estimate")(estimate_command)
    app.command("size")(size_command)
    app.command("validate")(validate_command)
    app.add_typer(models_app, name="models")
