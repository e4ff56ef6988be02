"""CLI of the fleet engine: ``chipshift fleet ingest|status|history|export|check``.

Results go to stdout or ``--output`` (tables, JSON, CSV); progress, merges, unmatched devices and warnings go to
stderr (``-q``: errors only). ``ingest`` is all-or-nothing by default (``--each`` stores file by file) and exits with
2 when any file was refused; ``check`` exits with 1 when it finds a problem, and ``status --fail-on-targets`` when a
target is not met.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from chipshift.cli.choices import Breakdown, DomesticBasis, engine_enum
from chipshift.cli.common import OutputFormat, catalog, stderr
from chipshift.cli.fleet_views import result_dict, status_lines, status_table, targets_table
from chipshift.cli.output import (
    CATALOG_OPTION,
    JSON_OPTION,
    OUTPUT_OPTION,
    QUIET_OPTION,
    Output,
    TableFormat,
    note,
    output_of,
    use_options,
)
from chipshift.cli.tables import id_column, number_column
from chipshift.errors import ChipshiftError
from chipshift.files import read_input

if TYPE_CHECKING:  # the engine (SQLAlchemy) is imported inside each command, so that every command starts fast
    from chipshift.fleet import FleetPolicy, IngestInput, IngestResult, RatioReport

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


FORMAT_OPTION = typer.Option(OutputFormat.TABLE, "--format", help="Output format.")


class ExportFormat(enum.StrEnum):
    """Formats of ``fleet export``."""

    CSV = "csv"
    JSON = "json"


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


def _error(text: str) -> None:
    """An error line: printed even with ``-q``."""
    stderr.print(text, markup=False, highlight=False, soft_wrap=True)


def _report_refused(result: IngestResult) -> None:
    """One line per bad line (a single bad line says in the same line that nothing was stored)."""
    if result.error is not None:
        _error(f"error: {result.error.message}; nothing stored from it")
        return
    name = result.name
    if len(result.problems) == 1:
        _error(f"error: {result.problems[0].describe(name)}; nothing stored from {name}")
        return
    for problem in result.problems[:20]:
        _error(f"error: {problem.describe(name)}")
    more = " (the first 20 shown)" if len(result.problems) > 20 else ""
    _error(f"refused {name}: {len(result.problems):,} bad lines{more}, nothing stored from it")


def _report_read(result: IngestResult) -> None:
    for warning in result.warnings:
        note(f"warning: {warning.describe(result.name)}; --strict refuses the file instead")
    if result.note:
        note(f"  {result.note}")
    if result.merged_count:
        note(f"  merged {result.merged_count:,} device(s) listed before (the same device, counted once)")
    if result.merged_count and result.note is None:
        for merged in result.merged[:5]:
            note(f"    {merged.describe(result.name)}")
        if result.merged_count > 5:
            note(f"    ... and {result.merged_count - 5:,} more")
    if result.in_other_sources:
        note(f"  {result.in_other_sources:,} device(s) are also in another source's snapshot: counted once")
    for line in result.unmatched:
        note(f"  unmatched {line}")


def _report_result(result: IngestResult) -> None:
    from chipshift.fleet import IngestOutcome

    name, outcome = result.name, result.outcome
    if outcome is IngestOutcome.REFUSED:
        _report_refused(result)
        return
    if outcome is IngestOutcome.ALREADY_STORED:
        note(f"already stored {name}: {result.note}")
        return
    counts = f"{result.device_count:,} device(s), {result.unmatched_count:,} unmatched, {result.merged_count:,} merged"
    if outcome is IngestOutcome.STORED:
        note(f"stored {name} ({result.format}): {counts}, snapshot {result.snapshot.id if result.snapshot else '?'}")
    else:
        note(f"not stored {name} ({result.format}): {counts}; read fine, but another file was refused")
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
        _error(
            f"nothing stored: {len(refused)} of {len(results)} file(s) refused and ingest is all-or-nothing; "
            "fix them, or store the good files one by one with --each"
        )
    else:
        merged = sum(r.merged_count for r in stored)
        note(
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
                note(f"skipped {path}: {why}")
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
    fmt: TableFormat = typer.Option(
        TableFormat.TABLE, "--format", help="table: lines on stderr only; json: also each file's outcome on stdout."
    ),
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    db: str | None = DB_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """Read inventories, match devices to the catalog and store each file as one snapshot, each device once."""
    from chipshift.fleet import FleetStore, IngestOptions, IngestOutcome

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)
    if not files and not local:
        raise ChipshiftError("give inventory files, folders, '-' for stdin, or --local")
    inputs = _inputs(files or [], local)
    if not inputs:
        raise ChipshiftError("no inventory files found in the folders given")
    store = FleetStore(db)
    options = IngestOptions(catalog(), site, _parse_when(when), encoding, source, strict)
    try:
        results = store.ingest_many(inputs, options, each=each, on_wait=lambda text: note(f"waiting: {text}"))
    finally:
        store.close()
    for result in results:
        _report_result(result)
    _summary(results, each)
    if out.json:
        out.data([result_dict(r) for r in results])
    if any(r.outcome is IngestOutcome.REFUSED for r in results):
        raise typer.Exit(2)


@fleet_app.command("status")
def status_command(
    by: Breakdown = typer.Option(Breakdown.OVERALL, "--by", help="Split by site, sector or business unit."),
    targets: Path | None = TARGETS_OPTION,
    basis: DomesticBasis | None = BASIS_OPTION,
    country: list[str] | None = COUNTRY_OPTION,
    as_of: str | None = typer.Option(None, "--as-of", help="The fleet as of this date (default: now)."),
    fail_on_targets: bool = typer.Option(
        False, "--fail-on-targets", help="Exit 1 when a target of --targets is not met (or cannot be judged)."
    ),
    fmt: OutputFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    db: str | None = DB_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """The domestic ratio of the current fleet by count, compute, memory, value and power, against targets."""
    from chipshift.fleet import FleetStore, Metric, compute_ratios
    from chipshift.fleet.views import Breakdown as ViewBreakdown
    from chipshift.fleet.views import status_rows, to_csv, used_metrics

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)
    split = engine_enum(ViewBreakdown, by)
    if fail_on_targets and targets is None:
        raise ChipshiftError("--fail-on-targets needs the targets to check: --targets FILE")
    store, cat = FleetStore(db), catalog()
    devices = store.fleet_groups(_as_of(as_of))
    store.close()
    if not devices:
        note("the store has no devices yet; run 'chipshift fleet ingest FILE' first")
    report = compute_ratios(devices, cat, policy=_policy(targets, basis, country))
    if out.json:
        out.data(report.to_dict())
    elif out.format == OutputFormat.CSV:
        columns = ["group", "devices", *(m.value for m in Metric), "unknown_status_devices"]
        out.text(to_csv(status_rows(report, split), columns))
    else:
        shown = used_metrics(report) or [Metric.COUNT]
        tables = [status_table(report, split, shown)] + ([targets_table(report)] if report.targets else [])
        out.show(*tables, *(escape(line) for line in status_lines(report, shown)))
    _fail_on_targets(report, fail_on_targets)


def _fail_on_targets(report: RatioReport, asked: bool) -> None:
    """Exit 1 when asked and a target is missed or cannot be judged (the result was printed first)."""
    missed = [check for check in report.targets if check.met is not True]
    if asked and missed:
        names = ", ".join(f"'{check.target.name}'" for check in missed)
        stderr.print(
            f"targets not met: {names} (exit 1, --fail-on-targets)", markup=False, highlight=False, soft_wrap=True
        )
        raise typer.Exit(1)


@fleet_app.command("history")
def history_command(
    targets: Path | None = TARGETS_OPTION,
    basis: DomesticBasis | None = BASIS_OPTION,
    country: list[str] | None = COUNTRY_OPTION,
    fmt: OutputFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    db: str | None = DB_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """How the domestic ratio moved: the whole fleet's shares after each snapshot date."""
    from chipshift.fleet import DomesticRule, FleetStore, Metric
    from chipshift.fleet.views import HISTORY_COLUMNS, history_rows, metric_header, to_csv

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)
    store = FleetStore(db)
    points = store.history(catalog=catalog(), policy=_policy(targets, basis, country))
    store.close()
    rows = history_rows(points)
    if out.json:
        out.data(rows)
    elif out.format == OutputFormat.CSV:
        out.text(to_csv(rows, HISTORY_COLUMNS))
    else:
        rule = points[-1].report.rule.describe() if points else DomesticRule.default().describe()
        table = Table(title=f"Domestic share over time (rule: {rule})")
        id_column(table, "taken at")
        number_column(table, "snapshots")
        number_column(table, "devices")
        for metric in Metric:
            number_column(table, metric_header(metric))
        for row in rows:
            table.add_row(
                row["taken_at"],
                str(row["snapshots"]),
                f"{row['devices']:,}",
                *("—" if row[m.value] is None else f"{row[m.value] * 100:.1f}%" for m in Metric),
            )
        out.show(table)


