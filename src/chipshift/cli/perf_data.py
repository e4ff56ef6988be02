"""CLI commands of the perf engine that read its data: ``validate`` (with ``--cv``) and ``models list|show``, and
what every perf command shares to hand out its result."""

from __future__ import annotations

import itertools
from pathlib import Path

import typer
from rich.console import RenderableType

from chipshift.cli.common import catalog
from chipshift.cli.output import (
    CATALOG_OPTION,
    FORMAT_OPTION,
    JSON_OPTION,
    OUTPUT_OPTION,
    QUIET_OPTION,
    Output,
    TableFormat,
    note,
    output_of,
)
from chipshift.cli.progress import StepProgress


def show(out: Output, renderables: RenderableType | list[RenderableType]) -> None:
    """Hand out a view (one renderable or several)."""
    out.show(*(renderables if isinstance(renderables, list) else [renderables]))


def validate_command(
    file: Path | None = typer.Argument(None, help="Validation cases (SCHEMA.md format); default: the shipped set."),
    cv: bool = typer.Option(
        False,
        "--cv",
        help="Also leave-one-source-out cross-validation: refit without each source, predict its cases (about 30 s "
        "for the shipped set).",
    ),
    fmt: TableFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """Predict published measurements and report the error of each (and, with --cv, the held-out error)."""
    from chipshift.perf import cross_validate, validate_file, validation_view

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)

    with StepProgress("validate", "cases") as progress:
        report = validate_file(file, catalog=catalog(), progress=progress.update)
    held = None
    if cv:
        with StepProgress("cross-validate", "sources left out") as progress:
            left_out = itertools.count(1)
            held = cross_validate(file, catalog=catalog(), progress=lambda _source: progress.update(next(left_out)))
    if out.json:
        out.data({**report.to_dict(), **({"cross_validation": held.to_dict()} if held is not None else {})})
    else:
        show(out, validation_view(report, held))
    if report.summary()["predicted"] == 0:
        note("no case could be predicted")
        raise typer.Exit(1)


models_app = typer.Typer(help="Model architectures the performance model knows: list, show.", no_args_is_help=True)


@models_app.command("list")
def models_list(
    fmt: TableFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """Shipped model architectures with their size and attention kind.

    Active parameters count the embedding and LM head, as model cards do (DeepSeek-V3: 37B).
    """
    from chipshift.perf import load_model, models_view, shipped_model_ids

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)

    models = [load_model(model_id) for model_id in shipped_model_ids()]
    if not out.json:
        show(out, models_view(models))
        return
    out.data(
        [
            {
                "id": m.id,
                "name": m.name,
                "total_params_b": round(m.total_params / 1e9, 1),
                "active_params_b": round(m.active_params_published / 1e9, 1),
                "attention": m.attention.value,
                "moe": m.is_moe,
                "source": m.source,
            }
            for m in models
        ]
    )


@models_app.command("show")
def models_show(
    model: str = typer.Argument(..., help="Model id or a path to a config.json."),
    fmt: TableFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """Every field of one architecture, with derived sizes."""
    from chipshift.perf import load_model, model_fields, model_view

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)

    m = load_model(model)
    if out.json:
        out.data(model_fields(m))
    else:
        show(out, model_view(m))


def register(app: typer.Typer) -> None:
    """Add ``validate`` and ``models`` to the top-level app."""
    app.command("validate")(validate_command)
    app.add_typer(models_app, name="models")
