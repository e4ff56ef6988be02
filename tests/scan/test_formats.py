"""Every report format on the fixture scan: SARIF against the schema, JSON round trip, Markdown, HTML, table."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from chipshift.scan import ScanResult
from chipshift.scan.formats import ScanFormat
from chipshift.scan.formats.table import TableFormat

SCHEMA = Path(__file__).parent / "sarif-2.1.0-subset.schema.json"


@pytest.mark.parametrize("choice", list(ScanFormat))
def test_every_format_choice_renders(fixture_scan: ScanResult, choice: ScanFormat) -> None:
    text = choice.formatter().format(fixture_scan)
    assert "CS171" in text


def test_sarif_is_valid_2_1_0(fixture_scan: ScanResult) -> None:
    log = json.loads(ScanFormat.SARIF.formatter().format(fixture_scan))
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    run = log["runs"][0]
    assert len(run["results"]) == len(fixture_scan.findings)
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1


def test_sarif_notebook_finding_names_its_cell(fixture_scan: ScanResult) -> None:
    log = json.loads(ScanFormat.SARIF.formatter().format(fixture_scan))
    cells = [r for r in log["runs"][0]["results"] if r["locations"][0].get("logicalLocations")]
    assert {c["locations"][0]["logicalLocations"][0]["name"] for c in cells} == {"cell 1", "cell 2"}


def test_json_round_trips_and_shows_effort(fixture_scan: ScanResult) -> None:
    data = json.loads(ScanFormat.JSON.formatter().format(fixture_scan))
    again = ScanResult.from_dict(data["result"])
    assert again.findings == fixture_scan.findings
    repository = data["repositories"][0]
    assert repository["targets"]["ascend"]["effort_person_days"] == fixture_scan.effort_person_days("ascend")
    assert repository["targets"]["hygon-dcu"]["lock_in_score"] == fixture_scan.lock_in_score("hygon-dcu")
    finding = next(f for f in data["result"]["findings"] if f["rule_id"] == "CS302")
    assert finding["targets"]["ascend"] == {"support": "auto", "replacement": "torch_npu.npu_fusion_attention",
                                           "note": "BSND layout; causal mask as sparse_mode 3"}  # fmt: skip
    assert finding["help_url"].startswith("https://")


def test_markdown_and_html_link_each_finding_to_its_fix(fixture_scan: ScanResult) -> None:
    markdown = ScanFormat.MARKDOWN.formatter().format(fixture_scan)
    html = ScanFormat.HTML.formatter().format(fixture_scan)
    assert "[CS401](https://github.com/chipshift/chipshift/blob/main/docs/scan.md#cs401)" in markdown
    assert "href='https://github.com/chipshift/chipshift/blob/main/docs/scan.md#cs401'" in html
    assert "<script" not in html and "http://" not in html


def test_table_text_lists_targets_and_model(fixture_scan: ScanResult) -> None:
    text = TableFormat().format(fixture_scan)
    for target in fixture_scan.targets:
        assert target in text
    assert "effort model" in text


@pytest.mark.parametrize("root", [".", "./", "train", "./train", "train/"])
def test_summary_counts_findings_under_a_relative_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root: str
) -> None:
    """``chipshift scan .`` once gave a summary of 0 findings: relative roots did not match finding paths."""
    from chipshift.scan import scan_paths

    (tmp_path / "train").mkdir()
    code = "import torch\nimport flash_attn\nx = torch.zeros(1).cuda()\ntorch.cuda.synchronize()\n"
    (tmp_path / "train" / "run.py").write_text(code)
    monkeypatch.chdir(tmp_path)
    result = scan_paths([Path(root)], jobs=1, use_cache=False)
    assert len(result.findings) >= 3
    part = result.for_root(result.roots[0])
    assert part.findings == result.findings
    assert part.effort_person_days("ascend") == result.effort_person_days("ascend") > 0


def test_sarif_keeps_within_a_run_limit_with_a_summary_result(fixture_scan: ScanResult) -> None:
    from chipshift.scan.formats.sarif import SarifFormat

    cap = 5
    assert len(fixture_scan.findings) > cap
    log = json.loads(SarifFormat(max_results=cap).format(fixture_scan))
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    run = log["runs"][0]
    assert len(run["results"]) == cap + 1
    summary = run["results"][-1]
    assert summary["ruleId"] == "CS000"
    left_out = len(fixture_scan.findings) - cap
    assert summary["message"]["text"].startswith(f"{left_out:,} of {len(fixture_scan.findings):,} findings")
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert all(rule_ids[result["ruleIndex"]] == result["ruleId"] for result in run["results"])
    kept = [r["level"] for r in run["results"][:-1]]
    ranked = sorted(
        fixture_scan.findings, key=lambda f: ["critical", "high", "medium", "low", "info"].index(f.severity)
    )
    assert sorted(kept) == sorted({"critical": "error", "high": "error", "medium": "warning", "low": "note",
                                   "info": "note"}[f.severity] for f in ranked[:cap])  # fmt: skip
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[-1]["message"]["text"] == summary["message"]["text"]


def test_sarif_can_be_written_gzipped(tmp_path: Path) -> None:
    import gzip

    from typer.testing import CliRunner

    from chipshift.cli.main import app

    (tmp_path / "train.py").write_text("import torch\ntorch.cuda.synchronize()\n")
    report = tmp_path / "out" / "scan.sarif.gz"
    run = CliRunner().invoke(app, ["scan", str(tmp_path / "train.py"), "-f", "sarif", "-o", str(report), "--no-cache"])
    assert run.exit_code == 0, run.output
    log = json.loads(gzip.decompress(report.read_bytes()))
    assert log["runs"][0]["results"][0]["ruleId"].startswith("CS")
