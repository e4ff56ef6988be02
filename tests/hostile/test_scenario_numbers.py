"""Hostile scenarios through ``chipshift assess``: every number checked at the edge, paths that are not files.

Each case edits one line of the shipped example, runs ``assess --out``, and asserts exit 2, one line on stderr that
names the file, the line and the field, and that no report (nor a temporary file) was written.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from chipshift.assess import example_scenario_path

from .conftest import files_in, line_of, run

EXAMPLE_DIR = example_scenario_path().parent

# (id, text in the example, replacement, field named in the error, words of the problem)
EDITS = [
    (
        "nan-exchange-rate",
        "exchange_rates: {USD: 7.1}",
        "exchange_rates: {USD: .nan}",
        "cost.exchange_rates.USD",
        "finite",
    ),
    (
        "negative-exchange-rate",
        "exchange_rates: {USD: 7.1}",
        "exchange_rates: {USD: -7.1}",
        "cost.exchange_rates.USD",
        "greater than 0",
    ),
    ("negative-tariff", "tariff: {} ", "tariff: {US: -0.25} ", "regulatory.tariff.US", "greater than or equal to 0"),
    ("nan-tariff", "tariff: {} ", "tariff: {US: .nan} ", "regulatory.tariff.US", "finite"),
    ("infinite-weight", "technology: 0.3", "technology: .inf", "weights.technology", "finite"),
    ("price-true", "price: {value: 120000,", "price: {value: true,", "candidates[0].price.value", "not true"),
    (
        "price-1e308",
        "price: {value: 120000,",
        "price: {value: 1.0e+308,",
        "candidates[0].price.value",
        "less than or equal",
    ),
    (
        "negative-budget",
        "{2025: 150000000,",
        "{2025: -150000000,",
        "budget_per_year.2025",
        "greater than or equal to 0",
    ),
    (
        "years-before-computers",
        "years: [2025, 2026, 2027]",
        "years: [-5, 0]",
        "years[0]",
        "greater than or equal to 1990",
    ),
    (
        "a-billion-runs",
        "runs: 200",
        "runs: 1000000000",
        "monte_carlo.runs",
        "each run solves the plan's later years again",
    ),
    ("negative-seed", "seed: 2025", "seed: -1", "monte_carlo.seed", "greater than or equal to 0"),
    (
        "infinite-demand",
        "output_tokens_per_s: 200000",
        "output_tokens_per_s: .inf",
        "workloads[0].output_tokens_per_s",
        "finite",
    ),
    (
        "zero-demand",
        "output_tokens_per_s: 200000",
        "output_tokens_per_s: 0",
        "workloads[0].output_tokens_per_s",
        "greater than 0",
    ),
    ("tokens-true", "input_tokens: 2048", "input_tokens: true", "workloads[0].input_tokens", "not true"),
    ("pue-below-one", "pue: 1.25", "pue: 0.5", "cost.pue", "greater than or equal to 1"),
    ("share-above-one", "min_share: 0.6", "min_share: 1.6", "targets[1].min_share", "less than or equal to 1"),
    (
        "probability-nan",
        "outlook_probability: {}",
        "outlook_probability: {us-h20-licences-2025: .nan}",
        "monte_carlo.outlook_probability.us-h20-licences-2025",
        "finite",
    ),
    ("huge-sigma", "price_sigma: 0.15", "price_sigma: 1.0e+300", "monte_carlo.price_sigma", "less than or equal to 3"),
    ("duplicate-key", "  seed: 2025", "  seed: 2025\n  seed: 7", "", "duplicate key 'seed'"),
]

AHP = [
    ("ahp-zero", "[[1, 0, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]", "greater than 0"),
    ("ahp-negative", "[[1, -3, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]", "greater than 0"),
    ("ahp-not-saaty", "[[1, 12, 1, 1], [0.08, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]", "1 to 9 or their reciprocals"),
    ("ahp-not-reciprocal", "[[1, 3, 1, 1], [3, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]", "must be the reciprocal"),
    ("ahp-3x3", "[[1, 1, 1], [1, 1, 1], [1, 1, 1]]", "must be 4 x 4"),
]


def _assess_refuses(tmp_path: Path, text: str, *expected: str) -> str:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text, encoding="utf-8")
    before = files_in(tmp_path)
    report = tmp_path / "report.html"
    line = run("assess", scenario, "--out", report, "-q").refused(str(scenario), *expected)
    assert files_in(tmp_path) == before  # no report, no temporary file
    return line


@pytest.mark.parametrize(("old", "new", "field", "problem"), [e[1:] for e in EDITS], ids=[e[0] for e in EDITS])
def test_a_bad_number_is_refused_with_file_line_and_field(
    tmp_path: Path, example_text: str, old: str, new: str, field: str, problem: str
) -> None:
    assert old in example_text
    text = example_text.replace(old, new, 1).replace("[example-repo]", f"[{EXAMPLE_DIR / 'example-repo'}]")
    line = line_of(text, new.splitlines()[-1].strip())
    message = _assess_refuses(tmp_path, text, f"scenario.yaml:{line}:", problem)
    if field:
        assert f"field '{field}'" in message


@pytest.mark.parametrize(("matrix", "problem"), [a[1:] for a in AHP], ids=[a[0] for a in AHP])
def test_a_bad_ahp_matrix_is_refused(tmp_path: Path, example_text: str, matrix: str, problem: str) -> None:
    text = example_text.replace("  strategic: 0.25\n", f"  strategic: 0.25\n  ahp: {{matrix: {matrix}}}\n", 1)
    message = _assess_refuses(tmp_path, text, "field 'weights.ahp.matrix", problem)
    assert f"scenario.yaml:{line_of(text, 'ahp: {matrix')}:" in message


def test_a_missing_repository_is_an_error_at_its_line(tmp_path: Path, example_text: str) -> None:
    text = example_text.replace("repositories: [example-repo]", "repositories: [no-such-repo]")
    line = line_of(text, "repositories:")
    _assess_refuses(
        tmp_path, text, f"scenario.yaml:{line}:", "field 'repositories[0]'", "no-such-repo", "does not exist"
    )


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_an_inventory_that_never_ends_is_refused_at_once(tmp_path: Path, example_text: str, kind: str) -> None:
    endless = tmp_path / "inventory.csv"
    if kind == "fifo":
        os.mkfifo(endless)  # nothing ever writes to it: reading would wait for ever
    else:
        endless = Path("/dev/zero")
    text = example_text.replace("inventories: [fleet.csv]", f"inventories: ['{endless}']").replace(
        "[example-repo]", f"[{EXAMPLE_DIR / 'example-repo'}]"
    )
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text, encoding="utf-8")
    before = files_in(tmp_path)
    run("assess", scenario, "--out", tmp_path / "r.html", "-q").refused(f"{endless}: not a regular file", "inventory")
    assert files_in(tmp_path) == before


def test_a_scenario_that_is_a_folder_or_missing_is_named(tmp_path: Path) -> None:
    run("assess", tmp_path, "-q").refused(str(tmp_path), "is a folder")
    run("compare", tmp_path / "nope.yaml", "-q").refused("nope.yaml", "no such file")


def test_twenty_thousand_levels_of_yaml_are_a_clear_error(tmp_path: Path) -> None:
    text = "name: x\nyears: " + "[" * 20_000 + "]" * 20_000 + "\n"
    message = _assess_refuses(tmp_path, text, "nested more than 64 levels deep")
    assert re.search(r"scenario\.yaml:2:", message)
