"""The sweep on Ray gives the same futures as on the local pool (runs where the ``ray`` extra is installed)."""

from __future__ import annotations

import dataclasses

import pytest

from chipshift.assess import Assessment
from chipshift.assess.pipeline import uncertainty_of
from chipshift.plan import run_monte_carlo


def test_ray_and_local_give_the_same_runs(example_assessment: Assessment) -> None:
    pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'chipshift[ray]')")
    assert example_assessment.problem is not None and example_assessment.plan is not None
    spec = dataclasses.replace(uncertainty_of(example_assessment), runs=8)
    local = run_monte_carlo(example_assessment.problem, example_assessment.plan, spec, executor="local", workers=2)
    on_ray = run_monte_carlo(example_assessment.problem, example_assessment.plan, spec, executor="ray", workers=2)
    assert [r.npv for r in on_ray.runs] == [r.npv for r in local.runs]
    assert on_ray.tornado == local.tornado
