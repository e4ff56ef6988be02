"""Plain rows and text for fleet output: reports, device lists and history, for tables, CSV and JSON.

Writers take plain data and return rows or text; the CLI decides where they go.
"""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from chipshift.csvtext import neutralise, rows_to_csv
from chipshift.fleet.ratios import RatioReport, Share
from chipshift.fleet.rules import METRIC_UNITS, Metric
from chipshift.fleet.store import HistoryPoint, SnapshotInfo


class Breakdown(enum.StrEnum):
    """How a status report is split."""

    OVERALL = "overall"
    SITE = "site"
    SECTOR = "sector"
    BUSINESS_UNIT = "business_unit"


DEVICE_COLUMNS = (
    "site",
    "sector",
    "business_unit",
    "host",
    "model",
    "vendor",
    "chip_id",
    "match_method",
    "match_confidence",
    "designer_country",
    "count",
    "memory_mib",
    "power_limit_w",
    "mig_instances",
    "price",
    "currency",
    "purchase_date",
    "uuid",
    "bus_id",
    "slot",
    "pci_vendor_id",
    "pci_device_id",
    "line",
    "reason",
    "identity",
    "snapshot_id",
    "source",
)
"""Columns of ``fleet export``: the device as read and matched, its identity key, and where it came from."""
HISTORY_COLUMNS = ("taken_at", "snapshots", "devices", *(m.value for m in Metric))
METRIC_LABELS = {
    Metric.COUNT: "count",
    Metric.EQUIVALENT_COUNT: "equivalent count",
    Metric.COMPUTE: "compute",
    Metric.EDGE_COMPUTE: "edge compute",
    Metric.MEMORY: "memory",
    Metric.VALUE: "value",
    Metric.POWER: "power",
}
"""How a table heads each metric (CSV and JSON keep the metric's value)."""


def metric_header(metric: Metric) -> str:
    """A metric's table header: its label and the unit of its figures, a domestic share (``compute % BF16``)."""
    basis = {Metric.COMPUTE: " BF16", Metric.EDGE_COMPUTE: " INT8"}.get(metric, "")
    return f"{METRIC_LABELS[metric]} %{basis}"


def metric_bases(report: RatioReport, shown: Iterable[Metric]) -> str:
    """What each shown share is a share of: ``count: devices; compute: dense BF16/FP16 TFLOPS; ...``."""
    edge = " (automotive and edge chips)"
    return "; ".join(
        f"{METRIC_LABELS[m]}: {report.currency if m is Metric.VALUE else METRIC_UNITS[m]}"
        + (edge if m is Metric.EDGE_COMPUTE else "")
        for m in shown
    )


def used_metrics(report: RatioReport) -> list[Metric]:
    """Metrics that apply to at least one device of the fleet (edge compute only with automotive chips)."""
    return [m for m in Metric if report.overall[m].total > 0 or report.overall[m].unknown_devices > 0]


def percent(share: Share | None) -> str:
    """``63.2%``, or ``—`` when unknown."""
    ratio = None if share is None else share.ratio
    return "—" if ratio is None else f"{ratio * 100:.1f}%"


def breakdown_of(report: RatioReport, breakdown: Breakdown) -> dict[str, dict[Metric, Share]]:
    """The groups of a report for one breakdown."""
    return {
        Breakdown.OVERALL: {"fleet": report.overall},
        Breakdown.SITE: report.by_site,
        Breakdown.SECTOR: report.by_sector,
        Breakdown.BUSINESS_UNIT: report.by_business_unit,
    }[breakdown]


def status_rows(report: RatioReport, breakdown: Breakdown) -> list[dict[str, Any]]:
    """One row per group: the domestic share of every metric and the devices whose status is unknown."""
    rows = []
    for group, shares in breakdown_of(report, breakdown).items():
        row: dict[str, Any] = {
            "group": group,
            "devices": shares[Metric.COUNT].total + shares[Metric.COUNT].unknown_devices,
        }
        row.update({metric.value: shares[metric].ratio for metric in Metric})
        row["unknown_status_devices"] = shares[Metric.COUNT].unknown_devices
        rows.append(row)
    return rows


def export_records(rows: Iterable[tuple[Any, ...]], columns: Sequence[str]) -> Iterator[dict[str, Any]]:
    """One dict per exported device row, in ``DEVICE_COLUMNS`` order, dates as ISO text.

    A row holds the store's ``columns`` (the identity key as ``device_key``), then the snapshot id and source name.
    """
    at = {name: i for i, name in enumerate(columns)}
    at.update(identity=at["device_key"], snapshot_id=len(columns), source=len(columns) + 1)
    picks = [at[name] for name in DEVICE_COLUMNS]
    date_at = DEVICE_COLUMNS.index("purchase_date")
    for row in rows:
        values = [row[i] for i in picks]
        if values[date_at] is not None and not isinstance(values[date_at], str):
            values[date_at] = values[date_at].isoformat()
        yield dict(zip(DEVICE_COLUMNS, values, strict=True))


def export_csv(rows: Iterable[tuple[Any, ...]], columns: Sequence[str], *, chunk: int = 5000) -> Iterator[str]:
    """CSV text of exported rows in pieces of ``chunk`` rows (header first); formula-like text is neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DEVICE_COLUMNS)
    for count, record in enumerate(export_records(rows, columns), start=1):
        writer.writerow([neutralise(value) for value in record.values()])
        if count % chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_json(
    snapshots: Sequence[SnapshotInfo], rows: Iterable[tuple[Any, ...]], columns: Sequence[str]
) -> Iterator[str]:
    """JSON text ``{"snapshots": [...], "devices": [...]}`` in pieces, one device at a time."""
    head = json.dumps([snapshot_dict(s) for s in snapshots], ensure_ascii=False, indent=2, default=str)
    yield '{\n"snapshots": ' + head + ',\n"devices": ['
    for count, record in enumerate(export_records(rows, columns)):
        yield ("," if count else "") + "\n" + json.dumps(record, ensure_ascii=False, default=str)
    yield "\n]\n}\n"


def history_rows(points: Sequence[HistoryPoint]) -> list[dict[str, Any]]:
    """One row per point in time: the overall domestic share of every metric."""
    return [
        {
            "taken_at": p.taken_at.isoformat(timespec="seconds"),
            "snapshots": len(p.snapshot_ids),
            "devices": p.report.device_count,
            **{m.value: p.report.overall[m].ratio for m in Metric},
        }
        for p in points
    ]


def snapshot_dict(snapshot: SnapshotInfo) -> dict[str, Any]:
    """Plain data of a snapshot."""
    data = dict(snapshot.__dict__)
    data["taken_at"] = snapshot.taken_at.isoformat(timespec="seconds")
    data["ingested_at"] = snapshot.ingested_at.isoformat(timespec="seconds")
    return data


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """CSV text with a header; formula-like text is neutralised."""
    return rows_to_csv(rows, columns)
