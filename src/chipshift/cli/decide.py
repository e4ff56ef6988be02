"""CLI of the pipeline (:mod:`chipshift.assess`): ``chipshift compare``, ``chipshift plan`` and ``chipshift assess``.

Each command takes a scenario file (see docs/scenario.md) or ``--example`` for the shipped one. Results go to
stdout (tables or JSON), progress and warnings to stderr; ``assess`` writes its report to a file.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import Progress, TaskID
from rich.table import Table

from chipshift import jsontext
from chipshift.cli.choices import ExecutorKind, Language, ReportFormat, engine_enum
from chipshift.cli.common import catalog, stderr, stdout
from chipshift.errors import ChipshiftError
from chipshift.files import check_output_path, write_output

if TYPE_CHECKING:  # the engines (pymcdm, HiGHS) and the report are imported when a command runs: fast start-up
    from chipshift.assess import Assessment, Scenario
    from chipshift.report import ReportData
    from chipshift.report.model import Recommendation


SCENARIO_ARG = typer.Argument(None, help="Scenario YAML file (see docs/scenario.md).", show_default=False)
EXAMPLE_OPTION = typer.Option(False, "--example", help="Use the shipped example scenario instead of a file.")
JSON_OPTION = typer.Option(False, "--json", help="Print JSON instead of tables.")
QUIET_OPTION = typer.Option(False, "--quiet", "-q", help="No progress lines on stderr.")
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


def _progress(quiet: bool) -> Any:
    started = time.perf_counter()

    def say(message: str) -> None:
        if not quiet:
            stderr.print(f"[dim]{time.perf_counter() - started:6.1f} s[/dim]  {message}", highlight=False)

    return say


class _SweepProgress:
    """Runs done of the Monte Carlo sweep: a bar on a terminal, a line every 10% otherwise, nothing with -q."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Progress | None = None
        self.task: TaskID | None = None
        self.last_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        if stderr.is_terminal:
            if self.bar is None:
                self.bar = Progress(console=stderr, transient=True)
                self.bar.start()
                self.task = self.bar.add_task("monte carlo", total=total)
            assert self.task is not None
            self.bar.update(self.task, completed=done)
            if done >= total:
                self.bar.stop()
            return
        tenth = done * 10 // max(total, 1)
        if tenth > self.last_tenth:
            self.last_tenth = tenth
            stderr.print(f"  monte carlo: {done} of {total} runs", highlight=False)


