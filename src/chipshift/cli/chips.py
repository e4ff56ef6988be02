"""CLI commands of the catalog: ``chipshift chips list|show|compare|classify``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from chipshift.cli.choices import ChipKind, engine_enum
from chipshift.cli.common import OutputFormat, catalog
from chipshift.cli.output import (
    CATALOG_OPTION,
    FORMAT_OPTION,
    JSON_OPTION,
    OUTPUT_OPTION,
    QUIET_OPTION,
    TableFormat,
    output_of,
)
from chipshift.cli.tables import DASH, figure_text, id_column, number_column, text_column
from chipshift.csvtext import rows_to_csv
from chipshift.errors import ChipshiftError

chips_app = typer.Typer(help="Accelerators in the catalog: list, show, compare, classify.", no_args_is_help=True)

LIST_HEADERS = {
    "bf16_tflops": "BF16 TFLOPS",
    "fp8_tflops": "FP8 TFLOPS",
    "int8_tops": "INT8 TOPS",
    "memory_gb": "memory GB",
    "memory_bw_gb_s": "memory GB/s",
    "tdp_w": "TDP W",
    "export_class": "export class",
}
"""Table headers of ``chips list`` columns, with their units (CSV and JSON keep the keys)."""
LIST_IDS = frozenset({"id", "country", "export_class"})
"""Columns of ``chips list`` that are never cut."""
LIST_TEXT = frozenset({"name", "vendor", "kind"})
"""Columns of ``chips list`` that wrap."""


@chips_app.command("list")
def list_command(
    vendor: str | None = typer.Option(None, help="Vendor name, or part of it (NVIDIA, Huawei, Cambricon)."),
    country: str | None = typer.Option(None, help="Designer country, ISO code (US, CN)."),
    kind: ChipKind | None = typer.Option(None, help="Market segment."),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """List accelerators with headline figures and the computed export class."""
    from chipshift.catalog import ChipKind as Kind
    from chipshift.catalog.views import LIST_COLUMNS, ChipFilter, list_chips

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)
    rows = list_chips(catalog(), ChipFilter(vendor, country, engine_enum(Kind, kind) if kind else None))
    if out.json:
        out.data(rows)
    elif out.format == OutputFormat.CSV:
        out.text(rows_to_csv(rows, LIST_COLUMNS))
    else:
        table = Table(title=f"{len(rows)} accelerators (dense figures; — = unknown)")
        for column in LIST_COLUMNS:
            header = LIST_HEADERS.get(column, column)
            (id_column if column in LIST_IDS else text_column if column in LIST_TEXT else number_column)(table, header)
        for row in rows:
            table.add_row(*(escape(_cell(row[c])) for c in LIST_COLUMNS))
        out.show(table)


def _cell(value: Any) -> str:
    return figure_text(value) if isinstance(value, int | float) or value is None else str(value)


@chips_app.command("show")
def show_command(
    chip_id: str = typer.Argument(..., help="Chip id, alias or name (H20, 910C, 昇腾910B)."),
    fmt: TableFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """Every field of one chip, each figure with its source, date and confidence."""
    from chipshift.catalog import classify_chip
    from chipshift.catalog.views import classification_dict

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)
    cat = catalog()
    chip = cat.chip(chip_id)
    if out.json:
        data = chip.model_dump(mode="json")
        data["export_control"] = classification_dict(classify_chip(chip))
        data["sources"] = {s: cat.sources[s].model_dump(mode="json") for s in _cited(chip) if s in cat.sources}
        out.data(data)
        return
    out.show(
        *_chip_lines(chip, cat), _figures_table(chip, cat), *_chip_facts(chip), *_classification(classify_chip(chip))
    )


def _chip_lines(chip: Any, cat: Any) -> list[str]:
    return [
        f"[bold]{escape(chip.name)}[/bold] ({chip.id})  "
        + escape(
            f"vendor {chip.vendor}, designer {chip.designer_country}, {chip.kind.value}, {chip.status.value}, "
            f"released {chip.release_year or DASH}"
        ),
        escape(
            f"aliases: {', '.join(chip.aliases) or DASH}; fab {chip.fab or DASH} ({chip.fab_country or DASH}), "
            f"process {chip.process or DASH}; stack {chip.software_stack or DASH}"
        ),
        escape(
            f"memory {chip.memory.type or DASH}; scale-up {chip.scale_up.link or DASH}; "
            f"scale-out {chip.scale_out or DASH}"
        ),
    ]


def _figures_table(chip: Any, cat: Any) -> Table:
    from chipshift.catalog.views import COMPARE_FIELDS, figure_lines

    labels = dict(COMPARE_FIELDS)
    table = Table(title="Figures (dense unless marked)")
    id_column(table, "figure")
    number_column(table, "value")
    id_column(table, "confidence")
    id_column(table, "as of")
    text_column(table, "source")
    text_column(table, "note")
    for line in figure_lines(chip, cat):
        marketed = line["field"].startswith("marketed_tops.") and line["basis"]
        table.add_row(
            escape(labels.get(line["field"], line["field"])),
            escape(figure_text(line["value"]) + (f" [{line['basis']}]" if marketed else "")),
            line["confidence"],
            escape(str(line["as_of"])),
            escape(line["source_title"] or line["source"]),
            escape(line["note"] or ""),
        )
    return table


def _chip_facts(chip: Any) -> list[str]:
    lines = []
    if chip.price:
        lines.append(
            f"price: {figure_text(chip.price.value)} {chip.price.currency} ({chip.price.as_of}, "
            f"{chip.price.confidence.value}, {chip.price.source})"
        )
    for event in chip.regulatory:
        lines.append(
            f"regulatory {event.date} {event.jurisdiction} {event.kind.value}: {event.summary} [{event.source}]"
        )
    lines.append(f"security: {security_text(chip.security)}")
    return [escape(line) for line in lines]


def security_text(security: Any) -> str:
    """What is known about a chip's trust facts, in words (``driver source partial``), or ``nothing known``."""
    parts = []
    if security.confidential_computing is not None:
        parts.append(f"confidential computing {'yes' if security.confidential_computing else 'no'}")
    for name in ("location_verification", "remote_disable"):
        if getattr(security, name):
            parts.append(f"{name.replace('_', ' ')}: {getattr(security, name)}")
    for name in ("driver_source", "firmware_source", "stack_source"):
        value = getattr(security, name)
        if value is not None:
            parts.append(f"{name.replace('_', ' ')} {value.value}")
    if not parts:
        return "nothing known"
    return "; ".join(parts) + (f" [{security.source}]" if security.source else "")


