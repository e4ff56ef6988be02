"""Calibration: the factors of ``efficiency.yaml``'s ``fit`` list that make the model match the published cases.

The fit works in log space. A case's residual is ``log(predicted / measured) / CASE_SIGMA`` (weighted by the case's
confidence); a parameter's is ``log(value / prior) / sigma``, so the data must pull hard to move a factor far from
what its source says. Damped Gauss-Newton steps (Levenberg-Marquardt) minimise the sum of squares; the Jacobian
comes from finite differences, re-running only the cases a parameter can affect (its chip, its stack). Factors are
per chip, precision and stack, never per case: the model never sees a case id.

:func:`refit_without` is the same least-squares problem, linearised at the full fit, with some cases left out: the
step that leave-one-source-out cross-validation takes (:mod:`chipshift.perf.crossval`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from chipshift.catalog import Catalog
from chipshift.errors import ChipshiftError
from chipshift.perf.cases import Case, Phase
from chipshift.perf.efficiency import FitParameter, build_efficiencies, using
from chipshift.perf.validate import predict_case

FloatArray = npt.NDArray[np.float64]

CONFIDENCE_WEIGHT = {"high": 1.0, "medium": 0.8, "low": 0.5}
"""Weight of a case's residual by how firm its published figure and conditions are."""

STEP = 0.04
"""Finite-difference step of a parameter in log space (about 4%)."""

CASE_SIGMA = 0.1
"""The error a case is expected to keep however well the factors fit, in log space (about 10%): it scales a case's
residual against the priors' widths, so several cases agreeing on a 10% shift outweigh a prior of width 0.15."""


@dataclass(frozen=True)
class FitState:
    """Parameter values with the predictions they give."""

    values: dict[str, float]
    """By parameter name."""
    predicted: list[float | None]
    """Per case (None: the model cannot predict it)."""


def parameters() -> list[FitParameter]:
    """The fitted parameters, from ``efficiency.yaml``."""
    return list(build_efficiencies().fit)


def priors(params: Sequence[FitParameter]) -> dict[str, float]:
    """Each parameter's prior: the value its first target holds in ``efficiency.yaml``."""
    raw = build_efficiencies().model_dump()
    found = {}
    for p in params:
        node: Any = raw
        for key in p.targets[0].split("."):
            node = node[key]
        found[p.name] = float(node)
    return found


def _case_keys(case: Case, catalog: Catalog) -> set[tuple[str, str]]:
    """The (section, id) pairs of ``efficiency.yaml`` a case's prediction reads."""
    chip = catalog.chip(case.hardware.chip).id
    eff = build_efficiencies()
    keys = {("chips", chip)} if chip in eff.chips else {("defaults", "")}
    if case.phase is Phase.TRAINING:
        stack = case.stack if case.stack in eff.training_stacks else "other"
        keys.add(("training_stacks", stack))
    else:
        stack = case.stack if case.stack in eff.stacks else "other"
        keys.add(("stacks", stack))
    keys.add(("moe_imbalance", ""))
    return keys


def _section_key(target: str) -> tuple[str, str]:
    """``chips.nvidia-h20.memory`` -> ``("chips", "nvidia-h20")``; ``defaults.memory`` -> ``("defaults", "")``."""
    parts = target.split(".")
    return (parts[0], "") if parts[0] in {"defaults", "moe_imbalance"} else (parts[0], parts[1])


def dependencies(cases: Sequence[Case], params: Sequence[FitParameter], catalog: Catalog) -> list[list[int]]:
    """For each parameter, the indexes of the cases it can affect."""
    keys = [_case_keys(case, catalog) for case in cases]
    found = []
    for p in params:
        targets = {_section_key(t) for t in p.targets}
        found.append([i for i, k in enumerate(keys) if k & targets])
    return found


def predict(
    cases: Sequence[Case], values: Mapping[str, float], catalog: Catalog, only: Sequence[int] | None = None
) -> list[float | None]:
    """The model's value for each case (or for the cases ``only`` lists; the others are None) with ``values``."""
    wanted = range(len(cases)) if only is None else only
    out: list[float | None] = [None] * len(cases)
    with using(build_efficiencies(values)):
        for i in wanted:
            try:
                out[i] = float(predict_case(cases[i], catalog))
            except ChipshiftError:
                out[i] = None
    return out


