"""How perf's results look: rich tables for a terminal and plain data for JSON.

Every function takes results (frozen dataclasses) and returns renderables or plain values; the CLI decides where
they go. Numbers carry thousands separators and never scientific notation, units sit in the headers, ``None`` is an
em dash, enums are their values, and no column is ever cut with an ellipsis (long cells fold onto a new line).
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from rich.console import RenderableType
from rich.table import Table

from chipshift.perf.crossval import CrossValidation
from chipshift.perf.estimate import Estimate, PhaseEstimate, ServingEstimate
from chipshift.perf.layout import chips_text
from chipshift.perf.models import ModelArch
from chipshift.perf.search import SearchResult, ServingPoint, ServingWorkload
from chipshift.perf.sizing import ServingDemand, SizingRow
from chipshift.perf.spec import ReplicaSpec
from chipshift.perf.training import TrainingResult
from chipshift.perf.training_search import TrainingSizing
from chipshift.perf.validate import ValidationReport

DASH = "—"
FRONTIER_ROWS = 15
"""Frontier points shown in a search table (evenly spaced; JSON holds them all)."""

METRIC_LABELS = {
    "prefill_tokens_per_s_per_chip": "prefill tokens/s per chip",
    "decode_tokens_per_s_per_chip": "decode tokens/s per chip",
    "serving_total_tokens_per_s": "serving total tokens/s",
    "serving_output_tokens_per_s": "serving output tokens/s",
    "offline_output_tokens_per_s": "offline output tokens/s",
    "training_mfu": "training MFU",
    "gpu_hours_per_trillion_tokens": "GPU-hours per trillion tokens",
}


def number(value: float | int | None, digits: int = 0) -> str:
    """``1,234`` or ``1,234.5``; a dash for None or a value that is not finite."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return DASH
    return f"{value:,.{digits}f}"


def figure(value: float | None) -> str:
    """A measured or predicted figure: whole above 100, two decimals above 1, three below (``0.470``)."""
    if value is None or not math.isfinite(value):
        return DASH
    size = abs(value)
    return number(value, 0 if size >= 100 else 2 if size >= 1 else 3)


def percent(value: float | None, *, signed: bool = False) -> str:
    """``47.3%`` (``+3.8%`` when signed)."""
    if value is None or not math.isfinite(value):
        return DASH
    return f"{value:+.1%}" if signed else f"{value:.1%}"


def text(value: Any) -> str:
    """Any field as a person reads it: enums by value, booleans as yes/no, None as a dash, numbers grouped."""
    if value is None:
        return DASH
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return number(value)
    if isinstance(value, float):
        return figure(value)
    return str(value)


ID_COLUMNS = frozenset({"chip", "system", "id", "model", "operator"})
"""Columns of ids a user types."""


def _table(title: str | None, columns: Sequence[str], *, left: Sequence[str] = (), header: bool = True) -> Table:
    """A table whose cells are never cut: ``left`` columns are text, the others numbers. Ids and numbers do not
    wrap while free text (layouts, notes, reasons) can still give way; past that, cells fold onto a new line."""
    table = Table(title=title, title_justify="left", show_header=header)
    for column in columns:
        keep = column in ID_COLUMNS or column not in left
        table.add_column(column, justify="left" if column in left else "right", overflow="fold", no_wrap=keep)
    return table


def _properties(cls: type) -> list[str]:
    """Public properties of a class and its bases (derived figures such as ``chips`` or ``requests_per_s``)."""
    names = {n for klass in cls.__mro__ for n, v in vars(klass).items() if isinstance(v, property)}
    return sorted(n for n in names if not n.startswith("_"))