def _run(
    path: Path | None,
    example: bool,
    quiet: bool,
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
    return assess(
        scenario,
        catalog(),
        progress=_progress(quiet),
        executor=executor,
        workers=workers,
        plan=plan,
        monte_carlo=monte_carlo,
        sweep_progress=_SweepProgress(quiet),
        force=force,
        exclude=exclude,
    )


COMPARISON_COLUMNS = {
    "workloads_covered": "covered",
    "demand_per_kw": "demand per kW",
    "porting_person_days": "porting days",
    "tco_per_mtok": "TCO per M tokens",
    "export_risk": "export risk",
    "china_risk": "China risk",
    "security_risk": "security risk",
    "supply_risk": "supply risk",
}
"""The decision matrix's criteria (decide.CRITERIA) as the compare table heads them."""


def _print_comparison(result: Assessment) -> None:
    from chipshift.assess import comparison_section
    from chipshift.report.numbers import number as _num

    data = comparison_section(result.comparison)
    rows = {row.id: row for row in data.candidates}
    shown = tuple(COMPARISON_COLUMNS)
    table = Table(title=f"Candidates, best first (weights: {data.weights_method})")
    for header in ("rank", "candidate", "TOPSIS", "weighted sum", *COMPARISON_COLUMNS.values()):
        table.add_column(header, justify="left" if header == "candidate" else "right")
    for rank, cid in enumerate(data.topsis_order, start=1):
        row = rows[cid]
        criteria = [_num(row.criteria.get(name)) for name in shown]
        table.add_row(str(rank), cid, f"{row.topsis:.3f}", f"{row.weighted_sum:.3f}", *criteria)
    stdout.print(table)
    weights = ", ".join(f"{k} {v:.2f}" for k, v in data.weights.items())
    stdout.print(f"weights: {weights}; weighted-sum order: {', '.join(data.weighted_sum_order)}")
    for excluded in data.excluded:
        stdout.print(f"excluded {excluded.id}: {excluded.reason}", highlight=False, markup=False)
    sensitivity = Table(title="Sensitivity: weight range within which the top candidate holds")
    for header in ("dimension", "weight", "low", "high", "top below", "top above"):
        sensitivity.add_column(header)
    for r in data.sensitivity:
        sensitivity.add_row(
            r.dimension, f"{r.weight:.2f}", f"{r.low:.2f}", f"{r.high:.2f}", r.below or "—", r.above or "—"
        )
    stdout.print(sensitivity)


def _print_plan(data: ReportData) -> None:
    """The recommendation and the plan by year, from the same data the report shows."""
    from chipshift.report import Language as Lang
    from chipshift.report import messages
    from chipshift.report.numbers import money
    from chipshift.report.words import units_phrase

    r, plan = data.recommendation, data.plan
    if r is None or plan is None:
        return
    m = messages(Lang.EN)
    cur = data.currency
    colour = "green" if r.feasible else "red"
    stdout.print(
        f"[{colour}]plan: {r.status}[/{colour}]: {m['verdict_' + r.status.replace('-', '_')]}", highlight=False
    )
    stdout.print(f"net present value {money(r.cost.npv, cur)}; capex {money(plan.capex_total, cur)}", highlight=False)
    table = Table(title="What to buy, retire and move")
    for header in ("year", "site", "what", "units", "chips", "money"):
        table.add_column(header, justify="right" if header in ("units", "chips", "money") else "left")
    for line, verb in [*((p, "buy") for p in r.purchases), *((p, "lease") for p in r.leases),
                       *((x, "retire") for x in r.retirements), *((x, "move") for x in r.moves)]:  # fmt: skip
        where = f"{line.site} → {line.destination}" if line.destination else line.site
        kind = line.unit_kind
        table.add_row(
            str(line.year), where, f"{verb} {line.name}", units_phrase(line.units, kind, m), f"{line.chips:,}",
            money(line.money, cur),
        )  # fmt: skip
    stdout.print(table)
    for port in r.ports:
        stdout.print(f"port the code to {port.target}: {money(port.cost, cur)}, ready for {port.ready_year}")
    _print_outlook(r, data)


def _print_outlook(r: Recommendation, data: ReportData) -> None:
    from chipshift.report import Language as Lang
    from chipshift.report import messages
    from chipshift.report.numbers import money
    from chipshift.report.numbers import number as _num
    from chipshift.report.words import reason_phrase, risk_phrase, target_phrase

    cur = data.currency
    m = messages(Lang.EN)
    table = Table(title="Targets: planned share and probability of meeting it")
    for header in ("target", "year", "required", "planned", "met", "probability"):
        table.add_column(header, justify="left" if header == "target" else "right")
    for t in r.targets:
        probability = "—" if t.probability is None else f"{t.probability:.0%}"
        met = "yes" if t.met else "NO"
        table.add_row(target_phrase(t, m), str(t.year), f"{t.required:.0%}", f"{t.planned:.1%}", met, probability)
    if r.targets:
        stdout.print(table)
    for v in r.shortfalls:
        amount = f"{v.amount:.1%} share" if v.unit == "share" else f"{_num(v.amount)} {v.unit}"
        stdout.print(f"cannot meet {v.kind} {v.subject} in {v.year}: short by {amount}", highlight=False, markup=False)
    if data.monte_carlo:
        mc = data.monte_carlo
        stdout.print(
            f"uncertainty: {mc.runs} futures (seed {mc.seed}, {mc.executor}); all requirements met in "
            f"{mc.all_met_share:.0%}; cost (NPV) p5/p50/p95 {money(mc.npv_p5, cur)} / {money(mc.npv_p50, cur)} / "
            f"{money(mc.npv_p95, cur)}",
            highlight=False,
        )
        for risk in r.risks:
            miss = " (can miss a target or demand)" if risk.misses else ""
            stdout.print(
                f"  risk: {risk_phrase(risk, m)} {risk.low_label} → {risk.high_label}: {money(risk.npv_low, cur)} → "
                f"{money(risk.npv_high, cur)}{miss}",
                highlight=False,
            )
    for w in r.why:
        forced = "" if w.forced_npv_delta is None else f"; choosing it would cost {money(w.forced_npv_delta, cur)} more"
        stdout.print(
            f"why {w.candidate}: {reason_phrase(w, m, data.rules, cur)}{forced}", highlight=False, markup=False
        )


def _exit_for(data: ReportData) -> None:
    """Exit 1 when the plan cannot meet demand or a target (the report or JSON is written first)."""
    if data.plan is not None and not data.plan.feasible:
        stderr.print(f"plan: {data.plan.status}: see the shortfalls (exit 1)", highlight=False)
        raise typer.Exit(1)


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
    force: list[str] = FORCE_OPTION,
    exclude: list[str] = EXCLUDE_OPTION,
    as_json: bool = JSON_OPTION,
    quiet: bool = QUIET_OPTION,
) -> None:
    """Solve the multi-year plan (MILP, HiGHS): what to buy, retire and move per site and year, in whole servers, and
    how it holds under uncertainty. Exit 1 when it cannot meet demand or a target."""
    result = _run(
        scenario, example, quiet, plan=True, monte_carlo=monte_carlo, executor=executor.value, workers=workers,
        force=tuple(force), exclude=tuple(exclude),
    )  # fmt: skip
    from chipshift.assess import report_data

    data = report_data(result)
    if as_json:
        sections = {
            "recommendation": data.recommendation.model_dump(mode="json") if data.recommendation else None,
            "plan": data.plan.model_dump(mode="json") if data.plan else None,
            "monte_carlo": data.monte_carlo.model_dump(mode="json") if data.monte_carlo else None,
        }
        print(jsontext.dumps(sections))
    else:
        _print_plan(data)
    _exit_for(data)