@fleet_app.command("export")
def export_command(
    fmt: ExportFormat = typer.Option(ExportFormat.CSV, "--format", help="csv or json."),
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    snapshot: int | None = typer.Option(None, "--snapshot", help="One snapshot id (default: the current fleet)."),
    as_of: str | None = typer.Option(None, "--as-of", help="The fleet as of this date."),
    db: str | None = DB_OPTION,
    quiet: bool = QUIET_OPTION,
) -> None:
    """Every device of the current fleet (or one snapshot), matched or not, with its snapshot and source file.

    The current fleet lists each device once (see 'fleet status'); one snapshot lists what it stored.
    """
    from chipshift.fleet import FleetStore
    from chipshift.fleet.store import EXPORT_COLUMNS
    from chipshift.fleet.views import export_csv, export_json

    use_options(quiet=quiet, catalog=[])
    out = Output.of(fmt, as_json, output)
    store = FleetStore(db)
    try:
        moment = _as_of(as_of)
        snapshots = [store.snapshot(snapshot)] if snapshot is not None else store.current_snapshots(moment)
        rows = store.export_rows(snapshot=snapshot, as_of=moment)
        pieces = export_json(snapshots, rows, EXPORT_COLUMNS) if out.json else export_csv(rows, EXPORT_COLUMNS)
        if out.path is not None:
            out.text("".join(pieces))
        else:
            for piece in pieces:
                typer.echo(piece, nl=False)
    finally:
        store.close()


@fleet_app.command("check")
def check_command(
    fmt: TableFormat = typer.Option(TableFormat.TABLE, "--format", help="table (text) or json."),
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    db: str | None = DB_OPTION,
    quiet: bool = QUIET_OPTION,
) -> None:
    """Check the database: integrity, schema version and snapshot counts (writes nothing). Exit 1 on a problem."""
    from chipshift.fleet import FleetStore, check_store

    use_options(quiet=quiet, catalog=[])
    out = Output.of(fmt, as_json, output)
    report = check_store(FleetStore(db).url)
    if out.json:
        out.data(report.to_dict())
    else:
        lines = [f"database: {report.database} ({report.backend})"]
        lines += [f"  ok: {fact}" for fact in report.facts]
        lines += [f"  PROBLEM: {problem}" for problem in report.problems]
        lines.append("healthy" if report.ok else f"{len(report.problems)} problem(s) found")
        out.show(*(escape(line) for line in lines))
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this engine's commands to the top-level app."""
    app.add_typer(fleet_app, name="fleet")
