"""JSON report: the assessment data as it is (the language only sets ``lang``)."""

from __future__ import annotations

from typing import Any

from chipshift import jsontext
from chipshift.report.i18n import Language


def write_json(data: dict[str, Any], lang: Language) -> str:
    """Indented JSON, UTF-8 characters kept."""
    return jsontext.dumps({"lang": lang.value, **data}) + "\n"
