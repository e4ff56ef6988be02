"""Weights (direct or AHP), TOPSIS and weighted-sum rankings with pymcdm, and their sensitivity to the weights."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from pymcdm.methods import TOPSIS, WSM
from pymcdm.normalizations import vector_normalization
from pymcdm.weights.subjective import AHP

from chipshift.decide.criteria import Criterion, DecisionMatrix, Dimension
from chipshift.errors import ChipshiftError

DIMENSIONS: tuple[Dimension, ...] = tuple(Dimension)
SENSITIVITY_STEPS = 101


@dataclass(frozen=True)
class DimensionWeights:
    """Weights of the four dimensions, summing to 1, and how they were obtained."""

    weights: dict[Dimension, float]
    method: str
    """``direct`` or ``ahp``."""
    consistency_ratio: float | None = None
    """AHP consistency ratio (below 0.1 is consistent)."""


def direct_weights(given: dict[Dimension, float]) -> DimensionWeights:
    """Normalise weights the user gave."""
    total = sum(given.values())
    if total <= 0:
        raise ChipshiftError("weights: at least one dimension needs a weight above 0")
    return DimensionWeights({d: given.get(d, 0.0) / total for d in DIMENSIONS}, "direct")


def ahp_weights(matrix: list[list[float]] | None, ranking: list[int] | None) -> DimensionWeights:
    """Weights by AHP (pymcdm) from a 4x4 pairwise matrix or a ranking of the dimensions."""
    if matrix is not None:
        if np.shape(matrix) != (4, 4):
            raise ChipshiftError("weights.ahp.matrix must be 4x4 (technology, ecosystem, commercial, strategic)")
        ahp = AHP(matrix=np.array(matrix, dtype=float))
    else:
        if ranking is None or len(ranking) != 4:
            raise ChipshiftError("weights.ahp.ranking must give 4 ranks (technology, ecosystem, commercial, strategic)")
        ahp = AHP(ranking=np.array(ranking))
    values = np.asarray(ahp(), dtype=float)
    return DimensionWeights(dict(zip(DIMENSIONS, values.tolist(), strict=True)), "ahp", float(ahp.get_cr()))


@dataclass(frozen=True)
class Ranking:
    """Scores and ranks of the candidates under one method."""

    method: str
    scores: dict[str, float]
    """Preference, higher is better."""
    order: list[str]
    """Candidate ids, best first."""


@dataclass(frozen=True)
class WeightRange:
    """Range of one dimension's weight (others scaled to fill the rest) within which the top candidate holds."""

    dimension: Dimension
    weight: float
    low: float
    high: float
    top: str
    """Top candidate at the given weights."""
    below: str | None
    """Who takes the top just below ``low`` (None when ``low`` is 0)."""
    above: str | None
    """Who takes the top just above ``high`` (None when ``high`` is 1)."""


def active_criteria(matrix: DecisionMatrix) -> list[int]:
    """Columns that tell candidates apart (a constant column carries no information and breaks normalisation)."""
    spread = np.ptp(matrix.values, axis=0) if len(matrix.ids) else np.zeros(len(matrix.criteria))
    return [
        i for i in range(len(matrix.criteria)) if spread[i] > 1e-12 * max(1.0, float(np.abs(matrix.values[:, i]).max()))
    ]


def criterion_weights(criteria: list[Criterion], columns: list[int], dims: dict[Dimension, float]) -> np.ndarray:
    """Each dimension's weight shared equally by its active criteria; dimensions with none drop out."""
    per_dim = {d: [i for i in columns if criteria[i].dimension is d] for d in DIMENSIONS}
    live = {d: w for d, w in dims.items() if per_dim[d] and w > 0}
    total = sum(live.values()) or 1.0
    weights = np.zeros(len(columns))
    for d, w in live.items():
        for i in per_dim[d]:
            weights[columns.index(i)] = w / total / len(per_dim[d])
    return weights


def rank(matrix: DecisionMatrix, dims: dict[Dimension, float], method: str = "topsis") -> Ranking:
    """Rank the candidates by TOPSIS or weighted sum, vector-normalised (x / |x|; 1 - x / |x| for a cost).

    Min-max normalisation over the candidates would hide a change in an input that does not move the best or the
    worst value (the H200's security risk rising from 0.5 to 0.9 changed no score); vector normalisation never does.
    """
    ids = matrix.ids
    if len(ids) < 2:
        return Ranking(method, dict.fromkeys(ids, 1.0), list(ids))
    columns = active_criteria(matrix)
    if not columns:
        return Ranking(method, dict.fromkeys(ids, 1.0), list(ids))
    weights = criterion_weights(matrix.criteria, columns, dims)
    if weights.sum() <= 0:
        return Ranking(method, dict.fromkeys(ids, 1.0), list(ids))
    types = np.array([1 if matrix.criteria[i].benefit else -1 for i in columns])
    values = matrix.values[:, columns]
    normalise = vector_normalization  # not min-max: a change in any input moves the scores
    body = TOPSIS(normalization_function=normalise) if method == "topsis" else WSM(normalization_function=normalise)
    with warnings.catch_warnings():  # pymcdm warns when float sums are 1 +- 1e-16 or a weight is 0
        warnings.simplefilter("ignore", UserWarning)
        scores = np.asarray(body(values, weights, types), dtype=float)
    order = [ids[i] for i in np.argsort(-scores, kind="stable")]
    return Ranking(method, {i: float(s) for i, s in zip(ids, scores, strict=True)}, order)


def _shifted(dims: dict[Dimension, float], dim: Dimension, value: float) -> dict[Dimension, float]:
    rest = sum(w for d, w in dims.items() if d is not dim)
    out = {}
    for d, w in dims.items():
        if d is dim:
            out[d] = value
        else:
            out[d] = (1 - value) * (w / rest if rest > 0 else 1 / (len(dims) - 1))
    return out


def sensitivity(matrix: DecisionMatrix, dims: dict[Dimension, float], method: str = "topsis") -> list[WeightRange]:
    """For each dimension, the weight interval around the given weight within which the top candidate stays top."""
    if len(matrix.ids) < 2:
        return []
    top = rank(matrix, dims, method).order[0]
    grid = np.linspace(0.0, 1.0, SENSITIVITY_STEPS)
    ranges = []
    for dim in DIMENSIONS:
        tops = [rank(matrix, _shifted(dims, dim, float(v)), method).order[0] for v in grid]
        here = int(np.argmin(np.abs(grid - dims[dim])))
        lo = here
        while lo > 0 and tops[lo - 1] == top:
            lo -= 1
        hi = here
        while hi < len(grid) - 1 and tops[hi + 1] == top:
            hi += 1
        below = tops[lo - 1] if lo > 0 else None
        above = tops[hi + 1] if hi < len(grid) - 1 else None
        ranges.append(WeightRange(dim, dims[dim], float(grid[lo]), float(grid[hi]), top, below, above))
    return ranges
