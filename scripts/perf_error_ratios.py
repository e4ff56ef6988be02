"""Regenerate ``src/chipshift/perf/data/error_ratios.json`` from ``chipshift validate --cv``.

Run after ``scripts/fit_perf.py`` (or any change to the model or its data):

    PYTHONPATH=src python scripts/perf_error_ratios.py

The file holds, per calibration case, the measured figure, the in-sample prediction and the prediction with the
case's source left out of the fit; ``chipshift.perf.capacity_error_ratios()`` reads it. ``tests/perf`` checks it
is current (same data fingerprint, same in-sample predictions).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from chipshift.catalog import load_catalog
from chipshift.perf.cases import parse_cases
from chipshift.perf.crossval import cross_validate
from chipshift.perf.model_error import ERROR_FILE, data_fingerprint
from chipshift.perf.validate import calibration_file, validate_file

TARGET = Path(__file__).resolve().parents[1] / "src" / "chipshift" / "perf" / "data" / ERROR_FILE


def main() -> int:
    catalog = load_catalog()
    cases = {c.id: c for c in parse_cases(calibration_file())}
    report = validate_file(catalog=catalog)
    held = {c.id: c for c in cross_validate(catalog=catalog, progress=lambda s: print(s, file=sys.stderr)).cases}
    rows = [
        {
            "id": c.id,
            "phase": cases[c.id].phase.value,
            "metric": c.metric,
            "source": cases[c.id].source_key,
            "measured": c.measured,
            "in_sample": c.predicted,
            "held_out": held[c.id].predicted,
        }
        for c in report.cases
    ]
    data = {
        "generated_by": "scripts/perf_error_ratios.py (chipshift validate --cv on perf/data/calibration.yaml)",
        "fingerprint": data_fingerprint(),
        "cases": rows,
    }
    TARGET.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {TARGET}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
