"""Plain rows and text for fleet output: reports, device lists and history, for tables, CSV and JSON.

Writers take plain data and return rows or text; the CLI decides where they go.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Sequence
from typing import Any

from chipshift.fleet.model import FleetDevice
from chipshift.fleet.ratios import RatioReport, Share
from chipshift.fleet.rules import Metric
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
    "pci_vendor_id",
    "pci_device_id",
    "line",
    "reason",
)
HISTORY_COLUMNS = ("taken_at", "snapshots", "devices", *(m.value for m in Metric))


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


def device_rows(devices: Sequence[FleetDevice]) -> list[dict[str, Any]]:
    """One row per device record, every column of ``DEVICE_COLUMNS``."""
    rows = []
    for device in devices:
        record = device.record
        row = {name: getattr(record, name, None) for name in DEVICE_COLUMNS}
        row.update(
            chip_id=device.chip_id,
            match_method=device.match_method.value,
            match_confidence=device.match_confidence,
            designer_country=device.designer_country,
            vendor=device.vendor,
            reason=device.reason,
        )
        if record.purchase_date is not None:
            row["purchase_date"] = record.purchase_date.isoformat()
        rows.append(row)
    return rows


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


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading quote (names come from untrusted files)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """CSV text with a header; formula-like text is neutralised."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def unmatched_summary(devices: Sequence[FleetDevice], *, limit: int = 20) -> list[str]:
    """One line per unmatched model: count, name, vendor, reason and the first lines it is on."""
    groups: dict[tuple[str, str, str], list[FleetDevice]] = {}
    for device in devices:
        key = (device.record.model or "(no name)", device.vendor or "unknown vendor", device.reason or "")
        groups.setdefault(key, []).append(device)
    lines = []
    for (model, vendor, reason), members in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:limit]:
        where = [str(d.record.line) for d in members if d.record.line][:5]
        more = ", ..." if len(members) > len(where) and where else ""
        at = f" (line {', '.join(where)}{more})" if where else ""
        lines.append(f"{sum(d.count for d in members):,} × {model} [{vendor}]: {reason}{at}")
    if len(groups) > limit:
        lines.append(f"... and {len(groups) - limit} more models; see 'chipshift fleet export'")
    return lines
