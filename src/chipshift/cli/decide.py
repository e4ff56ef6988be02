"""CLI of the pipeline (:mod:`chipshift.assess`): ``chipshift compare``, ``chipshift plan`` and ``chipshift assess``.

Each command takes a scenario file (see docs/scenario.md) or ``--example`` for the shipped one. Results go to
stdout (tables or JSON), progress and warnings to stderr; ``assess`` writes its report to a file.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from chipshift import jsontext
from chipshift.cli.common import catalog, stderr, stdout
from chipshift.errors import ChipshiftError
from chipshift.files import check_output_path, write_output
from chipshift.report import Language, ReportFormat, render
from chipshift.report.numbers import money
from chipshift.report.numbers import number as _num

if TYPE_CHECKING:  # the engines (pymcdm, HiGHS) are imported when a command runs, so every command starts fast
    from chipshift.assess import Assessment, Scenario


class ExecutorKind(enum.StrEnum):
    """Where the Monte Carlo runs run (``--executor``); ``chipshift.plan.ExecutorKind`` has the same members."""

    LOCAL = "local"
    RAY = "ray"


SCENARIO_ARG = typer.Argument(None, help="Scenario YAML file (see docs/scenario.md).", show_default=False)
EXAMPLE_OPTION = typer.Option(False, "--example", help="Use the shipped example scenario instead of a file.")
JSON_OPTION = typer.Option(False, "--json", help="Print JSON instead of tables.")
QUIET_OPTION = typer.Option(False, "--quiet", "-q", help="No progress lines on stderr.")
EXECUTOR_OPTION = typer.Option(ExecutorKind.LOCAL, "--executor", help="Where the Monte Carlo runs run.")
WORKERS_OPTION = typer.Option(None, "--workers", min=1, help="Worker processes for the Monte Carlo (default: CPUs).")


def _scenario(path: Path | None, example: bool) -> Scenario:
    from chipshift.assess import example_scenario_path, load_scenario

    if example and path is not None:
        raise ChipshiftError("give either a scenario file or --example, not both")
    if example:
        return load_scenario(example_scenario_path())
    if path is None:
        raise ChipshiftError("give a scenario file (see docs/scenario.md), or --example for the shipped one")
    return load_scenario(path)


def _progress(quiet: bool) -> Any:
    started = time.perf_counter()

    def say(message: str) -> None:
        if not quiet:
            stderr.print(f"[dim]{time.perf_counter() - started:6.1f} s[/dim]  {message}", highlight=False)

    return say


def _run(
    path: Path | None, example: bool, quiet: bool, *, plan: bool, monte_carlo: bool, executor: str, workers: int | None
) -> Assessment:
    from chipshift.assess import assess

    scenario = _scenario(path, example)
    return assess(
        scenario,
        catalog(),
        progress=_progress(quiet),
        executor=executor,
        workers=workers,
        plan=plan,
        monte_carlo=monte_carlo,
    )


def _print_comparison(result: Assessment) -> None:
    from chipshift.assess import comparison_section

    data = comparison_section(result.comparison)
    rows = {row.id: row for row in data.candidates}
    shown = ("chips_needed", "throughput_per_kw", "porting_person_days", "tco_life", "export_risk")
    table = Table(title=f"Candidates, best first (weights: {data.weights_method})")
    for header in ("rank", "candidate", "TOPSIS", "weighted sum", *shown):
        table.add_column(header, justify="left" if header == "candidate" else "right")
    for rank, cid in enumerate(data.topsis_order, start=1):
        row = rows[cid]
        criteria = [_num(row.criteria.get(name)) for name in shown]
        table.add_row(str(rank), cid, f"{row.topsis:.3f}", f"{row.weighted_sum:.3f}", *criteria)
    stdout.print(table)
    weights = ", ".join(f"{k} {v:.2f}" for k, v in data.weights.items())
    stdout.print(f"weights: {weights}; weighted-sum order: {', '.join(data.weighted_sum_order)}")
    for excluded in data.excluded:
        stdout.print(f"excluded {excluded.id}: {excluded.reason}", highlight=False)
    sensitivity = Table(title="Sensitivity: weight range within which the top candidate holds")
    for header in ("dimension", "weight", "low", "high", "top below", "top above"):
        sensitivity.add_column(header)
    for r in data.sensitivity:
        sensitivity.add_row(
            r.dimension, f"{r.weight:.2f}", f"{r.low:.2f}", f"{r.high:.2f}", r.below or "—", r.above or "—"
        )
    stdout.print(sensitivity)


def _moves(per_site: Mapping[str, Mapping[str, float]]) -> str:
    return "\n".join(f"{site}: {n:.0f} × {chip}" for site, per in per_site.items() for chip, n in per.items()) or "—"


def _print_plan(result: Assessment) -> None:
    plan = result.plan
    if plan is None:
        return
    currency = result.scenario.cost.currency
    stdout.print(f"plan: {plan.status.value} ({plan.method}: {plan.message}), cost {money(plan.objective, currency)}")
    table = Table(title="Plan by year")
    for header in ("year", "buy", "retire", "capex", "electricity", "domestic (count)", "domestic (compute)"):
        table.add_column(header, justify="right" if header not in ("buy", "retire") else "left")
    for y in plan.years:
        share = y.domestic_share
        table.add_row(
            str(y.year), _moves(y.buy), _moves(y.retire), money(y.capex, currency), money(y.opex, currency),
            f"{share.get('count', 0.0):.1%}", f"{share.get('compute', 0.0):.1%}",
        )  # fmt: skip
    stdout.print(table)
    for v in plan.violations:
        stdout.print(
            f"[red]cannot meet[/red] {v.kind} {v.subject} in {v.year}: short by {_num(v.amount)} {v.unit} "
            f"({v.relative:.0%} of its limit)",
            highlight=False,
        )
    for b in plan.binding:
        stdout.print(f"binding: {b.kind} {b.subject} in {b.year} ({_num(b.used)} of {_num(b.limit)})", highlight=False)
    if result.monte_carlo:
        from chipshift.assess.report_data import monte_carlo_section

        mc = monte_carlo_section(result.monte_carlo)
        stdout.print(
            f"monte carlo: {mc.runs} runs (seed {mc.seed}, {mc.executor}), feasible in "
            f"{mc.feasible_share:.0%}; cost p5/p50/p95 {money(mc.cost_p5, currency)} / "
            f"{money(mc.cost_p50, currency)} / {money(mc.cost_p95, currency)}",
            highlight=False,
        )


def compare_command(
    scenario: Path | None = SCENARIO_ARG,
    example: bool = EXAMPLE_OPTION,
    as_json: bool = JSON_OPTION,
    quiet: bool = QUIET_OPTION,
) -> None:
    """Rank the scenario's candidates: hard gates, then TOPSIS and weighted sum, with weight sensitivity."""
    result = _run(scenario, example, quiet, plan=False, monte_carlo=False, executor="local", workers=None)
    if as_json:
        from chipshift.assess import comparison_section

        print(jsontext.dumps(comparison_section(result.comparison).model_dump(mode="json")))
        return
    _print_comparison(result)


