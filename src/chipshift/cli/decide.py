"""CLI of the pipeline (:mod:`chipshift.assess`): ``chipshift compare``, ``chipshift plan`` and ``chipshift assess``.

Each command takes a scenario file (see docs/scenario.md) or ``--example`` for the shipped one. Results go to
stdout or ``--output`` (tables or JSON), progress, warnings and the headline to stderr (``-q``: errors only);
``assess`` writes its report to a file (``-o -``: stdout).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from chipshift.cli.choices import ExecutorKind, Language, ReportFormat, engine_enum
from chipshift.cli.common import catalog, stderr
from chipshift.cli.output import (
    CATALOG_OPTION,
    FORMAT_OPTION,
    JSON_OPTION,
    OUTPUT_OPTION,
    QUIET_OPTION,
    Output,
    TableFormat,
    chosen_format,
    note,
    output_of,
    use_options,
)
from chipshift.cli.progress import StepProgress
from chipshift.cli.tables import figure_text, id_column, number_column, text_column
from chipshift.errors import ChipshiftError
from chipshift.files import check_output_path

if TYPE_CHECKING:  # the engines (pymcdm, HiGHS) and the report are imported when a command runs: fast start-up
    from chipshift.assess import Assessment, Scenario
    from chipshift.report import ReportData
    from chipshift.report.model import Recommendation


SCENARIO_ARG = typer.Argument(None, help="Scenario YAML file (see docs/scenario.md).", show_default=False)
EXAMPLE_OPTION = typer.Option(False, "--example", help="Use the shipped example scenario instead of a file.")
EXECUTOR_OPTION = typer.Option(ExecutorKind.LOCAL, "--executor", help="Where the Monte Carlo runs run.")
WORKERS_OPTION = typer.Option(None, "--workers", min=1, help="Worker processes for the Monte Carlo (default: CPUs).")
FORCE_OPTION = typer.Option(
    [], "--force", help="A candidate the plan must buy at least one unit of (repeatable): shows what that choice costs."
)
EXCLUDE_OPTION = typer.Option([], "--exclude", help="A candidate the plan may not buy (repeatable).")


def _scenario(path: Path | None, example: bool) -> Scenario:
    from chipshift.assess import example_scenario_path, load_scenario

    if example and path is not None:
        raise ChipshiftError("give either a scenario file or --example, not both")
    if example:
        return load_scenario(example_scenario_path())
    if path is None:
        raise ChipshiftError("give a scenario file (see docs/scenario.md), or --example for the shipped one")
    return load_scenario(path)


def _progress() -> Any:
    started = time.perf_counter()

    def say(message: str) -> None:
        note(f"{time.perf_counter() - started:6.1f} s  {message}")

    return say


def _run(
    path: Path | None,
    example: bool,
    *,
    plan: bool,
    monte_carlo: bool,
    executor: str,
    workers: int | None,
    force: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
) -> Assessment:
    from chipshift.assess import assess

    scenario = _scenario(path, example)
    sweep = StepProgress("monte carlo", "runs")
    try:
        return assess(
            scenario,
            catalog(),
            progress=_progress(),
            executor=executor,
            workers=workers,
            plan=plan,
            monte_carlo=monte_carlo,
            sweep_progress=sweep.update,
            force=force,
            exclude=exclude,
        )
    finally:
        sweep.finish(completed=False)


Item = Table | Text
"""One piece of a command's printed result: a table or a line."""


def _line(text: str) -> Text:
    return Text(text)


CRITERION_LABELS = {
    "workloads_covered": "workloads covered %",
    "demand_per_kw": "demand per kW",
    "porting_person_days": "porting person-days",
    "tco_per_mtok": "TCO per M tokens",
    "export_risk": "export risk 0-1",
    "china_risk": "China risk 0-1",
    "security_risk": "security risk 0-1",
    "supply_risk": "supply risk 0-1",
}
"""Table headers of the decision criteria, with their units (JSON keeps the ids)."""


