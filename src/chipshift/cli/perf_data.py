"""CLI commands of the perf engine that read its data: ``validate`` (with ``--cv``) and ``models list|show``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import RenderableType

from chipshift import jsontext
from chipshift.cli.common import catalog, stderr, stdout

JSON_OPTION = typer.Option(False, "--json", help="Print JSON.")


def print_json(data: Any) -> None:
    """Plain data as JSON on stdout."""
    typer.echo(jsontext.dumps(data))


def print_renderables(renderables: RenderableType | list[RenderableType]) -> None:
    """Tables and lines on stdout."""
    for item in renderables if isinstance(renderables, list) else [renderables]:
        stdout.print(item)


def validate_command(
    file: Path | None = typer.Argument(None, help="Validation cases (SCHEMA.md format); default: the shipped set."),
    cv: bool = typer.Option(
        False,
        "--cv",
        help="Also leave-one-source-out cross-validation: refit without each source, predict its cases (about 30 s "
        "for the shipped set).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Predict published measurements and report the error of each (and, with --cv, the held-out error)."""
    from chipshift.perf import cross_validate, validate_file, validation_view

    report = validate_file(file, catalog=catalog())
    held = None
    if cv:
        with stderr.status("cross-validating") as status:
            held = cross_validate(
                file, catalog=catalog(), progress=lambda step: status.update(f"cross-validating: {step}")
            )
    if as_json:
        print_json({**report.to_dict(), **({"cross_validation": held.to_dict()} if held is not None else {})})
    else:
        print_renderables(validation_view(report, held))
    if report.summary()["predicted"] == 0:
        stderr.print("no case could be predicted")
        raise typer.Exit(1)


models_app = typer.Typer(help="Model architectures the performance model knows: list, show.", no_args_is_help=True)


@models_app.command("list")
def models_list(as_json: bool = JSON_OPTION) -> None:
    """Shipped model architectures with their size and attention kind.

    Active parameters count the embedding and LM head, as model cards do (DeepSeek-V3: 37B).
    """
    from chipshift.perf import load_model, models_view, shipped_model_ids

    models = [load_model(model_id) for model_id in shipped_model_ids()]
    if not as_json:
        print_renderables(models_view(models))
        return
    print_json(
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
    model: str = typer.Argument(..., help="Model id or a path to a config.json."), as_json: bool = JSON_OPTION
) -> None:
    """Every field of one architecture, with derived sizes."""
    from chipshift.perf import load_model, model_fields, model_view

    m = load_model(model)
    if as_json:
        print_json(model_fields(m))
    else:
        print_renderables(model_view(m))


def register(app: typer.Typer) -> None:
    """Add ``validate`` and ``models`` to the top-level app."""
    app.command("validate")(validate_command)
    app.add_typer(models_app, name="models")