def to_plain(value: Any) -> Any:
    """JSON-ready data: dataclasses as objects with their derived properties (and ``describe()`` text as
    ``name``), enums as values, numpy as Python numbers and lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        data |= {name: to_plain(getattr(value, name)) for name in _properties(type(value)) if name not in data}
        describe = getattr(value, "describe", None)
        if callable(describe):
            data = {"name": describe(), **data}
        return data
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


# ---------------------------------------------------------------- estimate


def _phase_table(phase: PhaseEstimate) -> Table:
    latency = "TTFT at this batch" if phase.phase == "prefill" else "TPOT"
    title = (
        f"{phase.phase}: {number(phase.tokens_per_s_per_chip)} tokens/s per chip, {latency} "
        f"{number(phase.latency_ms, 1)} ms ({phase.batch}; step {number(phase.step_ms, 2)} ms, host "
        f"{number(phase.host_ms, 2)} ms, communication overlap {phase.overlap:.0%})"
    )
    columns = ("operator", "compute ms", "memory ms", "comm ms", "time ms", "bound by", "efficiency", "precision")
    table = _table(title, columns, left=("operator", "bound by", "precision"))
    for row in phase.rows:
        table.add_row(
            row.name,
            number(row.compute_ms, 2),
            number(row.memory_ms, 2),
            number(row.comm_ms, 2),
            number(row.time_ms, 2),
            row.bottleneck,
            number(row.efficiency, 2),
            row.precision or DASH,
        )
    return table


def _where(model: str, chip: str, system: str | None, precision: str, kv_cache: str, stack: str) -> str:
    inside = f" in [bold]{system}[/]" if system else ""
    return f"[bold]{model}[/] on [bold]{chip}[/]{inside} ({precision}, KV cache {kv_cache}, stack {stack})"


def estimate_view(result: Estimate) -> list[RenderableType]:
    """The replica, its serving figures, memory, and the prefill and decode breakdowns."""
    r, mem, point = result, result.memory, result.serving
    chosen = (
        f"chosen by the layout search: best output tokens/s per chip at the targets, of {r.configurations:,} "
        "configurations"
        if r.layout_searched
        else "as given"
    )
    per_usd = None if r.tokens_per_s_per_usd is None else r.tokens_per_s_per_usd * 1000
    return [
        _where(r.model, r.chip, r.system, r.precision, r.kv_cache, r.stack),
        f"replica: {r.layout} = {chips_text(r.chips_per_replica)} ({chosen})",
        f"serving: {number(point.tokens_per_s_per_chip)} output tokens/s per chip with prefill included; TPOT "
        f"{number(point.tpot_ms, 1)} ms at {point.batch_per_chip:,} sequences per chip; TTFT "
        f"{number(point.ttft_ms)} ms for one prompt alone",
        f"memory per chip: weights {number(mem.weights_gb, 1)} GB, workspace "
        f"{number(mem.activations_gb + mem.reserved_gb, 1)} GB, KV cache {number(mem.kv_cache_gb, 1)} GB "
        f"({number(mem.kv_tokens_per_group)} tokens per attention group)",
        _phase_table(r.prefill),
        _phase_table(r.decode),
        f"output tokens/s per W: {number(r.tokens_per_s_per_watt, 2)}; per 1,000 USD of chips: "
        f"{number(per_usd, 2)}; KV transfer to a disaggregated decode instance: {number(r.kv_transfer_ms, 1)} ms "
        "per request",
        f"efficiencies: chip — {r.sources['chip']}; stack — {r.sources['stack']}",
    ]


def _targets(work: ServingWorkload) -> str:
    parts = [f"{work.input_tokens:,} in / {work.output_tokens:,} out"]
    parts += [f"TTFT ≤ {work.ttft_ms:,g} ms"] if work.ttft_ms is not None else []
    parts += [f"TPOT ≤ {work.tpot_ms:,g} ms"] if work.tpot_ms is not None else []
    return ", ".join(parts)


def _point_line(label: str, p: ServingPoint) -> str:
    prefill = (
        f"; prefill on separate {p.prefill_layout.describe()} instances ({chips_text(p.prefill_layout.chips)}), TTFT "
        "with the KV transfer"
        if p.prefill_layout is not None
        else ""
    )
    return (
        f"{label}: {p.layout.describe()} ({chips_text(p.chips_per_replica)}), batch {p.batch_per_chip:,} per chip, "
        f"TPOT {number(p.tpot_ms, 1)} ms, TTFT {number(p.ttft_ms)} ms, {number(p.tokens_per_s_per_chip)} output "
        f"tokens/s per chip{prefill}"
    )


def search_view(spec: ReplicaSpec, work: ServingWorkload, found: SearchResult) -> list[RenderableType]:
    """The frontier (evenly spaced points), then the best point at the targets or why there is none."""
    title = (
        f"{found.layouts:,} layouts, {found.evaluated:,} configurations; frontier of output tokens/s per chip "
        "against TPOT"
    )
    columns = ("layout", "chips", "batch per chip", "TPOT ms", "TTFT ms", "tokens/s per chip")
    table = _table(title, columns, left=("layout",))
    step = max(1, math.ceil(len(found.frontier) / FRONTIER_ROWS))
    for p in found.frontier[::step]:
        table.add_row(
            p.layout.describe(),
            number(p.chips_per_replica),
            number(p.batch_per_chip),
            number(p.tpot_ms, 1),
            number(p.ttft_ms),
            number(p.tokens_per_s_per_chip),
        )
    head = f"{spec.describe()}: {_targets(work)}"
    if found.best is None:
        return [head, table, f"no configuration meets the targets: {found.reason}"]
    return [head, table, _point_line("best at the targets", found.best)]


def serving_view(served: ServingEstimate) -> list[RenderableType]:
    """The simulated replica: throughput, steps, and TTFT and TPOT percentiles."""
    r = served.result
    arrivals = "sent at once" if r.request_rate is None else f"arriving at {number(r.request_rate, 2)} requests/s"
    chosen = "the smallest replica that holds the longest request" if served.layout_searched else "as given"
    table = _table("latency, ms", ("", "mean", "p50", "p90", "p99"), left=("",))
    for name, latency in (("TTFT", r.ttft), ("TPOT", r.tpot)):
        table.add_row(name, *(number(v, 1) for v in (latency.mean, latency.p50, latency.p90, latency.p99)))
    return [
        _where(served.model, served.chip, served.system, served.precision, served.kv_cache, served.stack),
        f"replica {served.layout} = {chips_text(served.chips_per_replica)} ({chosen}): {served.requests}, {arrivals}",
        f"served in {number(r.makespan_s, 1)} s: {number(r.output_tokens_per_s)} output tokens/s "
        f"({number(r.output_tokens_per_s_per_chip)} per chip), {number(r.total_tokens_per_s)} total tokens/s, "
        f"{number(r.requests_per_s, 2)} requests/s; {r.steps:,} engine steps, at most {r.peak_running:,} "
        f"sequences running, {r.preemptions:,} preemptions",
        table,
    ]


# ---------------------------------------------------------------- training


def training_view(spec: ReplicaSpec, chips: int, result: TrainingResult) -> list[RenderableType]:
    """One training layout with its figures and units."""
    table = _table(f"training on {chips:,} chips, {result.layout.describe()}", ("", "value"), left=("",), header=False)
    for label, value in (
        ("tokens/s per chip", number(result.tokens_per_s_per_chip)),
        ("MFU", percent(result.mfu)),
        ("step, s", number(result.step_s, 2)),
        ("compute, s", number(result.compute_s, 2)),
        ("pipeline bubble, s", number(result.bubble_s, 2)),
        ("exposed communication, s", number(result.exposed_comm_s, 2)),
        ("model FLOPs per token", number(result.model_flops_per_token)),
        ("memory per chip, GB", number(result.memory_gb_per_chip, 1)),
        ("fits", text(result.fits)),
        ("chip-hours per trillion tokens", number(result.chip_hours_per_trillion_tokens)),
    ):
        table.add_row(label, value)
    return [f"[bold]{spec.model.id}[/] on [bold]{spec.hardware.name}[/] ({spec.precision.value})", table]


def training_sizing_view(model: str, tokens: float, days: float, rows: Sequence[TrainingSizing]) -> Table:
    """Chips of each candidate to train ``tokens`` within ``days``."""
    title = f"{model}: train {number(tokens)} tokens in {days:g} days"
    table = _table(
        title,
        ("chip", "system", "chips", "days", "layout", "MFU", "tokens/s per chip"),
        left=("chip", "system", "layout"),
    )
    for r in rows:
        table.add_row(
            r.chip,
            text(r.system),
            number(r.chips),
            number(r.days, 1),
            r.result.layout.describe(),
            percent(r.result.mfu),
            number(r.result.tokens_per_s_per_chip),
        )
    return table


# ---------------------------------------------------------------- sizing


def sizing_view(model: str, demand: ServingDemand, rows: Sequence[SizingRow]) -> Table:
    """Chips, servers (systems, for a system candidate), layout, power and cost of each candidate for a demand."""
    title = f"{model}: {number(demand.output_rate())} output tokens/s"
    columns = ["chip", "system", "chips", "servers", "layout", "tokens/s per chip", "power kW", "cost USD"]
    label = "mean" if demand.percentile == 0 else f"p{demand.percentile:g}"
    if demand.lengths is not None:
        title += f" ({number(demand.request_rate(), 2)} requests/s of {demand.lengths.describe()}, simulated)"
        columns += ["requests/s per replica", f"TTFT {label} ms", f"TPOT {label} ms"]
    table = _table(title, [*columns, "note"], left=("chip", "system", "layout", "note"))
    for r in rows:
        replica = DASH if r.layout is None else f"{r.layout} ({chips_text(r.chips_per_replica)})"
        cells = [r.chip, text(r.system), number(r.chips), number(r.servers), replica]
        cells += [number(r.tokens_per_s_per_chip) if r.fits else DASH, number(r.power_kw, 1), number(r.cost_usd)]
        if demand.lengths is not None:
            served = r.serving
            cells += (
                [DASH, DASH, DASH]
                if served is None
                else [
                    number(served.requests_per_s, 2),
                    number(served.result.ttft.at(demand.percentile)),
                    number(served.result.tpot.at(demand.percentile), 1),
                ]
            )
        table.add_row(*cells, r.reason or "")
    return table


# ---------------------------------------------------------------- validation and models


def validation_view(report: ValidationReport, held: CrossValidation | None = None) -> list[RenderableType]:
    """Each case with its chips and model, the in-sample summary and, with ``held``, the error of each case predicted
    by factors fitted without its source."""
    columns = ["id", "chips", "model", "metric", "measured", "predicted", "error"]
    columns += ["held-out", "held-out error"] if held is not None else []
    table = _table(
        "validation against published measurements",
        [*columns, "reason"],
        left=("id", "chips", "model", "metric", "reason"),
    )
    outside = {c.id: c for c in held.cases} if held is not None else {}
    for c in report.cases:
        cells = [c.id, c.chip, c.model, METRIC_LABELS.get(c.metric, c.metric), figure(c.measured)]
        cells += [figure(c.predicted), percent(c.error, signed=True)]
        if held is not None:
            out = outside.get(c.id)
            cells += [figure(out.predicted if out else None), percent(out.error if out else None, signed=True)]
        table.add_row(*cells, c.reason or "")
    return [table, *validation_summary(report, held)]


def validation_summary(report: ValidationReport, held: CrossValidation | None = None) -> list[str]:
    """One line for the in-sample error, one for the cross-validated error."""
    s = report.summary()
    line = f"{s['predicted']} of {s['n']} cases predicted"
    if s["median_abs_error"] is not None:
        line += (
            f"; in-sample median |error| {percent(s['median_abs_error'])}, MAPE {percent(s['mape'])}, "
            f"{s['within_1_5x']} of {s['predicted']} within 1.5x"
        )
    lines = [line]
    if held is not None:
        h = held.summary()
        lines.append(
            f"leave-one-source-out ({h['sources']} sources, each refitted without): median |error| "
            f"{percent(h['median_abs_error'])}, MAPE {percent(h['mape'])}, {percent(h['within_1_5x'])} of cases "
            "within 1.5x"
        )
    return lines


def models_view(models: Sequence[ModelArch]) -> Table:
    """Shipped architectures with their size and attention kind."""
    columns = ("id", "name", "total params, B", "active params, B", "attention", "MoE")
    table = _table(f"{len(models)} model architectures", columns, left=("id", "name", "attention", "MoE"))
    for m in models:
        table.add_row(
            m.id,
            m.name,
            number(m.total_params / 1e9, 1),
            number(m.active_params_published / 1e9, 1),
            m.attention.value.upper(),
            text(m.is_moe),
        )
    return table


def model_fields(m: ModelArch) -> dict[str, Any]:
    """Every field of one architecture with the derived sizes."""
    return to_plain(m) | {
        "total_params": m.total_params,
        "active_params": m.active_params_published,
        "active_params_without_embeddings": m.active_params,
        "kv_cache_values_per_token_per_layer": m.kv_elems_per_token_layer(),
    }


def model_view(m: ModelArch) -> Table:
    """One architecture as a two-column table (field names as words)."""
    table = _table(m.name, ("field", "value"), left=("field", "value"), header=False)
    for key, value in model_fields(m).items():
        table.add_row(key.replace("_", " "), text(value))
    return table