def _criterion_header(criterion_id: str, unit: str) -> str:
    """The criterion in words with its unit (``porting person-days``); an unknown one as its id and unit."""
    return CRITERION_LABELS.get(criterion_id, f"{criterion_id.replace('_', ' ')} ({unit})")


def _comparison_items(result: Assessment) -> list[Item]:
    from chipshift.assess import comparison_section

    data = comparison_section(result.comparison)
    rows = {row.id: row for row in data.candidates}
    table = Table(title=f"Candidates, best first (weights: {data.weights_method})")
    number_column(table, "rank")
    id_column(table, "candidate")
    number_column(table, "TOPSIS")
    number_column(table, "weighted sum")
    for criterion in data.criteria:
        number_column(table, _criterion_header(criterion.id, criterion.unit))
    for rank, cid in enumerate(data.topsis_order, start=1):
        row = rows[cid]
        cells = [_criterion_cell(row.criteria.get(c.id), c.unit) for c in data.criteria]
        table.add_row(str(rank), cid, f"{row.topsis:.3f}", f"{row.weighted_sum:.3f}", *cells)
    currency = result.scenario.cost.currency
    items: list[Item] = [
        table,
        _line(
            f"demand per kW: first-year demand served per kW at the wall; TCO per M tokens: {currency} "
            "per million tokens; risks from 0 (none) to 1"
        ),
    ]
    weights = ", ".join(f"{k} {v:.2f}" for k, v in data.weights.items())
    items.append(_line(f"weights: {weights}; weighted-sum order: {', '.join(data.weighted_sum_order)}"))
    items += [_line(f"excluded {excluded.id}: {excluded.reason}") for excluded in data.excluded]
    sensitivity = Table(title="Sensitivity: weight range within which the top candidate holds")
    id_column(sensitivity, "dimension")
    for header in ("weight", "low", "high"):
        number_column(sensitivity, header)
    id_column(sensitivity, "top below")
    id_column(sensitivity, "top above")
    for r in data.sensitivity:
        sensitivity.add_row(
            r.dimension, f"{r.weight:.2f}", f"{r.low:.2f}", f"{r.high:.2f}", r.below or "—", r.above or "—"
        )
    return [*items, sensitivity]


def _criterion_cell(value: float | None, unit: str) -> str:
    if value is not None and unit == "share of workloads":
        return f"{value:.0%}"
    if value is not None and unit == "0-1":
        return f"{value:.2f}"
    return figure_text(value)


def _plan_items(data: ReportData) -> list[Item]:
    """The recommendation and the plan by year, from the same data the report shows."""
    from chipshift.report import Language as Lang
    from chipshift.report import messages
    from chipshift.report.numbers import money
    from chipshift.report.words import units_phrase

    r, plan = data.recommendation, data.plan
    if r is None or plan is None:
        return []
    m = messages(Lang.EN)
    cur = data.currency
    colour = "green" if r.feasible else "red"
    items: list[Item] = [
        Text.assemble((f"plan: {r.status}", colour), f": {m['verdict_' + r.status.replace('-', '_')]}"),
        _line(f"net present value {money(r.cost.npv, cur)}; capex {money(plan.capex_total, cur)}"),
    ]
    table = Table(title=f"What to buy, retire and move (money in {cur})")
    id_column(table, "year")
    text_column(table, "site")
    text_column(table, "what")
    number_column(table, "units")
    number_column(table, "chips")
    number_column(table, f"money, {cur}")
    for line, verb in [*((p, "buy") for p in r.purchases), *((p, "lease") for p in r.leases),
                       *((x, "retire") for x in r.retirements), *((x, "move") for x in r.moves)]:  # fmt: skip
        where = f"{line.site} → {line.destination}" if line.destination else line.site
        table.add_row(
            str(line.year), escape(where), escape(f"{verb} {line.name}"),
            escape(units_phrase(line.units, line.unit_kind, m)), f"{line.chips:,}", money(line.money, cur),
        )  # fmt: skip
    items.append(table)
    items += [
        _line(f"port the code to {port.target}: {money(port.cost, cur)}, ready for {port.ready_year}")
        for port in r.ports
    ]
    return items + _outlook_items(r, data)


