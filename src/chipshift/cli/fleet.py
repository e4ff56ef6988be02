"""CLI of the fleet engine: ``chipshift fleet ingest|status|history|export|check``.

Results go to stdout (tables, JSON, CSV); progress, merges, unmatched devices and problems go to stderr. ``ingest``
is all-or-nothing by default (``--each`` stores file by file) and exits with 2 when any file was refused;
``check`` exits with 1 when it finds a problem.
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from chipshift.cli.choices import Breakdown, DomesticBasis, engine_enum
from chipshift.cli.common import OutputFormat, catalog, stdout
from chipshift.errors import ChipshiftError
from chipshift.files import read_input

if TYPE_CHECKING:  # the engine (SQLAlchemy) is imported inside each command, so that every command starts fast
    from chipshift.fleet import FleetPolicy, IngestInput, IngestResult, RatioReport
    from chipshift.fleet.views import Breakdown as ViewBreakdown

stderr = Console(stderr=True, soft_wrap=True)
fleet_app = typer.Typer(
    help="Accelerator inventories: ingest them, and report the domestic ratio (国产化率) against targets.",
    no_args_is_help=True,
)

DB_OPTION = typer.Option(
    None, "--db", envvar="CHIPSHIFT_DB", help="Database URL or SQLite file (default: user data dir)."
)
TARGETS_OPTION = typer.Option(None, "--targets", help="Targets file (rule, currency, consolidation, targets) YAML.")
BASIS_OPTION = typer.Option(None, "--rule", help="What makes a chip domestic (default: designer, or the targets file).")
COUNTRY_OPTION = typer.Option(None, "--country", help="Country codes that count as domestic (repeatable; default CN).")


class ExportFormat(enum.StrEnum):
    """Formats of ``fleet export``."""

    CSV = "csv"
    JSON = "json"


def _json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _policy(targets: Path | None, basis: DomesticBasis | None, countries: list[str] | None) -> FleetPolicy:
    from chipshift.catalog import DomesticBasis as Basis
    from chipshift.fleet import DomesticRule, FleetPolicy, load_policy

    policy = load_policy(targets) if targets else FleetPolicy()
    if basis is None and not countries:
        return policy
    rule = DomesticRule(
        basis=engine_enum(Basis, basis) if basis else policy.rule.basis,
        countries=tuple(c.upper() for c in countries) if countries else policy.rule.countries,
    )
    return policy.model_copy(update={"rule": rule})


def _parse_when(text: str | None, option: str = "--when") -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ChipshiftError(f"{option} must be an ISO date or date-time (2026-03-31), not '{text}'") from None


def _as_of(text: str | None) -> date | datetime | None:
    """A date means the end of that day; a date-time is taken as given."""
    if text is not None and len(text) == len("2026-01-31"):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    return _parse_when(text, "--as-of")


def _say(text: str) -> None:
    stderr.print(text, markup=False, highlight=False)


def _report_refused(result: IngestResult) -> None:
    """One line per bad line (a single bad line says in the same line that nothing was stored)."""
    if result.error is not None:
        _say(f"error: {result.error.message}; nothing stored from it")
        return
    name = result.name
    if len(result.problems) == 1:
        _say(f"error: {result.problems[0].describe(name)}; nothing stored from {name}")
        return
    for problem in result.problems[:20]:
        _say(f"error: {problem.describe(name)}")
    more = " (the first 20 shown)" if len(result.problems) > 20 else ""
    _say(f"refused {name}: {len(result.problems):,} bad lines{more}, nothing stored from it")


def _report_read(result: IngestResult) -> None:
    for warning in result.warnings:
        _say(f"warning: {warning.describe(result.name)}; --strict refuses the file instead")
    if result.note:
        _say(f"  {result.note}")
    if result.merged_count:
        _say(f"  merged {result.merged_count:,} device(s) listed before (the same device, counted once)")
    if result.merged_count and result.note is None:
        for merged in result.merged[:5]:
            _say(f"    {merged.describe(result.name)}")
        if result.merged_count > 5:
            _say(f"    ... and {result.merged_count - 5:,} more")
    if result.in_other_sources:
        _say(f"  {result.in_other_sources:,} device(s) are also in another source's snapshot: counted once")
    for line in result.unmatched:
        _say(f"  unmatched {line}")


def _report_result(result: IngestResult) -> None:
    from chipshift.fleet import IngestOutcome

    name, outcome = result.name, result.outcome
    if outcome is IngestOutcome.REFUSED:
        _report_refused(result)
        return
    if outcome is IngestOutcome.ALREADY_STORED:
        _say(f"already stored {name}: {result.note}")
        return
    counts = f"{result.device_count:,} device(s), {result.unmatched_count:,} unmatched, {result.merged_count:,} merged"
    if outcome is IngestOutcome.STORED:
        _say(f"stored {name} ({result.format}): {counts}, snapshot {result.snapshot.id if result.snapshot else '?'}")
    else:
        _say(f"not stored {name} ({result.format}): {counts}; read fine, but another file was refused")
    _report_read(result)


def _summary(results: list[IngestResult], each: bool) -> None:
    from chipshift.fleet import IngestOutcome

    stored = [r for r in results if r.outcome is IngestOutcome.STORED]
    refused = [r for r in results if r.outcome is IngestOutcome.REFUSED]
    if len(results) < 2:
        return
    numbers = [r.snapshot.id for r in stored if r.snapshot]
    ids = ", ".join(str(n) for n in numbers)
    if len(numbers) > 3 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        ids = f"{numbers[0]} to {numbers[-1]}"
    if refused and not each:
        _say(
            f"nothing stored: {len(refused)} of {len(results)} file(s) refused and ingest is all-or-nothing; "
            "fix them, or store the good files one by one with --each"
        )
    else:
        merged = sum(r.merged_count for r in stored)
        _say(
            f"stored {len(stored)} of {len(results)} file(s)"
            + (f" (snapshots {ids})" if ids else "")
            + f", {sum(r.device_count for r in stored):,} device(s), {merged:,} merged"
        )


def _inputs(files: Iterable[str], local: bool) -> list[IngestInput]:
    from chipshift.fleet import IngestInput
    from chipshift.fleet.inventory import inventory_files
    from chipshift.fleet.local import collect_local

    inputs: list[IngestInput] = []
    for name in files:
        if name == "-":
            inputs.append(IngestInput("-", read_input("-", what="inventory")))
        elif Path(name).is_dir():
            kept, skipped = inventory_files(Path(name))
            for path, why in skipped:
                _say(f"skipped {path}: {why}")
            inputs.extend(IngestInput(str(path)) for path in kept)
        else:
            inputs.append(IngestInput(name))
    if local:
        inputs += [IngestInput(output.name, output.data) for output in collect_local()]
    return inputs


@fleet_app.command("ingest")
def ingest_command(
    files: list[str] = typer.Argument(
        None, help="Inventory files (any supported format), folders (their inventory files), or '-' for stdin."
    ),
    site: str | None = typer.Option(None, help="Site of devices the file does not place."),
    when: str | None = typer.Option(None, help="When the inventory was taken (ISO date; default now)."),
    source: str | None = typer.Option(
        None,
        help="Source name (default: the one host the inventory names, else the file's name without its folder). "
        "A newer snapshot with the same site and source replaces the older one in status and ratios.",
    ),
    encoding: str | None = typer.Option(None, help="Text encoding when not UTF-8 (gb18030 for Chinese Excel CSV)."),
    local: bool = typer.Option(False, "--local", help="Run this machine's vendor tools (read-only) and ingest."),
    each: bool = typer.Option(
        False, "--each", help="Store file by file (default: all files or none, when any file is refused)."
    ),
    strict: bool = typer.Option(False, "--strict", help="Refuse a register with a column chipshift does not read."),
    db: str | None = DB_OPTION,
) -> None:
    """Read inventories, match devices to the catalog and store each file as one snapshot, each device once."""
    from chipshift.fleet import FleetStore, IngestOptions, IngestOutcome

    if not files and not local:
        raise ChipshiftError("give inventory files, folders, '-' for stdin, or --local")
    inputs = _inputs(files or [], local)
    if not inputs:
        raise ChipshiftError("no inventory files found in the folders given")
    store = FleetStore(db)
    options = IngestOptions(catalog(), site, _parse_when(when), encoding, source, strict)
    try:
        results = store.ingest_many(inputs, options, each=each, on_wait=lambda text: _say(f"waiting: {text}"))
    finally:
        store.close()
    for result in results:
        _report_result(result)
    _summary(results, each)
    if any(r.outcome is IngestOutcome.REFUSED for r in results):
        raise typer.Exit(2)


def _status_table(report: RatioReport, breakdown: ViewBreakdown) -> Table:
    from chipshift.fleet import Metric
    from chipshift.fleet.views import status_rows

    table = Table(title=f"Domestic share (rule: {report.rule.describe()}; value in {report.currency})")
    table.add_column(breakdown.value)
    table.add_column("devices", justify="right")
    for metric in Metric:
        table.add_column(metric.value, justify="right")
    table.add_column("status unknown", justify="right")
    for row in status_rows(report, breakdown):
        table.add_row(
            str(row["group"]),
            f"{row['devices']:,.0f}",
            *("—" if row[m.value] is None else f"{row[m.value] * 100:.1f}%" for m in Metric),
            f"{row['unknown_status_devices']:,}",
        )
    return table


def _targets_table(report: RatioReport) -> Table:
    from chipshift.fleet.views import percent

    table = Table(title="Targets")
    for column in ("target", "scope", "metric", "by", "needed", "now", "met"):
        table.add_column(column)
    for check in report.targets:
        met = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "unknown"}[check.met]
        table.add_row(
            check.target.name,
            check.target.scope.describe(),
            check.target.metric.value,
            str(check.target.by),
            f"{check.target.min_share * 100:.0f}%",
            percent(check.share),
            met,
        )
    return table


@fleet_app.command("status")
def status_command(
    by: Breakdown = typer.Option(Breakdown.OVERALL, "--by", help="Split by site, sector or business unit."),
    targets: Path | None = TARGETS_OPTION,
    basis: DomesticBasis | None = BASIS_OPTION,
    country: list[str] | None = COUNTRY_OPTION,
    as_of: str | None = typer.Option(None, "--as-of", help="The fleet as of this date (default: now)."),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
    db: str | None = DB_OPTION,
) -> None:
    """The domestic ratio of the current fleet by count, compute, memory, value and power, against targets."""
    from chipshift.fleet import FleetStore, Metric, compute_ratios
    from chipshift.fleet.views import Breakdown as ViewBreakdown
    from chipshift.fleet.views import status_rows, to_csv

    split = engine_enum(ViewBreakdown, by)
    store, cat = FleetStore(db), catalog()
    devices = store.fleet_groups(_as_of(as_of))
    store.close()
    if not devices:
        stderr.print("the store has no devices yet; run 'chipshift fleet ingest FILE' first")
    report = compute_ratios(devices, cat, policy=_policy(targets, basis, country))
    if output is OutputFormat.JSON:
        _json(report.to_dict())
    elif output is OutputFormat.CSV:
        typer.echo(
            to_csv(
                status_rows(report, split), ["group", "devices", *(m.value for m in Metric), "unknown_status_devices"]
            ),
            nl=False,
        )
    else:
        stdout.print(_status_table(report, split))
        if report.targets:
            stdout.print(_targets_table(report))
        for metric, share in report.overall.items():
            if share.unknown_devices:
                stdout.print(f"{metric.value}: {share.unknown_devices:,} device(s) left out (figure or status unknown)")
        for sentence in report.consolidation:
            stdout.print(f"consolidation: {sentence}")
        if report.unmatched_count:
            stdout.print(f"{report.unmatched_count:,} device(s) not in the catalog: see 'chipshift fleet export'")


@fleet_app.command("history")
def history_command(
    targets: Path | None = TARGETS_OPTION,
    basis: DomesticBasis | None = BASIS_OPTION,
    country: list[str] | None = COUNTRY_OPTION,
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
    db: str | None = DB_OPTION,
) -> None:
    """How the domestic ratio moved: the whole fleet's shares after each snapshot date."""
    from chipshift.fleet import DomesticRule, FleetStore, Metric
    from chipshift.fleet.views import HISTORY_COLUMNS, history_rows, to_csv

    store = FleetStore(db)
    points = store.history(catalog=catalog(), policy=_policy(targets, basis, country))
    store.close()
    rows = history_rows(points)
    if output is OutputFormat.JSON:
        _json(rows)
    elif output is OutputFormat.CSV:
        typer.echo(to_csv(rows, HISTORY_COLUMNS), nl=False)
    else:
        rule = points[-1].report.rule.describe() if points else DomesticRule.default().describe()
        table = Table(title=f"Domestic share over time (rule: {rule})")
        for column in HISTORY_COLUMNS:
            table.add_column(column, justify="left" if column == "taken_at" else "right")
        for row in rows:
            table.add_row(
                row["taken_at"],
                str(row["snapshots"]),
                f"{row['devices']:,}",
                *("—" if row[m.value] is None else f"{row[m.value] * 100:.1f}%" for m in Metric),
            )
        stdout.print(table)


