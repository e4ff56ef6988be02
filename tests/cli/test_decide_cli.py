"""``chipshift compare``, ``plan`` and ``assess`` driven through the CLI runner on the shipped example."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from chipshift.assess import example_scenario_path
from chipshift.cli.main import app

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_compare_json_ranks_the_four_candidates_that_pass_the_gates() -> None:
    code, out, _ = invoke("compare", "--example", "--json", "-q")
    assert code == 0
    data = json.loads(out)
    assert len(data["topsis_order"]) == 4
    excluded = {e["id"]: e["reason"] for e in data["excluded"]}
    assert list(excluded) == ["nvidia-h200-sxm", "cambricon-mlu590"]
    # 2025: US denial (3A090.a); from January 2026: China's customs instruction (a reported rule)
    assert (
        "us-3a090a-2023" in excluded["nvidia-h200-sxm"] and "cn-h200-import-block-2026" in excluded["nvidia-h200-sxm"]
    )
    assert sorted(data["weights"]) == ["commercial", "ecosystem", "strategic", "technology"]


def test_plan_json_without_monte_carlo() -> None:
    code, out, _ = invoke("plan", "--example", "--json", "--no-monte-carlo", "-q")
    assert code == 0
    data = json.loads(out)  # stdout is pure JSON: nothing else (no solver banner) is printed there
    assert data["plan"]["status"] == "optimal"
    assert [y["year"] for y in data["plan"]["years"]] == [2025, 2026, 2027]
    assert data["monte_carlo"] is None


def test_plan_table_shows_years_and_progress_on_stderr() -> None:
    code, out, err = invoke("plan", "--example", "--no-monte-carlo")
    assert code == 0
    assert "What to buy, retire and move" in out and "2027" in out and "Targets: planned share" in out
    assert "plan: solving the multi-year MILP" in err


def test_assess_example_writes_html_and_says_where(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.html"
    code, out, err = invoke("assess", "--example", "--out", str(target))  # --out: the old spelling of --output
    assert code == 0
    assert f"wrote {target}" in err and out == ""  # the result is the file; the note goes to stderr
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert not list(target.parent.glob(".report.html.*"))  # the temporary file of the atomic write is gone


def test_assess_markdown_in_chinese(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    code, _, _ = invoke(
        "assess", "--example", "--format", "markdown", "--lang", "zh", "--out", str(target), "--no-monte-carlo", "-q"
    )
    assert code == 0
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# chipshift 评估报告")
    assert re.search(r"^\| 指标 \| .*\| 1\. `[a-z0-9-]+` \|", text, flags=re.MULTILINE)  # the matrix, rank 1 first
    assert "## 建议" in text and "万元" in text  # the recommendation first, money in Chinese units


def test_scenario_file_and_example_are_exclusive() -> None:
    code, _, err = invoke("assess", str(example_scenario_path()), "--example")
    assert code == 2
    assert "either a scenario file or --example" in err


def test_missing_and_bad_scenario_files_exit_2_naming_them(tmp_path: Path) -> None:
    code, _, err = invoke("compare", str(tmp_path / "nope.yaml"))
    assert code == 2 and "nope.yaml" in err and "no such file" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nyears: [2026, 2025]\nworkloads: []\ncandidates: []\n", encoding="utf-8")
    code, _, err = invoke("plan", str(bad))
    assert code == 2 and "bad.yaml" in err
    code, _, err = invoke("assess")
    assert code == 2 and "--example" in err


def test_the_compare_table_shows_every_criterion_of_the_matrix() -> None:
    from chipshift.cli.decide import CRITERION_LABELS
    from chipshift.decide import CRITERIA

    assert list(CRITERION_LABELS) == [c.id for c in CRITERIA]  # each criterion headed in words


def test_assess_says_once_where_it_wrote(tmp_path: Path) -> None:
    target = tmp_path / "r.md"
    code, _, err = invoke("assess", "--example", "--format", "markdown", "-o", str(target), "--no-monte-carlo")
    assert code == 0 and err.count(f"wrote {target}") == 1, err