def _outlook_items(r: Recommendation, data: ReportData) -> list[Item]:
    from chipshift.report import Language as Lang
    from chipshift.report import messages
    from chipshift.report.numbers import money
    from chipshift.report.words import reason_phrase, risk_phrase, target_phrase

    cur = data.currency
    m = messages(Lang.EN)
    items: list[Item] = []
    table = Table(title="Targets: planned share and probability of meeting it")
    text_column(table, "target")
    id_column(table, "year")
    for header in ("required", "planned", "met", "probability"):
        number_column(table, header)
    for t in r.targets:
        probability = "—" if t.probability is None else f"{t.probability:.0%}"
        met = "yes" if t.met else "NO"
        table.add_row(
            escape(target_phrase(t, m)), str(t.year), f"{t.required:.0%}", f"{t.planned:.1%}", met, probability
        )
    if r.targets:
        items.append(table)
    for v in r.shortfalls:
        amount = f"{v.amount:.1%} share" if v.unit == "share" else f"{figure_text(v.amount)} {v.unit}"
        items.append(_line(f"cannot meet {v.kind} {v.subject} in {v.year}: short by {amount}"))
    if data.monte_carlo:
        mc = data.monte_carlo
        items.append(
            _line(
                f"uncertainty: {mc.runs} futures (seed {mc.seed}, {mc.executor}); all requirements met in "
                f"{mc.all_met_share:.0%}; cost (NPV) p5/p50/p95 {money(mc.npv_p5, cur)} / "
                f"{money(mc.npv_p50, cur)} / {money(mc.npv_p95, cur)}"
            )
        )
        for risk in r.risks:
            miss = " (can miss a target or demand)" if risk.misses else ""
            items.append(
                _line(
                    f"  risk: {risk_phrase(risk, m)} {risk.low_label} → {risk.high_label}: "
                    f"{money(risk.npv_low, cur)} → {money(risk.npv_high, cur)}{miss}"
                )
            )
    for w in r.why:
        forced = "" if w.forced_npv_delta is None else f"; choosing it would cost {money(w.forced_npv_delta, cur)} more"
        items.append(_line(f"why {w.candidate}: {reason_phrase(w, m, data.rules, cur)}{forced}"))
    return items


def _exit_for(data: ReportData) -> None:
    """Exit 1 when the plan cannot meet demand or a target (the report or JSON is written first)."""
    if data.plan is not None and not data.plan.feasible:
        stderr.print(f"plan: {data.plan.status}: see the shortfalls (exit 1)", highlight=False, markup=False)
        raise typer.Exit(1)


