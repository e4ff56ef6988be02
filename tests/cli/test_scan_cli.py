"""``chipshift scan`` driven through the CLI runner on the shipped example repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipshift.cli.main import app

runner = CliRunner()
EXAMPLE_REPO = Path(__file__).resolve().parents[2] / "src" / "chipshift" / "examples" / "example-repo"


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_json_report_counts_and_efforts() -> None:
    code, out, err = invoke("scan", str(EXAMPLE_REPO), "--format", "json", "--no-cache", "-j", "1")
    assert code == 0
    data = json.loads(out)
    (repo,) = data["repositories"]
    assert repo["findings"] >= 40  # the example uses CUDA kernels, torch.cuda, nccl, apex and flash-attn
    assert repo["targets"]["ascend"]["effort_person_days"] > 1
    assert "findings in" in err


def test_fail_on_exits_1_when_a_finding_is_that_severe() -> None:
    assert invoke("scan", str(EXAMPLE_REPO), "--fail-on", "critical", "--no-cache", "-j", "1")[0] == 1
    clean = invoke("scan", str(EXAMPLE_REPO / "README.md"), "--fail-on", "low", "--no-cache", "-j", "1")
    assert clean[0] == 0


def test_sarif_written_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "scan.sarif"
    code, _, _ = invoke("scan", str(EXAMPLE_REPO), "--format", "sarif", "-o", str(target), "--no-cache", "-j", "1")
    assert code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == "2.1.0"


def test_a_missing_path_is_an_error_not_an_empty_scan() -> None:
    code, _, err = invoke("scan", "/no/such/repo")
    assert code == 2
    assert "/no/such/repo" in err and "no such file" in err


def test_bad_fail_on_is_refused() -> None:
    code, _, err = invoke("scan", str(EXAMPLE_REPO), "--fail-on", "loud")
    assert code == 2 and "--fail-on" in err


def test_sarif_locations_are_relative_to_a_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Code-scanning services want repository-relative paths with a base id, not bare absolute paths."""
    monkeypatch.chdir(EXAMPLE_REPO)
    target = tmp_path / "scan.sarif"
    assert invoke("scan", str(EXAMPLE_REPO), "--format", "sarif", "-o", str(target), "--no-cache", "-j", "1")[0] == 0
    run = json.loads(target.read_text(encoding="utf-8"))["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == EXAMPLE_REPO.as_uri() + "/"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "train/finetune.py" in uris
    assert all(not uri.startswith("/") for uri in uris)


NEW_VENDOR = """
porting_targets:
  - id: acme-npu
    name: ACME NPU
    description: "A vendor added in a user catalog: its PyTorch plugin and kernels, written as data for this test."
stacks:
  - id: acme-sdk
    name: ACME SDK
    vendor: ACME
    layer: runtime
    porting_target: acme-npu
"""


def test_a_porting_target_added_in_a_user_catalog_is_scanned_for_with_no_code_change(tmp_path: Path) -> None:
    """A new vendor's stack in a ``--catalog`` file: scan accepts its porting target, and every rule, none of which
    names it, counts as unsupported there."""
    (tmp_path / "acme.yaml").write_text(NEW_VENDOR)
    args = (str(EXAMPLE_REPO), "-t", "acme-npu", "-t", "ascend", "--format", "json", "--no-cache", "-j", "1")
    code, out, err = invoke("--catalog", str(tmp_path), "scan", *args)
    assert code == 0, err
    data = json.loads(out)
    assert data["result"]["targets"] == ["acme-npu", "ascend"]
    (repo,) = data["repositories"]
    acme, ascend = repo["targets"]["acme-npu"], repo["targets"]["ascend"]
    assert acme["findings_by_support"] == {"unsupported": repo["findings"]}
    assert acme["effort_hours"] > ascend["effort_hours"] > 0
    assert all(f["targets"]["acme-npu"] == {"support": "unsupported"} for f in data["result"]["findings"])

    code, out, err = invoke("scan", *args)
    assert code == 2 and out == ""
    assert "unknown target(s) ['acme-npu']" in err and "'portable'" in err


def test_every_shipped_porting_target_is_reported_by_default() -> None:
    code, out, _ = invoke("scan", str(EXAMPLE_REPO / "README.md"), "--format", "json", "--no-cache", "-j", "1")
    assert code == 0
    assert json.loads(out)["result"]["targets"] == ["ascend", "cambricon", "hygon-dcu", "musa", "portable"]
