"""The perf commands: output, JSON, and clear errors with non-zero exit codes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from chipshift.cli.main import app

runner = CliRunner()


def test_models_list_and_show() -> None:
    assert "deepseek-r1" in runner.invoke(app, ["models", "list"]).output
    shown = json.loads(runner.invoke(app, ["models", "show", "qwen3-8b", "--json"]).output)
    assert shown["num_layers"] == 36


def test_estimate_json_has_breakdown() -> None:
    result = runner.invoke(app, ["estimate", "qwen3-8b", "H100", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    names = {row["name"] for row in data["decode"]["rows"]}
    assert {"attention.proj", "attention.core", "ffn.dense", "lm_head"} <= names
    assert data["decode"]["tokens_per_s_per_chip"] > 0


def test_estimate_unknown_chip_suggests() -> None:
    result = runner.invoke(app, ["estimate", "qwen3-8b", "H1OO"])
    assert result.exit_code == 2
    assert "unknown chip" in result.output


def test_estimate_does_not_fit() -> None:
    result = runner.invoke(app, ["estimate", "llama-3.1-405b", "H100", "--tp", "2"])
    assert result.exit_code == 2
    assert "does not fit" in result.output and "GB" in result.output


def test_size_needs_a_demand() -> None:
    result = runner.invoke(app, ["size", "qwen3-8b", "--chip", "H100"])
    assert result.exit_code == 2 and "demand" in result.output


def test_validate_malformed_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cases.yaml"
    path.write_text("version: 1\ncases:\n  - id: X\n    source: s\n")
    result = runner.invoke(app, ["validate", str(path), "--json"])
    assert result.exit_code == 2 and "cases.yaml" in result.output


def test_estimate_refuses_impossible_inputs() -> None:
    assert runner.invoke(app, ["estimate", "qwen3-8b", "H100", "--batch", "0"]).exit_code == 2
    assert runner.invoke(app, ["estimate", "qwen3-8b", "H100", "--mtp", "1.5"]).exit_code == 2
    no_mtp = runner.invoke(app, ["estimate", "qwen3-8b", "H100", "--mtp", "0.7"])
    assert no_mtp.exit_code == 2 and "no MTP modules" in no_mtp.stderr


def test_estimate_serve_simulates_a_request_trace(tmp_path) -> None:  # type: ignore[no-untyped-def]
    trace = tmp_path / "trace.csv"
    trace.write_text("input_tokens,output_tokens\n" + "".join(f"{200 + i},{50 + i % 7}\n" for i in range(60)))
    result = runner.invoke(app, ["estimate", "qwen3-8b", "H100", "--serve", str(trace), "--request-rate", "2"])
    assert result.exit_code == 0, result.output
    assert "60 trace requests" in result.output and "arriving at 2.00 requests/s" in result.output
    assert "TTFT" in result.output and "p99" in result.output
    data = json.loads(
        runner.invoke(app, ["estimate", "qwen3-8b", "H100", "--serve", "fixed", "--requests", "20", "--json"]).output
    )
    assert data["result"]["requests"] == 20 and data["result"]["request_rate"] is None


def test_size_with_lengths_prints_the_percentile_columns() -> None:
    args = ["size", "qwen3-8b", "--chip", "H100", "--requests-per-s", "5", "--tpot-ms", "40", "--lengths", "fixed"]
    result = runner.invoke(app, [*args, "--input-tokens", "512", "--output-tokens", "64", "--requests", "100"])
    assert result.exit_code == 0, result.output
    assert "TPOT p90 ms" in result.output and "simulated" in result.output


def test_serving_options_refuse_bad_input() -> None:
    missing = runner.invoke(app, ["size", "qwen3-8b", "--chip", "H100", "--requests-per-s", "1", "--lengths", "nope"])
    assert missing.exit_code == 2 and "not 'sharegpt', 'fixed' or a file" in missing.output
    both = runner.invoke(app, ["estimate", "qwen3-8b", "H100", "--serve", "sharegpt", "--search"])
    assert both.exit_code == 2 and "choose one of --search, --serve" in both.output
    rate = runner.invoke(app, ["estimate", "qwen3-8b", "H100", "--request-rate", "3"])
    assert rate.exit_code == 2 and "--serve" in rate.output
    zero = runner.invoke(app, ["estimate", "qwen3-8b", "H100", "--serve", "fixed", "--request-rate", "0"])
    assert zero.exit_code == 2 and "must be positive" in zero.output
    pct = runner.invoke(app, ["size", "qwen3-8b", "--chip", "H100", "--requests-per-s", "1", "--percentile", "95"])
    assert pct.exit_code == 2 and "percentile" in pct.output
