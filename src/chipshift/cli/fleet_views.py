"""How ``chipshift fleet`` prints its results: the status and targets tables, the lines under them, and each
ingested file's outcome as plain data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table

from chipshift.cli.tables import id_column, number_column, text_column

if TYPE_CHECKING:  # the engine (SQLAlchemy) is imported by the commands that use it
    from chipshift.fleet import IngestResult, Metric, RatioReport
    from chipshift.fleet.views import Breakdown


def result_dict(result: IngestResult) -> dict[str, Any]:
    """One file's outcome as plain data (``ingest --json``)."""
    return {
        "file": result.name,
        "outcome": result.outcome.value,
        "format": result.format,
        "snapshot_id": result.snapshot.id if result.snapshot else None,
        "devices": result.device_count,
        "unmatched": result.unmatched_count,
        "merged": result.merged_count,
        "in_other_sources": result.in_other_sources,
        "problems": [p.describe(result.name) for p in result.problems]
        + ([result.error.message] if result.error else []),
        "warnings": [w.describe(result.name) for w in result.warnings],
        "note": result.note,
    }


def status_table(report: RatioReport, breakdown: Breakdown, shown: list[Metric]) -> Table:
    """The domestic share of each group in every metric shown, with its unit in the header."""
    from chipshift.fleet.views import metric_header, status_rows

    table = Table(title=f"Domestic share (rule: {report.rule.describe()}; value in {report.currency})")
    id_column(table, breakdown.value.replace("_", " "))
    number_column(table, "devices")
    for metric in shown:
        number_column(table, metric_header(metric))
    number_column(table, "status unknown")
    for row in status_rows(report, breakdown):
        table.add_row(
            str(row["group"]),
            f"{row['devices']:,.0f}",
            *("—" if row[m.value] is None else f"{row[m.value] * 100:.1f}%" for m in shown),
            f"{row['unknown_status_devices']:,}",
        )
    return table


def targets_table(report: RatioReport) -> Table:
    """Each target of the targets file and where the fleet stands against it."""
    from chipshift.fleet.views import METRIC_LABELS, percent

    table = Table(title="Targets")
    text_column(table, "target")
    text_column(table, "scope")
    id_column(table, "metric")
    id_column(table, "by")
    number_column(table, "needed")
    number_column(table, "now")
    id_column(table, "met")
    for check in report.targets:
        met = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "unknown"}[check.met]
        table.add_row(
            check.target.name,
            check.target.scope.describe(),
            METRIC_LABELS[check.target.metric],
            str(check.target.by),
            f"{check.target.min_share * 100:.0f}%",
            percent(check.share),
            met,
        )
    return table


def status_lines(report: RatioReport, shown: list[Metric]) -> list[str]:
    """What the shares are shares of, the devices each leaves out, the consolidation ratios and unmatched devices."""
    from chipshift.fleet.views import METRIC_LABELS, metric_bases

    lines = [f"shares of: {metric_bases(report, shown)}"]
    for metric in shown:
        share = report.overall[metric]
        if share.unknown_devices:
            lines.append(
                f"{METRIC_LABELS[metric]}: {share.unknown_devices:,} device(s) left out (figure or status unknown)"
            )
    lines += [f"consolidation: {sentence}" for sentence in report.consolidation]
    if report.unmatched_count:
        lines.append(f"{report.unmatched_count:,} device(s) not in the catalog: see 'chipshift fleet export'")
    return lines
