#!/usr/bin/env python3
"""Write the JSON report's schema (``src/chipshift/report/schema/report.schema.json``) from the ReportData model.

Run after changing ``chipshift/report/model.py``; ``tests/report/test_schema.py`` fails while the file is stale.
"""

from __future__ import annotations

from pathlib import Path

from chipshift import jsontext
from chipshift.report.formats.json import json_schema

TARGET = Path(__file__).resolve().parents[1] / "src" / "chipshift" / "report" / "schema" / "report.schema.json"

if __name__ == "__main__":
    TARGET.write_text(jsontext.dumps(json_schema()) + "\n", encoding="utf-8")
    print(f"wrote {TARGET}")