def assess_command(
    scenario: Path | None = SCENARIO_ARG,
    example: bool = EXAMPLE_OPTION,
    out: Path | None = typer.Option(None, "--out", "-o", help="Report file (default: chipshift-report.<suffix>)."),
    fmt: ReportFormat = typer.Option(ReportFormat.HTML, "--format", "-f", help="Report format."),
    lang: Language = typer.Option(Language.EN, "--lang", help="Report language (en or zh)."),
    monte_carlo: bool = typer.Option(True, "--monte-carlo/--no-monte-carlo", help="Run the scenario's sweep."),
    executor: ExecutorKind = EXECUTOR_OPTION,
    workers: int | None = WORKERS_OPTION,
    force: list[str] = FORCE_OPTION,
    exclude: list[str] = EXCLUDE_OPTION,
    quiet: bool = QUIET_OPTION,
) -> None:
    """Run the whole pipeline (fleet, scan, perf, compare, plan, uncertainty) and write the report. Exit 1 when the
    plan cannot meet demand or a target (the report says by how much)."""
    from chipshift.assess import report_data
    from chipshift.report import Language as Lang
    from chipshift.report import ReportFormat as Format
    from chipshift.report import render

    report_format, language = engine_enum(Format, fmt), engine_enum(Lang, lang)
    target = out or Path(f"chipshift-report{report_format.suffix}")
    check_output_path(target, what="report")
    result = _run(
        scenario, example, quiet, plan=True, monte_carlo=monte_carlo, executor=executor.value, workers=workers,
        force=tuple(force), exclude=tuple(exclude),
    )  # fmt: skip
    data = report_data(result)
    text = render(data, report_format, language)
    write_output(target, text, what="report")
    _print_headline(data)
    stdout.print(
        f"wrote {target} ({len(text.encode('utf-8')):,} bytes, {fmt.value}, {lang.value})",
        highlight=False,
        markup=False,
    )
    _exit_for(data)


def _print_headline(data: ReportData) -> None:
    """One line of what to do, for the terminal (the report has the rest)."""
    from chipshift.report import Language as Lang
    from chipshift.report import messages
    from chipshift.report.numbers import money
    from chipshift.report.words import units_phrase

    r = data.recommendation
    top = data.comparison.top or "none (every candidate was excluded)"
    if r is None:
        stdout.print(f"top-ranked candidate: {top}; no plan solved", highlight=False)
        return
    bought: dict[tuple[str, str], int] = {}
    for p in r.purchases + r.leases:
        bought[p.name, p.unit_kind] = bought.get((p.name, p.unit_kind), 0) + p.units
    m = messages(Lang.EN)
    what = ", ".join(f"{units_phrase(n, kind, m)} of {name}" for (name, kind), n in bought.items()) or "nothing"
    odds = (
        "" if data.monte_carlo is None else f"; all requirements met in {data.monte_carlo.all_met_share:.0%} of futures"
    )
    stdout.print(
        f"plan: {r.status}: buy {what}; NPV {money(r.cost.npv, data.currency)}{odds}; top-ranked: {top}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add this engine's commands to the top-level app."""
    app.command("compare")(compare_command)
    app.command("plan")(plan_command)
    app.command("assess")(assess_command)
