"""Fit the performance model's factors to the shipped calibration cases and write ``perf/data/fitted.yaml``.

Run after changing the model, ``efficiency.yaml`` (its priors or its ``fit`` list) or ``calibration.yaml``:

    PYTHONPATH=src python scripts/fit_perf.py            # from the current fitted values
    PYTHONPATH=src python scripts/fit_perf.py --from-priors

then ``PYTHONPATH=src python scripts/perf_error_ratios.py`` to refresh the error ratios the pipeline draws from.
The fit is Levenberg-Marquardt in log space (``chipshift.perf.fit``); it takes a few minutes.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

from chipshift.catalog import load_catalog
from chipshift.perf.cases import parse_cases
from chipshift.perf.efficiency import fitted_values
from chipshift.perf.fit import Problem, fit
from chipshift.perf.validate import calibration_file

FITTED = Path(__file__).resolve().parents[1] / "src" / "chipshift" / "perf" / "data" / "fitted.yaml"


def render(values: dict[str, float], problem: Problem, objective: float) -> str:
    """The fitted file: one line per parameter with its prior, so a reader sees how far each moved."""
    lines = [
        "# Factors fitted by scripts/fit_perf.py on perf/data/calibration.yaml (rerun it, do not edit by hand).",
        "# Each value replaces the prior in every target its parameter names in efficiency.yaml's fit list.",
        "version: 1",
        f"fitted_on: {datetime.date.today().isoformat()}",
        f"cases: {len(problem.cases)}",
        f"objective: {objective:.6f}",
        "parameters:",
    ]
    for p in problem.params:
        value = values[p.name]
        lines.append(
            f"  {p.name}: {value:.6g}  # prior {problem.prior[p.name]:g}, x{value / problem.prior[p.name]:.2f}"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from-priors", action="store_true", help="start from efficiency.yaml's priors")
    parser.add_argument("--iterations", type=int, default=8, help="Levenberg-Marquardt iterations (default 8)")
    args = parser.parse_args()
    catalog = load_catalog()
    problem = Problem.of(parse_cases(calibration_file()), catalog)
    start = dict(problem.prior)
    if not args.from_priors:
        start.update({k: v for k, v in fitted_values().items() if k in start})
    state = fit(
        problem,
        start,
        catalog,
        iterations=args.iterations,
        progress=lambda step: print(step, file=sys.stderr, flush=True),
    )
    FITTED.write_text(render(state.values, problem, problem.objective(state)), encoding="utf-8")
    print(f"wrote {FITTED} (objective {problem.objective(state):.4f})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
