"""CLI commands of the catalog: ``chipshift chips list|show|compare|classify``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from chipshift import jsontext
from chipshift.cli.choices import ChipKind, engine_enum
from chipshift.cli.common import OutputFormat, catalog, stdout
from chipshift.csvtext import rows_to_csv
from chipshift.errors import ChipshiftError

chips_app = typer.Typer(help="Accelerators in the catalog: list, show, compare, classify.", no_args_is_help=True)

JSON_OPTION = typer.Option(False, "--json", help="Print JSON (same as --format json).")


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    return str(value)


def _print_json(data: Any) -> None:
    typer.echo(jsontext.dumps(data))


@chips_app.command("list")
def list_command(
    vendor: str | None = typer.Option(None, help="Vendor name, or part of it (NVIDIA, Huawei, Cambricon)."),
    country: str | None = typer.Option(None, help="Designer country, ISO code (US, CN)."),
    kind: ChipKind | None = typer.Option(None, help="Market segment."),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List accelerators with headline figures and the computed export class."""
    from chipshift.catalog import ChipKind as Kind
    from chipshift.catalog.views import LIST_COLUMNS, ChipFilter, list_chips

    rows = list_chips(catalog(), ChipFilter(vendor, country, engine_enum(Kind, kind) if kind else None))
    if as_json or output is OutputFormat.JSON:
        _print_json(rows)
    elif output is OutputFormat.CSV:
        typer.echo(rows_to_csv(rows, LIST_COLUMNS), nl=False)
    else:
        table = Table(title=f"{len(rows)} accelerators (dense figures; — = unknown)")
        for column in LIST_COLUMNS:
            table.add_column(
                column, justify="right" if column.endswith(("tflops", "tops", "gb", "_s", "_w")) else "left"
            )
        for row in rows:
            table.add_row(*(_fmt(row[c]) for c in LIST_COLUMNS))
        stdout.print(table)


@chips_app.command("show")
def show_command(
    chip_id: str = typer.Argument(..., help="Chip id, alias or name (H20, 910C, 昇腾910B)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Every field of one chip, each figure with its source, date and confidence."""
    from chipshift.catalog import classify_chip
    from chipshift.catalog.views import classification_dict, figure_lines

    cat = catalog()
    chip = cat.chip(chip_id)
    if as_json:
        data = chip.model_dump(mode="json")
        data["export_control"] = classification_dict(classify_chip(chip))
        data["sources"] = {s: cat.sources[s].model_dump(mode="json") for s in _cited(chip) if s in cat.sources}
        _print_json(data)
        return
    stdout.print(
        f"[bold]{chip.name}[/bold] ({chip.id})  vendor {chip.vendor}, designer {chip.designer_country}, "
        f"{chip.kind.value}, {chip.status.value}, released {chip.release_year or '—'}"
    )
    stdout.print(
        f"aliases: {', '.join(chip.aliases) or '—'}; fab {chip.fab or '—'} ({chip.fab_country or '—'}), "
        f"process {chip.process or '—'}; stack {chip.software_stack or '—'}"
    )
    stdout.print(
        f"memory {chip.memory.type or '—'}; scale-up {chip.scale_up.link or '—'}; scale-out {chip.scale_out or '—'}"
    )
    table = Table(title="Figures")
    for column in ("field", "value", "confidence", "as of", "source", "note"):
        table.add_column(column)
    for line in figure_lines(chip, cat):
        table.add_row(
            line["field"],
            escape(_fmt(line["value"]) + (f" [{line['basis']}]" if line["field"].startswith("marketed_tops.") else "")),
            line["confidence"],
            line["as_of"],
            line["source_title"] or line["source"],
            line["note"] or "",
        )
    stdout.print(table)
    if chip.price:
        stdout.print(
            f"price: {chip.price.value:,.0f} {chip.price.currency} ({chip.price.as_of}, "
            f"{chip.price.confidence.value}, {chip.price.source})"
        )
    for event in chip.regulatory:
        stdout.print(
            f"regulatory {event.date} {event.jurisdiction} {event.kind.value}: {event.summary} [{event.source}]"
        )
    stdout.print(f"security: {chip.security.model_dump(exclude_none=True) or 'nothing known'}")
    _print_classification(classify_chip(chip))


def _cited(chip: Any) -> list[str]:
    cited = [f.source for f in chip.figures().values()]
    cited += [e.source for e in chip.regulatory]
    cited += [chip.price.source] if chip.price else []
    cited += [chip.security.source] if chip.security.source else []
    return sorted(set(cited))


@chips_app.command("compare")
def compare_command(
    chip_ids: list[str] = typer.Argument(..., help="Two or more chips; ratios are to the first."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Compare chips side by side, with each figure's ratio to the first chip."""
    from chipshift.catalog.views import comparison

    cat = catalog()
    chips = [cat.chip(c) for c in chip_ids]
    rows = comparison(chips)
    if as_json:
        _print_json({"chips": [c.id for c in chips], "rows": rows})
        return
    table = Table(title=escape(f"Compared to {chips[0].name} (ratio in brackets; [basis] of marketed figures)"))
    table.add_column("figure")
    for chip in chips:
        table.add_column(chip.id, justify="right")
    for row in rows:
        table.add_row(row["label"], *(escape(_compare_cell(row, cell)) for cell in row["cells"]))
    stdout.print(table)
    stdout.print(
        "A ratio is shown only between figures on the same basis; a marketed figure of unstated basis has none."
    )


def _compare_cell(row: dict[str, Any], cell: dict[str, Any]) -> str:
    if cell.get("upper_bound") is not None:
        return f"≤ {_fmt(cell['upper_bound'])} [bound]"
    text = _fmt(cell["value"])
    if cell["value"] is None:
        return text
    if row["field"].startswith("marketed_tops.") and cell.get("basis"):
        text += f" [{cell['basis']}]"
    if cell["ratio"] is not None and row["field"] != "export_class":
        text += f" ({cell['ratio']:.2f}x)"
    return text


def _print_classification(result: Any) -> None:
    stdout.print(f"[bold]export class: {result.export_class.value}[/bold]")
    for line in result.working:
        stdout.print(escape(f"  {line}"))
    if result.unknowns:
        stdout.print(f"  unknown figures: {', '.join(result.unknowns)}")


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
    as_json: bool = JSON_OPTION,
) -> None:
    """Export class (ECCN 3A090) with its working, and every rule that applies on a date for a buyer, with sources."""
    from chipshift.catalog import classify_chip
    from chipshift.catalog.policy import Buyer, Sector, Transaction
    from chipshift.catalog.views import classification_dict
    from chipshift.cli.policy import buyer_report, print_buyer_report

    buyer = Buyer(
        sector=_choice(Sector, sector, "--for"),
        state_funded=state_funded,
        critical_infrastructure=critical_infrastructure,
        transaction=_choice(Transaction, transaction, "--transaction"),
    )
    chip = catalog().chip(chip_id)
    result = classify_chip(chip)
    report = buyer_report(chip, parse_date(on), buyer)
    if as_json:
        _print_json({**classification_dict(result), **report})
        return
    stdout.print(f"{result.chip_id}")
    _print_classification(result)
    print_buyer_report(report)


def _choice(kind: Any, value: str, option: str) -> Any:
    try:
        return kind(value.strip().lower())
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise ChipshiftError(f"{option}: '{value}' is not one of {allowed}") from None


def register(app: typer.Typer) -> None:
    """Add the ``chips`` command group."""
    app.add_typer(chips_app, name="chips")