def _cited(chip: Any) -> list[str]:
    cited = [f.source for f in chip.figures().values()]
    cited += [e.source for e in chip.regulatory]
    cited += [chip.price.source] if chip.price else []
    cited += [chip.security.source] if chip.security.source else []
    return sorted(set(cited))


@chips_app.command("compare")
def compare_command(
    chip_ids: list[str] = typer.Argument(..., help="Two or more chips; ratios are to the first."),
    fmt: TableFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """Compare chips side by side, with each figure's ratio to the first chip."""
    from chipshift.catalog.views import comparison

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)
    if len(chip_ids) < 2:
        raise ChipshiftError(
            f"chips compare needs two or more chips (ratios are to the first); for one chip: chipshift chips show "
            f"{chip_ids[0]}"
        )
    cat = catalog()
    chips = [cat.chip(c) for c in chip_ids]
    rows = comparison(chips)
    if out.json:
        out.data({"chips": [c.id for c in chips], "rows": rows})
        return
    table = Table(title=escape(f"Compared to {chips[0].name} (ratio in brackets; [basis] of marketed figures)"))
    id_column(table, "figure")
    for chip in chips:
        number_column(table, chip.id)
    for row in rows:
        table.add_row(row["label"], *(escape(_compare_cell(row, cell)) for cell in row["cells"]))
    out.show(
        table, "A ratio is shown only between figures on the same basis; a marketed figure of unstated basis has none."
    )


def _compare_cell(row: dict[str, Any], cell: dict[str, Any]) -> str:
    if cell.get("upper_bound") is not None:
        return f"≤ {figure_text(cell['upper_bound'])} [bound]"
    text = _cell(cell["value"])
    if cell["value"] is None:
        return text
    if row["field"].startswith("marketed_tops.") and cell.get("basis"):
        text += f" [{cell['basis']}]"
    if cell["ratio"] is not None and row["field"] != "export_class":
        text += f" ({cell['ratio']:.2f}x)"
    return text


def _classification(result: Any) -> list[str]:
    lines = [f"[bold]export class: {escape(result.export_class.value)}[/bold]"]
    lines += [escape(f"  {line}") for line in result.working]
    if result.unknowns:
        lines.append(escape(f"  unknown figures: {', '.join(result.unknowns)}"))
    return lines


def parse_date(value: str | None, option: str = "--on") -> dt.date:
    """A YYYY-MM-DD date given on the command line (today when not given)."""
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ChipshiftError(f"{option}: expected a date YYYY-MM-DD, not '{value}'") from None


@chips_app.command("classify")
def classify_command(
    chip_id: str = typer.Argument(..., help="Chip id, alias or name."),
    on: str | None = typer.Option(None, "--on", help="Date the rules are applied on, YYYY-MM-DD (default: today)."),
    sector: str = typer.Option(
        "commercial",
        "--for",
        help="The buyer's sector: government, state-enterprise, finance, energy, telecom, transport, water, "
        "healthcare, defence-industry, research, internet, cloud, manufacturing, automotive, commercial.",
    ),
    state_funded: bool = typer.Option(False, "--state-funded", help="The project receives state funds."),
    critical_infrastructure: bool = typer.Option(
        False, "--critical-infrastructure", help="The buyer operates critical information infrastructure."
    ),
    transaction: str = typer.Option(
        "export", "--transaction", help="How the chips arrive: export (from the US), reexport, in-country-transfer."
    ),
    fmt: TableFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """Export class (ECCN 3A090) with its working, and every rule that applies on a date for a buyer, with sources."""
    from chipshift.catalog import classify_chip
    from chipshift.catalog.policy import Buyer, Sector, Transaction
    from chipshift.catalog.views import classification_dict
    from chipshift.cli.policy import buyer_report, buyer_report_lines

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)
    buyer = Buyer(
        sector=_choice(Sector, sector, "--for"),
        state_funded=state_funded,
        critical_infrastructure=critical_infrastructure,
        transaction=_choice(Transaction, transaction, "--transaction"),
    )
    chip = catalog().chip(chip_id)
    result = classify_chip(chip)
    report = buyer_report(chip, parse_date(on), buyer)
    if out.json:
        out.data({**classification_dict(result), **report})
        return
    out.show(result.chip_id, *_classification(result), *buyer_report_lines(report))


def _choice(kind: Any, value: str, option: str) -> Any:
    try:
        return kind(value.strip().lower())
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise ChipshiftError(f"{option}: '{value}' is not one of {allowed}") from None


def register(app: typer.Typer) -> None:
    """Add the ``chips`` command group."""
    app.add_typer(chips_app, name="chips")
