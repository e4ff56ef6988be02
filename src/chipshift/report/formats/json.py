"""JSON report: the assessment data as it is (the language only sets ``lang``)."""

from __future__ import annotations

import json
from typing import Any

from chipshift.report.i18n import Language


def write_json(data: dict[str, Any], lang: Language) -> str:
    """Indented JSON, UTF-8 characters kept."""
    return json.dumps({"lang": lang.value, **data}, indent=2, ensure_ascii=False, default=str) + "\n"
