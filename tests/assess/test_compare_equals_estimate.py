"""The comparison sizes each candidate with the same layout search as ``chipshift estimate search`` (issue 12 item
6): for the same model, chip, precision, stack and targets, the figures the plan uses equal what the CLI prints."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from chipshift.assess import Assessment
from chipshift.assess.scenario import InferenceWorkload
from chipshift.cli.main import app

CASES = [("huawei-ascend-910b", "chat"), ("cloudmatrix-384", "chat"), ("nvidia-h20", "reasoning")]


@pytest.mark.parametrize(("candidate", "workload"), CASES)
def test_compare_uses_what_estimate_search_prints(
    example_assessment: Assessment, candidate: str, workload: str
) -> None:
    scenario = example_assessment.scenario
    given = next(c for c in scenario.candidates if c.id == candidate and c.label is None)
    w = next(w for w in scenario.workloads if w.id == workload)
    assert isinstance(w, InferenceWorkload) and w.ttft_ms and w.tpot_ms
    evidence = next(e for e in example_assessment.candidates if e.id == candidate)
    fit = evidence.fit(workload)
    assert fit is not None and fit.fits
    args = [
        "estimate", "search", w.model, candidate, "--precision", fit.precision or w.precision,
        "--input-tokens", str(w.input_tokens), "--output-tokens", str(w.output_tokens),
        "--ttft-ms", str(w.ttft_ms), "--tpot-ms", str(w.tpot_ms), "--json",
        *(["--stack", given.perf_stack] if given.perf_stack else []),
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    best = json.loads(result.stdout)["best"]
    assert fit.tokens_per_s_per_chip == pytest.approx(best["tokens_per_s_per_chip"], rel=1e-9)
    assert fit.chips_per_replica == best["chips_per_replica"]


def test_each_candidate_runs_the_fastest_accepted_precision_its_chip_has_units_for(
    example_assessment: Assessment,
) -> None:
    """The example's chat accepts fp8 and w8a8 besides bf16 (issue 12 item 6: the best precision the candidate's
    stack supports): the H20 has FP8 units and runs it faster than bf16; the 910B has none, so never fp8."""
    from chipshift.assess.evidence import workload_fit
    from chipshift.catalog import load_catalog

    scenario, catalog = example_assessment.scenario, load_catalog()
    chat = next(w for w in scenario.workloads if w.id == "chat")
    assert isinstance(chat, InferenceWorkload) and chat.precisions == ["fp8", "w8a8"]
    only_bf16 = chat.model_copy(update={"precisions": []})
    for candidate in ("nvidia-h20", "huawei-ascend-910b"):
        fit = next(e for e in example_assessment.candidates if e.id == candidate).fit("chat")
        given = next(c for c in scenario.candidates if c.id == candidate and c.label is None)
        base = workload_fit(only_bf16, catalog.chip(candidate), given, catalog)
        assert fit is not None and fit.fits and base.fits and base.precision == "bf16"
        assert fit.capacity_per_chip >= base.capacity_per_chip
        if candidate == "nvidia-h20":
            assert fit.precision in ("fp8", "w8a8") and fit.capacity_per_chip > 1.2 * base.capacity_per_chip
        else:
            assert fit.precision != "fp8"
