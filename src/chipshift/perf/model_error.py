"""The performance model's own error, as data other engines can draw from (the plan's Monte Carlo).

``perf/data/error_ratios.json`` holds, for every calibration case, the measured figure, the in-sample prediction
and the prediction with the case's source left out of the fit (``chipshift validate --cv``). It is written by
``scripts/perf_error_ratios.py``; a test checks it matches the shipped cases, factors and model.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import Any

from chipshift.datafiles import load_json
from chipshift.errors import ChipshiftError

ERROR_FILE = "error_ratios.json"
"""Name of the data file in ``chipshift/perf/data``."""

FINGERPRINTED = ("calibration.yaml", "efficiency.yaml", "fitted.yaml")
"""Data files whose contents the ratios depend on."""

CAPACITY_PHASES = frozenset({"prefill", "decode", "serving", "offline"})
"""Phases whose error applies to serving capacity."""


def data_fingerprint() -> str:
    """SHA-256 over the calibration cases, the factors and the fitted values shipped now."""
    digest = hashlib.sha256()
    folder = resources.files("chipshift.perf").joinpath("data")
    for name in FINGERPRINTED:
        digest.update(name.encode())
        digest.update(folder.joinpath(name).read_bytes())
    return digest.hexdigest()


@cache
def error_data() -> dict[str, Any]:
    """The shipped error file, parsed."""
    path = resources.files("chipshift.perf").joinpath("data", ERROR_FILE)
    data = load_json(path.read_text(encoding="utf-8"), f"chipshift/perf/data/{ERROR_FILE}")
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise ChipshiftError(f"chipshift/perf/data/{ERROR_FILE}: expected an object with a 'cases' list")
    return data


def _ratios(phases: frozenset[str], held_out: bool) -> tuple[float, ...]:
    key = "held_out" if held_out else "in_sample"
    rows = [c for c in error_data()["cases"] if c["phase"] in phases and c.get(key)]
    return tuple(float(c["measured"]) / float(c[key]) for c in rows)


def capacity_error_ratios(*, held_out: bool = True) -> tuple[float, ...]:
    """Measured / predicted on the inference calibration cases (prefill, decode, serving, offline).

    By default each case is predicted with its own source left out of the fit (leave-one-source-out), so the
    spread is what a new deployment should expect; ``held_out=False`` gives the in-sample ratios. Multiply a
    predicted capacity by a ratio drawn from these to sample the model's own error.
    """
    return _ratios(CAPACITY_PHASES, held_out)


def training_error_ratios(*, held_out: bool = True) -> tuple[float, ...]:
    """Measured / predicted on the training calibration cases (MFU, chip-hours; chip-hours are inverted so that a
    ratio above 1 always means the model was pessimistic)."""
    key = "held_out" if held_out else "in_sample"
    rows = [c for c in error_data()["cases"] if c["phase"] == "training" and c.get(key)]
    ratios = []
    for c in rows:
        ratio = float(c["measured"]) / float(c[key])
        ratios.append(1 / ratio if c["metric"] == "gpu_hours_per_trillion_tokens" else ratio)
    return tuple(ratios)
