"""The engines' English outcomes as codes a report words in its language: every gate the decide engine writes, the
performance model's real reasons."""

from __future__ import annotations

import pytest

from chipshift import perf
from chipshift.assess.report_codes import exclusion, fit_problem
from chipshift.decide.criteria import apply_gates
from chipshift.decide.evidence import CandidateEvidence, WorkloadFit
from chipshift.errors import ChipshiftError
from chipshift.perf.search import search_layouts
from chipshift.report import model as rm


def _candidate(cid: str, *, fits: bool = True, price: float | None = 1000.0) -> CandidateEvidence:
    return CandidateEvidence(
        id=cid, chip_id=cid, name=cid, vendor="v", domestic=True, designer_country="CN", price_per_chip=price,
        price_source="test", power_w=400.0, dense_bf16_tflops=300.0,
        fits=(WorkloadFit("chat", fits, 1.0, 1.0, 1, None if fits else "too big"),),
    )  # fmt: skip


def test_every_gate_of_the_decide_engine_has_a_code() -> None:
    candidates = [
        _candidate("banned-one"),
        _candidate("unlisted"),
        _candidate("blocked-one"),
        _candidate("runs-nothing", fits=False),
        _candidate("no-price", price=None),
    ]
    _, excluded = apply_gates(
        candidates,
        procurement_list=["banned-one", "blocked-one", "runs-nothing", "no-price"],
        banned={"banned-one": "the board said no"},
        blocked={"blocked-one": "licence required (us-3a090a-2023); customs (cn-h200-import-block-2026)"},
    )
    fit = rm.WorkloadFit(workload="chat", fits=False, capacity_per_chip=0, tokens_per_s_per_chip=None,
                         chips_per_replica=1, reason="too big")  # fmt: skip
    codes = {e.id: exclusion(e.id, e.reason, [fit]) for e in excluded}
    assert {cid: e.code for cid, e in codes.items()} == {
        "banned-one": "banned",
        "unlisted": "not-listed",
        "blocked-one": "blocked",
        "runs-nothing": "no-workload",
        "no-price": "no-price",
    }
    assert codes["banned-one"].given == "the board said no"
    assert codes["blocked-one"].rules == ["us-3a090a-2023", "cn-h200-import-block-2026"]
    assert codes["runs-nothing"].workloads == ["chat"]
    assert exclusion("x", "a reason nobody wrote yet", []).code == "other"


def _training_reason() -> str:
    spec = perf.ReplicaSpec.build("llama-3.1-8b", "nvidia-h20")
    with pytest.raises(ChipshiftError) as error:
        perf.size_training(spec, tokens=1e18, days=1, seq_len=4096)
    return error.value.message


def _missing_reason() -> str:
    with pytest.raises(ChipshiftError) as error:
        perf.ReplicaSpec.build("llama-3.1-8b", "cambricon-mlu590")
    return error.value.message


def _serving_reason(model: str, work: perf.ServingWorkload, chips: int | None = None) -> str:
    found = search_layouts(perf.ReplicaSpec.build(model, "nvidia-h20"), work, chips=chips)
    assert found.reason is not None
    return found.reason


def test_the_performance_models_reasons_have_codes() -> None:
    """Real reasons from the performance model (each a few milliseconds)."""
    reasons = {
        "ttft": _serving_reason("llama-3.1-8b", perf.ServingWorkload(1000, 200, 1, None)),
        "tpot": _serving_reason("llama-3.1-8b", perf.ServingWorkload(1000, 200, None, 0.5)),
        "memory": _serving_reason("deepseek-v3", perf.ServingWorkload(1000, 200, None, None), chips=8),
        "kv-cache": _serving_reason("llama-3.1-70b", perf.ServingWorkload(127_000, 1000, None, None), chips=2),
        "training-time": _training_reason(),
        "missing-figure": _missing_reason(),
    }
    for code, reason in reasons.items():
        assert fit_problem(reason, False)[0] == code, reason
    assert fit_problem(reasons["missing-figure"], False) == ("missing-figure", "memory bandwidth")
    assert fit_problem("a reason nobody wrote yet", False) == ("other", None)
    assert fit_problem(None, True) == (None, None)
