"""Hostile user catalogs, validation cases, model configs and lengths files through the CLI (issue 17).

Each asserts exit 2 and one line naming the file (with line and field where the format has them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chipshift.perf.lengths import MAX_REQUESTS

from .conftest import line_of, run

CHIP = """\
sources:
  - {id: my-source, title: "My measurements"}
chips:
  - id: my-chip
    name: My Chip
    vendor: Me
    designer_country: CN
    kind: datacenter-inference
    dense_tflops:
      bf16: {value: 100, source: my-source, as_of: "2025", confidence: measured}
    die_area_mm2: {value: 600, source: my-source, as_of: "2025", confidence: measured}
    price: {value: 10000, currency: CNY, source: my-source, as_of: "2025", confidence: estimate}
    release_year: 2025
"""

CATALOG_EDITS = [
    ("nan-bf16", "bf16: {value: 100,", "bf16: {value: .nan,", "chips[0].dense_tflops.bf16.value", "finite"),
    ("zero-die", "{value: 600,", "{value: 0,", "chips[0].die_area_mm2.value", "greater than 0"),
    ("negative-die", "{value: 600,", "{value: -600,", "chips[0].die_area_mm2.value", "greater than 0"),
    ("true-as-one", "bf16: {value: 100,", "bf16: {value: true,", "chips[0].dense_tflops.bf16.value", "not true"),
    ("price-1e308", "{value: 10000,", "{value: 1.0e+308,", "chips[0].price.value", "less than or equal"),
    ("year-zero", "release_year: 2025", "release_year: 0", "chips[0].release_year", "greater than or equal"),
]


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"), [e[1:] for e in CATALOG_EDITS], ids=[e[0] for e in CATALOG_EDITS]
)
def test_a_user_catalog_with_a_bad_figure_is_refused(
    tmp_path: Path, old: str, new: str, field: str, problem: str
) -> None:
    text = CHIP.replace(old, new, 1)
    (tmp_path / "mine.yaml").write_text(text, encoding="utf-8")
    line = line_of(text, new)
    run("--catalog", tmp_path, "chips", "list").refused(f"mine.yaml:{line}: field '{field}'", problem)


def test_a_user_catalog_with_a_duplicate_chip_key_is_refused(tmp_path: Path) -> None:
    text = CHIP + "    release_year: 2024\n"
    (tmp_path / "mine.yaml").write_text(text, encoding="utf-8")
    line = len(text.splitlines())
    run("--catalog", tmp_path, "chips", "list").refused(f"mine.yaml:{line}: duplicate key 'release_year'")


CASES = """\
version: 1
cases:
  - id: S-1
    source: my-bench
    confidence: high
    hardware: {chip: nvidia-h100-sxm, count: 1}
    model: qwen3-32b
    precision: bf16
    phase: serving
    workload: {dataset: sharegpt, num_prompts: 1000}
    measured: {metric: serving_output_tokens_per_s, value: 1000}
"""


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("num_prompts: 1000}", "num_prompts: 1000000000}", "the simulation holds every request in memory"),
        ("value: 1000}", "value: .inf}", "finite"),
        ("count: 1}", "count: true}", "not true"),
    ],
    ids=["a-billion-prompts", "infinite-measurement", "true-chips"],
)
def test_a_validation_file_with_a_bad_number_is_refused(tmp_path: Path, old: str, new: str, problem: str) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text(CASES.replace(old, new), encoding="utf-8")
    run("validate", path).refused(f"cases.yaml:{line_of(CASES, old)}: field 'case S-1:", problem)


CONFIG = {"hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32, "vocab_size": 32000}


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"num_attention_heads": 0}, "num_attention_heads", "must be 1 to"),
        ({"num_hidden_layers": 0}, "num_hidden_layers", "must be 1 to"),
        ({"hidden_size": True}, "hidden_size", "must be a whole number"),
        ({"num_key_value_heads": -8}, "num_key_value_heads", "must be 1 to"),
        ({"num_local_experts": 8, "num_experts_per_tok": 9}, "num_experts_per_tok", "at most the 8 experts"),
        ({"hidden_size": None}, "hidden_size", "required"),
    ],
    ids=["no-heads", "no-layers", "true-width", "negative-kv-heads", "more-chosen-than-experts", "null-width"],
)
def test_a_model_config_that_cannot_be_a_model_is_refused(
    tmp_path: Path, change: dict[str, object], field: str, problem: str
) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**CONFIG, **change}), encoding="utf-8")
    run("estimate", path, "H100").refused(f"{path}: field '{field}'", problem)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"hidden_size": NaN}', "not valid JSON: NaN"),
        ("[" * 20_000 + "]" * 20_000, "nested more than 64 levels deep"),
        ('{"hidden_size": 1e999}', "too large for a finite number"),
    ],
    ids=["nan", "deep", "overflow"],
)
def test_a_config_json_that_is_not_plain_json_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(text, encoding="utf-8")
    run("estimate", path, "H100").refused(str(path), problem)


def _size_with(lengths: Path) -> str:
    args = ("size", "qwen3-32b", "--chip", "H100", "--requests-per-s", "1", "--lengths", lengths)
    return run(*args).refused(str(lengths))


def test_a_lengths_file_beyond_the_row_cap_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "trace.csv"
    path.write_text("input_tokens,output_tokens\n" + "100,20\n" * (MAX_REQUESTS + 1), encoding="utf-8")
    message = _size_with(path)
    assert f"trace.csv:{MAX_REQUESTS + 2}: more than {MAX_REQUESTS:,} requests" in message
    assert "steps through every request" in message


def test_a_jsonl_lengths_file_beyond_the_row_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    path.write_text('{"input_tokens": 100, "output_tokens": 20}\n' * (MAX_REQUESTS + 1), encoding="utf-8")
    assert f"more than {MAX_REQUESTS:,} requests" in _size_with(path)


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        (
            "wide.csv",
            "input_tokens,output_tokens\n1," + "9" * 200_000 + "\n",
            "wide.csv:2: not readable as CSV: field larger",
        ),
        (
            "nul.csv",
            "input_tokens,output_tokens\n1,\x002\n",
            "nul.csv:2: field 'output_tokens': must be a whole number",
        ),
        (
            "huge.csv",
            "input_tokens,output_tokens\n1,999999999999999999999\n",
            "huge.csv:2: field 'output_tokens': must be 1 to",
        ),
        (
            "true.jsonl",
            '{"input_tokens": true, "output_tokens": 2}\n',
            "true.jsonl:1: field 'input_tokens': must be a whole",
        ),
        (
            "nan.jsonl",
            '{"input_tokens": 1, "output_tokens": 2, "arrival_s": NaN}\n',
            "nan.jsonl:1: not valid JSON: NaN",
        ),
        ("deep.jsonl", "[" * 20_000 + "]" * 20_000 + "\n", "deep.jsonl:1: nested more than 64 levels deep"),
    ],
    ids=["field-over-128k", "nul-byte", "overflow", "true", "nan", "deep"],
)
def test_a_broken_lengths_file_names_file_and_line(tmp_path: Path, name: str, text: str, problem: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert problem in _size_with(path)
