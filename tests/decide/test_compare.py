"""compare: gates with reasons, TOPSIS and weighted sum by pymcdm, AHP weights, sensitivity ranges."""

from __future__ import annotations

import numpy as np
import pytest
from pymcdm.methods import TOPSIS
from pymcdm.normalizations import vector_normalization

from chipshift.decide.compare import CompareOptions, compare
from chipshift.decide.criteria import CostInputs, Dimension, chips_needed
from chipshift.decide.evidence import CandidateEvidence
from chipshift.decide.ranking import active_criteria, ahp_weights, criterion_weights, direct_weights

BLOCKED = {"us-banned": "ECCN 3A090.a: licence required, presumption of denial (us-3a090a-2023)"}
"""What the pipeline passes for a candidate the policy rules refuse in every plan year."""


def _options(costs: CostInputs, **weights: float) -> CompareOptions:
    given = {d: weights.get(d.value, 0.25) for d in Dimension}
    return CompareOptions(demand={"chat": 30_000}, costs=costs, weights=direct_weights(given), blocked=BLOCKED)


def test_gates_exclude_with_reasons(candidates: list[CandidateEvidence], costs: CostInputs) -> None:
    result = compare(candidates, _options(costs))
    reasons = {e.id: e.reason for e in result.excluded}
    assert set(reasons) == {"us-banned", "cn-nofit", "cn-noprice"}
    assert reasons["us-banned"] == f"no plan year allows it: {BLOCKED['us-banned']}"
    assert "chat" in reasons["cn-nofit"] and "too big" in reasons["cn-nofit"]
    assert "price" in reasons["cn-noprice"]
    assert sorted(result.matrix.ids) == ["cn-cheap", "cn-good", "us-fast"]


def test_procurement_list_and_ban(candidates: list[CandidateEvidence], costs: CostInputs) -> None:
    opts = _options(costs)
    opts = CompareOptions(
        opts.demand,
        opts.costs,
        opts.weights,
        procurement_list=["cn-good", "us-fast"],
        banned={"us-fast": "critical infrastructure"},
        blocked=BLOCKED,
    )
    result = compare(candidates, opts)
    reasons = {e.id: e.reason for e in result.excluded}
    assert reasons["us-fast"] == "banned: critical infrastructure"
    assert reasons["cn-cheap"] == "not on the procurement list"
    assert result.top == "cn-good"


def test_topsis_matches_pymcdm_on_the_matrix(candidates: list[CandidateEvidence], costs: CostInputs) -> None:
    result = compare(candidates, _options(costs))
    cols = active_criteria(result.matrix)
    w = criterion_weights(result.matrix.criteria, cols, result.weights.weights)
    types = np.array([1 if result.matrix.criteria[i].benefit else -1 for i in cols])
    expected = TOPSIS(normalization_function=vector_normalization)(result.matrix.values[:, cols], w, types)
    assert [result.topsis.scores[i] for i in result.matrix.ids] == pytest.approx(list(expected))
    assert w.sum() == pytest.approx(1.0)


def test_weights_move_the_winner(candidates: list[CandidateEvidence], costs: CostInputs) -> None:
    tech = compare(candidates, _options(costs, technology=1, ecosystem=0, commercial=0, strategic=0))
    strat = compare(candidates, _options(costs, technology=0, ecosystem=0, commercial=0, strategic=1))
    assert tech.top == "us-fast"
    assert strat.top != "us-fast"


def test_sensitivity_range_contains_the_weight(candidates: list[CandidateEvidence], costs: CostInputs) -> None:
    result = compare(candidates, _options(costs))
    assert len(result.sensitivity) == 4
    for r in result.sensitivity:
        assert r.low <= r.weight + 0.005 and r.weight - 0.005 <= r.high
        assert r.top == result.top
        assert (r.low == 0.0) == (r.below is None)


def test_chips_needed_rounds_to_replicas(candidates: list[CandidateEvidence]) -> None:
    assert chips_needed(candidates[0], {"chat": 1000}) == 3


def test_ahp_weights_from_ranking_and_matrix() -> None:
    by_rank = ahp_weights(None, [2, 3, 4, 1])
    assert sum(by_rank.weights.values()) == pytest.approx(1.0)
    assert max(by_rank.weights, key=by_rank.weights.__getitem__) is Dimension.STRATEGIC
    m = [[1, 3, 1, 1 / 2], [1 / 3, 1, 1 / 3, 1 / 5], [1, 3, 1, 1 / 2], [2, 5, 2, 1]]
    by_matrix = ahp_weights(m, None)
    assert by_matrix.consistency_ratio is not None and by_matrix.consistency_ratio < 0.1
    assert by_matrix.weights[Dimension.STRATEGIC] > by_matrix.weights[Dimension.TECHNOLOGY]
