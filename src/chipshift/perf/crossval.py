"""Leave-one-source-out cross-validation: how the model does on measurements it was not fitted to.

For each independent source of a case file (a case's ``source_id``), the calibration is redone without that
source's cases and those cases are predicted with the refitted factors. The refit is the fit's own least-squares
problem linearised at the shipped calibration (:func:`chipshift.perf.fit.refit_without`): one Gauss-Newton step
without the source, which brings a factor only that source informed back to its prior. The held-out predictions
are the exact model at the refitted factors.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chipshift.catalog import Catalog, load_catalog
from chipshift.perf.cases import parse_cases
from chipshift.perf.efficiency import fitted_values
from chipshift.perf.fit import FitState, Problem, jacobian, predict, refit_without
from chipshift.perf.validate import calibration_file


@dataclass(frozen=True)
class HeldOut:
    """One case predicted by factors fitted without its source."""

    id: str
    """Case id."""
    source: str
    """The source left out."""
    measured: float
    """The published figure."""
    predicted: float | None
    """The model's figure with its source left out of the fit (None: not predicted)."""
    error: float | None
    """(predicted - measured) / measured."""


@dataclass(frozen=True)
class CrossValidation:
    """Every case predicted with its own source left out of the fit."""

    cases: list[HeldOut]
    """In file order."""
    sources: int
    """Independent sources (folds)."""

    def summary(self) -> dict[str, Any]:
        """``n``, ``predicted``, ``sources``, ``median_abs_error``, ``mape`` and ``within_1_5x`` (share of cases)."""
        errors = [abs(c.error) for c in self.cases if c.error is not None]
        ratios = [c.predicted / c.measured for c in self.cases if c.predicted is not None]
        within = sum(1 for r in ratios if 1 / 1.5 <= r <= 1.5)
        return {
            "n": len(self.cases),
            "predicted": len(errors),
            "sources": self.sources,
            "median_abs_error": statistics.median(errors) if errors else None,
            "mape": statistics.fmean(errors) if errors else None,
            "within_1_5x": within / len(ratios) if ratios else None,
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        cases = [
            {"id": c.id, "source": c.source, "measured": c.measured, "predicted": c.predicted, "error": c.error}
            for c in self.cases
        ]
        return {"cases": cases, "summary": self.summary()}


def cross_validate(
    path: Path | None = None, *, catalog: Catalog | None = None, progress: Callable[[str], None] | None = None
) -> CrossValidation:
    """Leave-one-source-out over the cases of ``path`` (the shipped calibration cases when None)."""
    cat = catalog or load_catalog()
    cases = parse_cases(path or calibration_file())
    problem = Problem.of(cases, cat)
    values = {p.name: fitted_values().get(p.name, problem.prior[p.name]) for p in problem.params}
    state = FitState(values, predict(cases, values, cat))
    jac = jacobian(problem, state, cat, progress)
    sources = sorted({c.source_key for c in cases})
    held: dict[int, HeldOut] = {}
    for source in sources:
        rows = [i for i, c in enumerate(cases) if c.source_key == source]
        if progress is not None:
            progress(f"without {source}")
        refit = refit_without(problem, state, jac, rows)
        predicted = predict(cases, refit, cat, only=rows)
        for i in rows:
            value, measured = predicted[i], cases[i].measured.value
            error = None if value is None else (value - measured) / measured
            held[i] = HeldOut(cases[i].id, source, measured, value, error)
    return CrossValidation([held[i] for i in range(len(cases))], len(sources))
