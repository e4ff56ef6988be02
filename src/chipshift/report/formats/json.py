"""JSON report: the assessment data as it is (the language only sets ``lang``)."""

from __future__ import annotations

from importlib import resources

from pydantic import JsonValue

from chipshift import jsontext
from chipshift.report.i18n import Language
from chipshift.report.model import ReportData

SCHEMA_ID = "https://chipshift.invalid/report.schema.json"
"""The schema's ``$id`` (a name, never fetched: chipshift is offline)."""


def write_json(data: ReportData, lang: Language) -> str:
    """Indented JSON, UTF-8 characters kept; it validates against ``report/schema/report.schema.json``."""
    return jsontext.dumps({"lang": lang.value, **data.model_dump(mode="json")}) + "\n"


def json_schema() -> dict[str, JsonValue]:
    """The JSON Schema (draft 2020-12) of what :func:`write_json` writes: :class:`ReportData` plus ``lang``."""
    schema: dict[str, JsonValue] = dict(ReportData.model_json_schema())
    properties = dict(schema["properties"])  # type: ignore[arg-type]
    schema["properties"] = {"lang": {"enum": [lang.value for lang in Language]}, **properties}
    schema["required"] = ["lang", *schema["required"]]  # type: ignore[misc]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def shipped_schema_text() -> str:
    """The schema file shipped in the package (``report/schema/report.schema.json``)."""
    return (resources.files("chipshift.report") / "schema" / "report.schema.json").read_text(encoding="utf-8")