def compare_command(
    scenario: Path | None = SCENARIO_ARG,
    example: bool = EXAMPLE_OPTION,
    fmt: TableFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """Rank the scenario's candidates: hard gates, then TOPSIS and weighted sum, with weight sensitivity."""
    out = output_of(fmt, as_json, output, quiet, catalog_dirs)
    result = _run(scenario, example, plan=False, monte_carlo=False, executor="local", workers=None)
    if out.json:
        from chipshift.assess import comparison_section

        out.data(comparison_section(result.comparison).model_dump(mode="json"))
        return
    out.show(*_comparison_items(result))


def plan_command(
    scenario: Path | None = SCENARIO_ARG,
    example: bool = EXAMPLE_OPTION,
    monte_carlo: bool = typer.Option(True, "--monte-carlo/--no-monte-carlo", help="Run the scenario's sweep."),
    executor: ExecutorKind = EXECUTOR_OPTION,
    workers: int | None = WORKERS_OPTION,
    force: list[str] = FORCE_OPTION,
    exclude: list[str] = EXCLUDE_OPTION,
    fmt: TableFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """Solve the multi-year plan (MILP, HiGHS): what to buy, retire and move per site and year, in whole servers, and
    how it holds under uncertainty. Exit 1 when it cannot meet demand or a target."""
    out = output_of(fmt, as_json, output, quiet, catalog_dirs)
    result = _run(
        scenario, example, plan=True, monte_carlo=monte_carlo, executor=executor.value, workers=workers,
        force=tuple(force), exclude=tuple(exclude),
    )  # fmt: skip
    from chipshift.assess import report_data

    data = report_data(result)
    if out.json:
        out.data(
            {
                "recommendation": data.recommendation.model_dump(mode="json") if data.recommendation else None,
                "plan": data.plan.model_dump(mode="json") if data.plan else None,
                "monte_carlo": data.monte_carlo.model_dump(mode="json") if data.monte_carlo else None,
            }
        )
    else:
        out.show(*_plan_items(data))
    _exit_for(data)


def assess_command(
    scenario: Path | None = SCENARIO_ARG,
    example: bool = EXAMPLE_OPTION,
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="FILE",
        help="Report file (default: chipshift-report.<suffix>; '-' for stdout).",
    ),
    out_alias: Path | None = typer.Option(None, "--out", hidden=True, help="Old spelling of --output."),
    fmt: ReportFormat = typer.Option(ReportFormat.HTML, "--format", "-f", help="Report format."),
    as_json: bool = JSON_OPTION,
    lang: Language = typer.Option(Language.EN, "--lang", help="Report language (en or zh)."),
    monte_carlo: bool = typer.Option(True, "--monte-carlo/--no-monte-carlo", help="Run the scenario's sweep."),
    executor: ExecutorKind = EXECUTOR_OPTION,
    workers: int | None = WORKERS_OPTION,
    force: list[str] = FORCE_OPTION,
    exclude: list[str] = EXCLUDE_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """Run the whole pipeline (fleet, scan, perf, compare, plan, uncertainty) and write the report. Exit 1 when the
    plan cannot meet demand or a target (the report says by how much)."""
    from chipshift.assess import report_data
    from chipshift.report import Language as Lang
    from chipshift.report import ReportFormat as Format
    from chipshift.report import render

    use_options(quiet=quiet, catalog=catalog_dirs)
    if output is not None and out_alias is not None:
        raise ChipshiftError("give --output (or its old spelling --out) once")
    chosen = chosen_format(fmt, as_json, ReportFormat.HTML)
    report_format, language = engine_enum(Format, ReportFormat(chosen)), engine_enum(Lang, lang)
    target = output or out_alias or Path(f"chipshift-report{report_format.suffix}")
    to_stdout = str(target) == "-"
    out = Output(chosen, None if to_stdout else target)
    if not to_stdout:
        check_output_path(target, what="report")
    result = _run(
        scenario, example, plan=True, monte_carlo=monte_carlo, executor=executor.value, workers=workers,
        force=tuple(force), exclude=tuple(exclude),
    )  # fmt: skip
    data = report_data(result)
    text = render(data, report_format, language)
    out.text(text)  # says where it wrote
    note(_headline(data))
    _exit_for(data)


def _headline(data: ReportData) -> str:
    """One line of what to do, for the terminal (the report has the rest)."""
    from chipshift.report import Language as Lang
    from chipshift.report import messages
    from chipshift.report.numbers import money
    from chipshift.report.words import units_phrase

    r = data.recommendation
    top = data.comparison.top or "none (every candidate was excluded)"
    if r is None:
        return f"top-ranked candidate: {top}; no plan solved"
    bought: dict[tuple[str, str], int] = {}
    for p in r.purchases + r.leases:
        bought[p.name, p.unit_kind] = bought.get((p.name, p.unit_kind), 0) + p.units
    m = messages(Lang.EN)
    what = ", ".join(f"{units_phrase(n, kind, m)} of {name}" for (name, kind), n in bought.items()) or "nothing"
    odds = (
        "" if data.monte_carlo is None else f"; all requirements met in {data.monte_carlo.all_met_share:.0%} of futures"
    )
    return f"plan: {r.status}: buy {what}; NPV {money(r.cost.npv, data.currency)}{odds}; top-ranked: {top}"


def register(app: typer.Typer) -> None:
    """Add this engine's commands to the top-level app."""
    app.command("compare")(compare_command)
    app.command("plan")(plan_command)
    app.command("assess")(assess_command)