@dataclass(frozen=True)
class Problem:
    """The least-squares problem: cases, parameters and priors."""

    cases: list[Case]
    params: list[FitParameter]
    prior: dict[str, float]
    deps: list[list[int]]

    @classmethod
    def of(cls, cases: Sequence[Case], catalog: Catalog) -> Problem:
        """The problem over ``cases`` with the shipped parameter list."""
        params = parameters()
        return cls(list(cases), params, priors(params), dependencies(cases, params, catalog))

    def weights(self) -> FloatArray:
        """Each case's weight."""
        return np.array([CONFIDENCE_WEIGHT[c.confidence] for c in self.cases])

    def case_residuals(self, predicted: Sequence[float | None]) -> FloatArray:
        """Weighted log errors (0 where the case is not predicted)."""
        logs = [
            0.0 if p is None or p <= 0 else math.log(p / c.measured.value)
            for p, c in zip(predicted, self.cases, strict=True)
        ]
        return np.array(logs) * self.weights() / CASE_SIGMA

    def prior_residuals(self, values: Mapping[str, float]) -> FloatArray:
        """``log(value / prior) / sigma`` per parameter."""
        return np.array([math.log(values[p.name] / self.prior[p.name]) / p.sigma for p in self.params])

    def objective(self, state: FitState) -> float:
        """Sum of squared residuals, cases and priors."""
        r = self.case_residuals(state.predicted)
        q = self.prior_residuals(state.values)
        return float(r @ r + q @ q)

    def clamp(self, values: Mapping[str, float]) -> dict[str, float]:
        """Values inside each parameter's bounds."""
        return {p.name: min(max(values[p.name], p.min), p.max) for p in self.params}


def jacobian(
    problem: Problem, state: FitState, catalog: Catalog, progress: Callable[[str], None] | None = None
) -> FloatArray:
    """d(weighted log error) / d(log parameter), by one-sided finite differences on the cases each parameter affects."""
    base = problem.case_residuals(state.predicted)
    jac = np.zeros((len(problem.cases), len(problem.params)))
    for j, p in enumerate(problem.params):
        if progress is not None:
            progress(p.name)
        sign = -1.0 if state.values[p.name] * math.exp(STEP) > p.max else 1.0
        moved = dict(state.values)
        moved[p.name] = state.values[p.name] * math.exp(sign * STEP)
        rows = problem.deps[j]
        shifted = predict(problem.cases, moved, catalog, only=rows)
        merged = [shifted[i] if i in rows else state.predicted[i] for i in range(len(problem.cases))]
        jac[:, j] = (problem.case_residuals(merged) - base) / (sign * STEP)
    return jac


def gauss_newton_step(
    problem: Problem, state: FitState, jac: FloatArray, keep: FloatArray, damping: float
) -> dict[str, float]:
    """The damped Gauss-Newton step from ``state`` over the cases ``keep`` marks (1 kept, 0 left out)."""
    r = problem.case_residuals(state.predicted) * keep
    j = jac * keep[:, None]
    sigma = np.array([p.sigma for p in problem.params])
    q = problem.prior_residuals(state.values)
    lhs = j.T @ j + np.diag(1.0 / sigma**2) + damping * np.eye(len(sigma))
    rhs = -(j.T @ r + q / sigma)
    delta = np.linalg.solve(lhs, rhs)
    values = {p.name: state.values[p.name] * math.exp(float(d)) for p, d in zip(problem.params, delta, strict=True)}
    return problem.clamp(values)


def refit_without(problem: Problem, state: FitState, jac: FloatArray, left_out: Sequence[int]) -> dict[str, float]:
    """Parameter values refitted without the ``left_out`` cases: one Gauss-Newton step of the linearised problem
    from the full fit (exact for a model linear in log space, close to a full refit near the optimum)."""
    keep = np.ones(len(problem.cases))
    keep[list(left_out)] = 0.0
    return gauss_newton_step(problem, state, jac, keep, 0.0)


def fit(
    problem: Problem,
    start: Mapping[str, float],
    catalog: Catalog,
    *,
    iterations: int = 8,
    progress: Callable[[str], None] | None = None,
) -> FitState:
    """Levenberg-Marquardt from ``start``: each step is accepted only when the exact objective falls."""
    values = problem.clamp(start)
    state = FitState(values, predict(problem.cases, values, catalog))
    damping = 1.0
    for iteration in range(iterations):
        jac = jacobian(problem, state, catalog, progress)
        keep = np.ones(len(problem.cases))
        for _ in range(6):
            trial_values = gauss_newton_step(problem, state, jac, keep, damping)
            trial = FitState(trial_values, predict(problem.cases, trial_values, catalog))
            if problem.objective(trial) < problem.objective(state):
                state, damping = trial, damping / 3
                break
            damping *= 4
        else:
            break
        if progress is not None:
            progress(f"iteration {iteration + 1}: objective {problem.objective(state):.4f}")
    return state
