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
        "estimate", "search", w.model, candidate, "--precision", w.precision, "--input-tokens", str(w.input_tokens),
        "--output-tokens", str(w.output_tokens), "--ttft-ms", str(w.ttft_ms), "--tpot-ms", str(w.tpot_ms), "--json",
        *(["--stack", given.perf_stack] if given.perf_stack else []),
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    best = json.loads(result.stdout)["best"]
    assert fit.tokens_per_s_per_chip == pytest.approx(best["tokens_per_s_per_chip"], rel=1e-9)
    assert fit.chips_per_replica == best["chips_per_replica"]
