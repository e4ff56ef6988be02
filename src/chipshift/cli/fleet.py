"""CLI of the fleet engine: ``chipshift fleet ingest|status|history|export``.

Results go to stdout (tables, JSON, CSV); progress, unmatched devices and problems go to stderr. ``ingest`` exits
with 2 when any file was refused or unreadable (the others are still stored).
"""

from __future__ import annotations

import enum
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from chipshift.cli.common import OutputFormat, catalog, stdout
from chipshift.errors import ChipshiftError
from chipshift.fleet import (
    DomesticBasis,
    DomesticRule,
    FleetPolicy,
    FleetStore,
    IngestOutcome,
    IngestResult,
    Metric,
    RatioReport,
    compute_ratios,
    load_policy,
)
from chipshift.fleet.local import collect_local
from chipshift.fleet.views import (
    DEVICE_COLUMNS,
    HISTORY_COLUMNS,
    Breakdown,
    device_rows,
    history_rows,
    percent,
    snapshot_dict,
    status_rows,
    to_csv,
    unmatched_summary,
)

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
    policy = load_policy(targets) if targets else FleetPolicy()
    if basis is None and not countries:
        return policy
    rule = DomesticRule(
        basis=basis or policy.rule.basis,
        countries=tuple(c.upper() for c in countries) if countries else policy.rule.countries,
    )
    return policy.model_copy(update={"rule": rule})


def _parse_when(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ChipshiftError(f"--when must be an ISO date or date-time (2026-03-31), not '{text}'") from None


def _as_of(text: str | None) -> date | datetime | None:
    """A date means the end of that day; a date-time is taken as given."""
    if text is not None and len(text) == len("2026-01-31"):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    return _parse_when(text)


def _report_result(result: IngestResult) -> bool:
    read, name = result.read, str(result.read.path)
    if result.outcome is IngestOutcome.REFUSED:
        stderr.print(f"[red]refused[/red] {name}: {len(result.problems)} bad line(s), nothing stored")
        for problem in result.problems[:20]:
            stderr.print(f"  {problem.describe(name)}", markup=False, highlight=False)
        return False
    word = "stored" if result.outcome is IngestOutcome.STORED else "already stored"
    snapshot = result.snapshot
    stderr.print(
        f"{word} {name} ({read.format}): {read.device_count} device(s), "
        f"{sum(d.count for d in read.unmatched)} unmatched, snapshot {snapshot.id if snapshot else '?'}"
    )
    for line in unmatched_summary(read.unmatched):
        stderr.print(f"  unmatched {line}", markup=False, highlight=False)
    return True


def _ingest_one(store: FleetStore, name: str, data: bytes | None, options: dict[str, Any]) -> bool:
    try:
        result = store.ingest(Path(name), **options) if data is None else store.ingest_bytes(name, data, **options)
    except ChipshiftError as error:
        stderr.print(f"[red]error[/red]: {error.message}", highlight=False)
        return False
    return _report_result(result)


@fleet_app.command("ingest")
def ingest_command(
    files: list[str] = typer.Argument(None, help="Inventory files (any supported format); '-' reads stdin."),
    site: str | None = typer.Option(None, help="Site of devices the file does not place."),
    when: str | None = typer.Option(None, help="When the inventory was taken (ISO date; default now)."),
    source: str | None = typer.Option(
        None,
        help="Source name (default: the one host the inventory names, else the file's name without its folder). "
        "A newer snapshot with the same site and source replaces the older one in status and ratios.",
    ),
    encoding: str | None = typer.Option(None, help="Text encoding when not UTF-8 (gb18030 for Chinese Excel CSV)."),
    local: bool = typer.Option(False, "--local", help="Run this machine's vendor tools (read-only) and ingest."),
    db: str | None = DB_OPTION,
) -> None:
    """Read inventories, match devices to the catalog and store each file as one snapshot."""
    if not files and not local:
        raise ChipshiftError("give inventory files, '-' for stdin, or --local")
    store, cat = FleetStore(db), catalog()
    options: dict[str, Any] = {
        "site": site,
        "when": _parse_when(when),
        "catalog": cat,
        "encoding": encoding,
        "source": source,
    }
    inputs: list[tuple[str, bytes | None]] = [
        ("-", sys.stdin.buffer.read()) if f == "-" else (f, None) for f in files or []
    ]
    if local:
        inputs += [(output.name, output.data) for output in collect_local()]
    results = [_ingest_one(store, name, data, options) for name, data in inputs]
    store.close()
    if not all(results):
        raise typer.Exit(2)


def _status_table(report: RatioReport, breakdown: Breakdown) -> Table:
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
            to_csv(status_rows(report, by), ["group", "devices", *(m.value for m in Metric), "unknown_status_devices"]),
            nl=False,
        )
    else:
        stdout.print(_status_table(report, by))
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
    """Every device of the current fleet (or one snapshot), matched or not, with where it came from."""
    store = FleetStore(db)
    moment = _as_of(as_of)
    devices = store.devices(snapshot) if snapshot is not None else store.fleet(moment)
    if snapshot is None:
        snapshots = store.current_snapshots(moment)
    else:
        snapshots = [s for s in store.snapshots() if s.id == snapshot]
    store.close()
    rows = device_rows(devices)
    if output is ExportFormat.JSON:
        _json({"snapshots": [snapshot_dict(s) for s in snapshots], "devices": rows})
    else:
        typer.echo(to_csv(rows, DEVICE_COLUMNS), nl=False)


def register(app: typer.Typer) -> None:
    """Add this engine's commands to the top-level app."""
    app.add_typer(fleet_app, name="fleet")