@fleet_app.command("export")
def export_command(
    output: ExportFormat = typer.Option(ExportFormat.CSV, "--format", help="csv or json."),
    snapshot: int | None = typer.Option(None, "--snapshot", help="One snapshot id (default: the current fleet)."),
    as_of: str | None = typer.Option(None, "--as-of", help="The fleet as of this date."),
    db: str | None = DB_OPTION,
) -> None:
    """Every device of the current fleet (or one snapshot), matched or not, with its snapshot and source file.

    The current fleet lists each device once (see 'fleet status'); one snapshot lists what it stored.
    """
    from chipshift.fleet import FleetStore
    from chipshift.fleet.store import EXPORT_COLUMNS
    from chipshift.fleet.views import export_csv, export_json

    store = FleetStore(db)
    try:
        moment = _as_of(as_of)
        snapshots = [store.snapshot(snapshot)] if snapshot is not None else store.current_snapshots(moment)
        rows = store.export_rows(snapshot=snapshot, as_of=moment)
        pieces = (
            export_json(snapshots, rows, EXPORT_COLUMNS)
            if output is ExportFormat.JSON
            else export_csv(rows, EXPORT_COLUMNS)
        )
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()
    finally:
        store.close()


@fleet_app.command("check")
def check_command(
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="table (text) or json."),
    db: str | None = DB_OPTION,
) -> None:
    """Check the database: integrity, schema version and snapshot counts (writes nothing). Exit 1 on a problem."""
    from chipshift.fleet import FleetStore, check_store

    report = check_store(FleetStore(db).url)
    if output is OutputFormat.JSON:
        _json(report.to_dict())
    else:
        stdout.print(f"database: {report.database} ({report.backend})", markup=False, highlight=False)
        for fact in report.facts:
            stdout.print(f"  ok: {fact}", markup=False, highlight=False)
        for problem in report.problems:
            stdout.print(f"  PROBLEM: {problem}", markup=False, highlight=False)
        stdout.print("healthy" if report.ok else f"{len(report.problems)} problem(s) found", markup=False)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this engine's commands to the top-level app."""
    app.add_typer(fleet_app, name="fleet")
