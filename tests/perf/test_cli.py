"""The perf commands: output, JSON, the estimate subcommands, and clear errors with non-zero exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipshift.cli.main import app

runner = CliRunner()


def test_models_list_and_show() -> None:
    listed = runner.invoke(app, ["models", "list"]).output
    assert "deepseek-r1" in listed and "MLA" in listed
    shown = json.loads(runner.invoke(app, ["models", "show", "qwen3-8b", "--json"]).output)
    assert shown["num_layers"] == 36 and shown["attention"] == "gqa"
    table = runner.invoke(app, ["models", "show", "qwen3-8b"]).output
    assert "None" not in table and "AttentionKind" not in table and "num_layers" not in table


def test_estimate_json_has_breakdown_and_the_serving_point() -> None:
    result = runner.invoke(app, ["estimate", "qwen3-8b", "H100", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    names = {row["name"] for row in data["decode"]["rows"]}
    assert {"attention.proj", "attention.decode", "ffn.dense", "lm_head"} <= names
    assert data["decode"]["tokens_per_s_per_chip"] > 0
    assert data["serving"]["tokens_per_s_per_chip"] < data["decode"]["tokens_per_s_per_chip"]  # prefill included
    assert data["layout_searched"] and data["kv_cache"] == "bf16"


def test_estimate_unknown_chip_suggests_chips_and_systems() -> None:
    result = runner.invoke(app, ["estimate", "qwen3-8b", "H1OO"])
    assert result.exit_code == 2
    assert "unknown chip or system 'H1OO'" in result.output and "nvidia-h100-sxm" in result.output
    system = runner.invoke(app, ["estimate", "qwen3-8b", "cloudmatrx"])
    assert system.exit_code == 2 and "cloudmatrix-384" in system.output


def test_estimate_does_not_fit_names_the_gap_and_a_layout_that_fits() -> None:
    result = runner.invoke(app, ["estimate", "llama-3.1-405b", "H100", "--tp", "2"])
    assert result.exit_code == 2
    assert "does not fit TP2" in result.output and "GB more per chip" in result.output
    assert "the layout search finds" in result.output


def test_size_needs_a_demand() -> None:
    result = runner.invoke(app, ["size", "qwen3-8b", "--chip", "H100"])
    assert result.exit_code == 2 and "demand" in result.output


def test_validate_malformed_file(tmp_path: Path) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text("version: 1\ncases:\n  - id: X\n    source: s\n")
    result = runner.invoke(app, ["validate", str(path), "--json"])
    assert result.exit_code == 2 and "cases.yaml" in result.output


def test_validate_table_names_chips_and_models_and_writes_numbers_one_way() -> None:
    result = runner.invoke(app, ["validate"], env={"COLUMNS": "200"})  # xdist workers set COLUMNS=80
    assert result.exit_code == 0, result.output
    assert "deepseek-r1" in result.stdout and "8 x nvidia-h200-sxm" in result.stdout
    assert not re.search(r"\de[+-]\d", result.stdout)  # no 1.551e+04
    assert "training MFU" in result.stdout and "training_mfu" not in result.stdout


def test_estimate_refuses_impossible_inputs() -> None:
    assert runner.invoke(app, ["estimate", "qwen3-8b", "H100", "--batch", "0"]).exit_code == 2
    assert runner.invoke(app, ["estimate", "qwen3-8b", "H100", "--mtp", "1.5"]).exit_code == 2
    no_mtp = runner.invoke(app, ["estimate", "qwen3-8b", "H100", "--mtp", "0.7"])
    assert no_mtp.exit_code == 2 and "no MTP modules" in no_mtp.stderr


def test_estimate_serve_simulates_a_request_trace(tmp_path: Path) -> None:
    trace = tmp_path / "trace.csv"
    trace.write_text("input_tokens,output_tokens\n" + "".join(f"{200 + i},{50 + i % 7}\n" for i in range(60)))
    args = ["estimate", "serve", "qwen3-8b", "H100", "--lengths", str(trace), "--request-rate", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "60 trace requests" in result.output and "arriving at 2.00 requests/s" in result.output
    assert "TTFT" in result.output and "p99" in result.output
    fixed = ["estimate", "serve", "qwen3-8b", "H100", "--lengths", "fixed", "--requests", "20", "--json"]
    data = json.loads(runner.invoke(app, fixed).stdout)
    assert data["result"]["requests"] == 20 and data["result"]["request_rate"] is None


def test_estimate_train_prints_words_and_grouped_numbers() -> None:
    result = runner.invoke(app, ["estimate", "train", "llama-3.1-8b", "H100", "--chips", "96"])
    assert result.exit_code == 0, result.output
    assert "tokens/s per chip" in result.output and "MFU" in result.output
    assert "_" not in result.output.split("training on", 1)[1] and not re.search(r"\de[+-]\d", result.output)
    data = json.loads(
        runner.invoke(app, ["estimate", "train", "llama-3.1-8b", "H100", "--chips", "96", "--json"]).output
    )
    assert data["chips"] == 96 and data["layout"]["chips"] == 96 and 0 < data["mfu"] < 1


def test_estimate_search_prints_the_best_at_the_targets() -> None:
    result = runner.invoke(app, ["estimate", "search", "qwen3-8b", "H100", "--tpot-ms", "30"])
    assert result.exit_code == 0, result.output
    assert "best at the targets" in result.output and "frontier" in result.output


def test_size_with_lengths_prints_the_percentile_columns() -> None:
    args = ["size", "qwen3-8b", "--chip", "H100", "--requests-per-s", "5", "--tpot-ms", "40", "--lengths", "fixed"]
    result = runner.invoke(app, [*args, "--input-tokens", "512", "--output-tokens", "64", "--requests", "100"])
    assert result.exit_code == 0, result.output
    assert "TPOT p90 ms" in result.output and "simulated" in result.output


@pytest.mark.parametrize(
    ("args", "points_to"),
    [
        (["--search", "--tpot-ms", "40"], "chipshift estimate search MODEL CHIP"),
        (["--serve", "sharegpt"], "chipshift estimate serve MODEL CHIP"),
        (["--serve=sharegpt", "--search"], "chipshift estimate serve MODEL CHIP"),
        (["--request-rate", "3"], "chipshift estimate serve MODEL CHIP"),
        (["--train", "--chips", "512"], "chipshift estimate train MODEL CHIP"),
        (["--chips", "512"], "chipshift estimate train MODEL CHIP"),
    ],
)
def test_the_old_estimate_flags_point_to_the_new_subcommands(args: list[str], points_to: str) -> None:
    result = runner.invoke(app, ["estimate", "qwen3-8b", "H100", *args])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: estimate --") and points_to in result.stderr


def test_estimate_help_lists_the_subcommands() -> None:
    result = runner.invoke(app, ["estimate", "--help"])
    assert result.exit_code == 0
    for name in ("layout", "search", "serve", "train"):
        assert name in result.output


def test_serving_options_refuse_bad_input() -> None:
    missing = runner.invoke(app, ["size", "qwen3-8b", "--chip", "H100", "--requests-per-s", "1", "--lengths", "nope"])
    assert missing.exit_code == 2 and "not 'sharegpt', 'fixed' or a file" in missing.output
    zero = runner.invoke(app, ["estimate", "serve", "qwen3-8b", "H100", "--lengths", "fixed", "--request-rate", "0"])
    assert zero.exit_code == 2 and "--request-rate must be a positive finite number" in zero.output
    pct = runner.invoke(app, ["size", "qwen3-8b", "--chip", "H100", "--requests-per-s", "1", "--percentile", "95"])
    assert pct.exit_code == 2 and "percentile" in pct.output


def test_validate_cv_prints_the_held_out_error_in_the_table_and_the_json(tmp_path: Path) -> None:
    from chipshift.perf.cases import parse_cases
    from chipshift.perf.validate import calibration_file

    cases = [c for c in parse_cases(calibration_file()) if c.id in {"NV-1", "NV-2", "IX-3"}]
    path = tmp_path / "cases.yaml"
    path.write_text(
        json.dumps({"version": 1, "cases": [c.model_dump(mode="json", exclude_none=True) for c in cases]}),
        encoding="utf-8",
    )
    table = runner.invoke(app, ["validate", str(path), "--cv"], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "held-out error" in table.stdout and "leave-one-source-out (2 sources" in table.stdout
    data = json.loads(runner.invoke(app, ["validate", str(path), "--cv", "--json"]).stdout)
    assert data["cross_validation"]["summary"]["sources"] == 2
    assert {c["id"] for c in data["cross_validation"]["cases"]} == {"NV-1", "NV-2", "IX-3"}
    assert "cross_validation" not in json.loads(runner.invoke(app, ["validate", str(path), "--json"]).stdout)
