"""The JSON report's written contract: the shipped JSON Schema matches the model, and real output validates."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from typer.testing import CliRunner

from chipshift import jsontext
from chipshift.cli.main import app
from chipshift.report import Language, ReportData, ReportFormat, render
from chipshift.report.formats.json import json_schema, shipped_schema_text


def test_the_shipped_schema_is_the_models() -> None:
    # Regenerate with scripts/report_schema.py after changing chipshift/report/model.py.
    assert json.loads(shipped_schema_text()) == json.loads(jsontext.dumps(json_schema()))


def test_the_example_report_validates_in_both_languages(example_data: ReportData) -> None:
    schema = json.loads(shipped_schema_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for lang in Language:
        jsonschema.validate(json.loads(render(example_data, ReportFormat.JSON, lang)), schema)


def test_the_schema_refuses_what_the_model_refuses(example_data: ReportData) -> None:
    document = json.loads(render(example_data, ReportFormat.JSON))
    document["plan"]["status"] = 3
    errors = jsonschema.Draft202012Validator(json.loads(shipped_schema_text())).iter_errors(document)
    worst = jsonschema.exceptions.best_match(errors)
    assert worst is not None and list(worst.absolute_path) == ["plan", "status"]


def test_assess_format_json_validates(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["assess", "--example", "--format", "json", "--out", str(target), "-q"])
    assert result.exit_code == 0, result.stderr
    jsonschema.validate(json.loads(target.read_text(encoding="utf-8")), json.loads(shipped_schema_text()))