def plan_command(
    scenario: Path | None = SCENARIO_ARG,
    example: bool = EXAMPLE_OPTION,
    monte_carlo: bool = typer.Option(True, "--monte-carlo/--no-monte-carlo", help="Run the scenario's sweep."),
    executor: ExecutorKind = EXECUTOR_OPTION,
    workers: int | None = WORKERS_OPTION,
    as_json: bool = JSON_OPTION,
    quiet: bool = QUIET_OPTION,
) -> None:
    """Solve the multi-year purchase plan (MILP, HiGHS): what to buy and retire per site and year."""
    result = _run(
        scenario, example, quiet, plan=True, monte_carlo=monte_carlo, executor=executor.value, workers=workers
    )
    if as_json:
        from chipshift.assess import report_data

        data = report_data(result)
        plan = data.plan.model_dump(mode="json") if data.plan else None
        sweep = data.monte_carlo.model_dump(mode="json") if data.monte_carlo else None
        print(jsontext.dumps({"plan": plan, "monte_carlo": sweep}))
        return
    _print_plan(result)


def assess_command(
    scenario: Path | None = SCENARIO_ARG,
    example: bool = EXAMPLE_OPTION,
    out: Path | None = typer.Option(None, "--out", "-o", help="Report file (default: chipshift-report.<suffix>)."),
    fmt: ReportFormat = typer.Option(ReportFormat.HTML, "--format", "-f", help="Report format."),
    lang: Language = typer.Option(Language.EN, "--lang", help="Report language (en or zh)."),
    monte_carlo: bool = typer.Option(True, "--monte-carlo/--no-monte-carlo", help="Run the scenario's sweep."),
    executor: ExecutorKind = EXECUTOR_OPTION,
    workers: int | None = WORKERS_OPTION,
    quiet: bool = QUIET_OPTION,
) -> None:
    """Run the whole pipeline (fleet, scan, perf, compare, plan, Monte Carlo) and write the report."""
    from chipshift.assess import report_data

    target = out or Path(f"chipshift-report{fmt.suffix}")
    check_output_path(target, what="report")
    result = _run(
        scenario, example, quiet, plan=True, monte_carlo=monte_carlo, executor=executor.value, workers=workers
    )
    text = render(report_data(result), fmt, lang)
    write_output(target, text, what="report")
    top = result.comparison.top or "none (every candidate was excluded)"
    status = result.plan.status.value if result.plan else "not solved"
    stdout.print(f"top candidate: {top}; plan: {status}", highlight=False)
    stdout.print(f"wrote {target} ({len(text.encode('utf-8')):,} bytes, {fmt.value}, {lang.value})", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this engine's commands to the top-level app."""
    app.command("compare")(compare_command)
    app.command("plan")(plan_command)
    app.command("assess")(assess_command)
