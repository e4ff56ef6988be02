"""``chipshift chips classify --on --for`` and ``chipshift policy list|show``, driven as a user would."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chipshift.cli.main import app

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def classify(*args: str) -> dict:  # type: ignore[type-arg]
    code, out, err = invoke("chips", "classify", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_h20_in_may_2025_licence_required_though_not_3a090() -> None:
    data = classify("H20", "--on", "2025-05-01")
    assert data["export_class"] == "not covered"
    assert data["export_status"]["status"] == "licence-required"
    assert data["export_status"]["rules"] == ["us-h20-is-informed-2025"]
    letter = next(r for r in data["rules"] if r["id"] == "us-h20-is-informed-2025")
    assert letter["source"]["url"].startswith("https://www.sec.gov/")
    assert letter["title_zh"]


def test_h20_in_september_2025_licensed_with_conditions() -> None:
    data = classify("H20", "--on", "2025-09-01")
    assert data["export_status"]["status"] == "licensed"
    assert [c["value"] for c in data["export_status"]["conditions"]] == [0.15]
    assert data["outlook"]["may_buy"] == "with-licence"


def test_h200_before_and_after_the_lane() -> None:
    before = classify("H200", "--on", "2026-01-14")
    assert before["export_status"]["status"] == "licence-required"
    assert before["export_status"]["presumption"] == "denial"
    after = classify("H200", "--on", "2026-01-15")
    assert after["export_status"]["status"] == "case-by-case"
    kinds = {c["kind"] for c in after["export_status"]["conditions"]}
    assert {"volume-cap", "third-party-testing", "tariff"} <= kinds


def test_entity_listed_vendor_shows_its_listing() -> None:
    data = classify("MTT S4000", "--on", "2026-01-01")
    assert data["export_status"]["status"] == "domestic"
    assert "us-entity-list-biren-mthreads-2023" in {r["id"] for r in data["rules"]}


def test_buyer_options_change_the_rules() -> None:
    commercial = classify("H20", "--on", "2025-12-01")
    state = classify("H20", "--on", "2025-12-01", "--for", "government", "--state-funded")
    assert commercial["outlook"]["may_buy"] == "with-licence"
    assert state["outlook"]["may_buy"] == "no"
    assert "cn-state-funded-dc-domestic-2025" in state["outlook"]["blocked_by"]
    assert state["applied_for"] == {
        "on": "2025-12-01",
        "sector": "government",
        "state_funded": True,
        "critical_infrastructure": False,
        "transaction": "export",
        "end_use": None,
    }


def test_classify_text_shows_class_working_status_and_sources() -> None:
    code, out, _ = invoke("chips", "classify", "H20", "--on", "2025-05-01", "--for", "internet")
    assert code == 0
    assert "export class: not covered" in out and "TPP = " in out
    assert "licence-required" in out
    assert "us-h20-is-informed-2025" in out and "2025年4月告知函" in out
    assert "source [company-filing]" in out


def test_bad_date_and_sector_are_one_line_errors() -> None:
    code, out, err = invoke("chips", "classify", "H20", "--on", "2025-13-01")
    assert code == 2 and out == ""
    assert err.strip() == "error: --on: expected a date YYYY-MM-DD, not '2025-13-01'"
    code, _, err = invoke("chips", "classify", "H20", "--on", "2025-05-01", "--for", "aliens")
    assert code == 2
    assert err.startswith("error: --for: 'aliens' is not one of government, ")
    assert len(err.strip().splitlines()) == 1


def test_policy_list_on_a_date_by_jurisdiction() -> None:
    code, out, _ = invoke("policy", "list", "--on", "2025-05-01", "--jurisdiction", "US", "--json")
    assert code == 0
    data = json.loads(out)
    ids = {r["id"] for r in data["rules"]}
    assert "us-h20-is-informed-2025" in ids and "us-ai-diffusion-2025" in ids
    assert "us-case-by-case-lane-2026" not in ids and "us-chip-security-act" not in ids
    assert all(r["jurisdiction"] == "US" for r in data["rules"])


def test_policy_list_in_chinese_and_all_statuses() -> None:
    code, out, _ = invoke("policy", "list", "--lang", "zh", "--json")
    assert code == 0
    rows = json.loads(out)["rules"]
    act = next(r for r in rows if r["id"] == "us-chip-security-act")
    assert act["status"] == "proposed" and act["title"] == act["title_zh"]
    code, out, _ = invoke("policy", "list", "--on", "2026-02-01")
    assert code == 0 and "cn-state-funded-dc-domestic-2025" in out


def test_policy_show_json_and_text() -> None:
    code, out, _ = invoke("policy", "show", "us-case-by-case-lane-2026", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["source_detail"]["url"].startswith("https://www.govinfo.gov/")
    assert data["applies_to"]["chip"]["tpp_below"] == 21000
    assert {"nvidia-h200-sxm", "amd-mi325x", "nvidia-h100-sxm"} <= {r["chip"] for r in data["reaches"]}
    assert "nvidia-b200" not in {r["chip"] for r in data["reaches"]}
    code, out, _ = invoke("policy", "show", "cn-gov-procurement-domestic-2026")
    assert code == 0 and "20%" in out and "政府采购" in out


def test_policy_show_unknown_rule_suggests_ids() -> None:
    code, _, err = invoke("policy", "show", "h20-letter")
    assert code == 2
    assert "unknown rule 'h20-letter'" in err


def test_user_rule_from_catalog_dir_is_listed(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "sources: [{id: mine, title: Our policy, url_missing_reason: internal}]\n"
        "rules:\n"
        "  - {id: our-rule, jurisdiction: other, authority: us, kind: guidance, title: Ours, title_zh: 我们的,\n"
        "     summary: s, summary_zh: 中, effective: 2026-01-01, effect: {kind: notice}, source: mine,\n"
        "     confidence: primary}\n",
        encoding="utf-8",
    )
    code, out, _ = invoke("--catalog", str(tmp_path), "policy", "list", "--json")
    assert code == 0
    assert "our-rule" in {r["id"] for r in json.loads(out)["rules"]}


def test_compare_prints_the_basis_and_refuses_unlike_ratios() -> None:
    code, out, _ = invoke("chips", "compare", "Orin-X", "J6P", "NX9031", "--json")
    assert code == 0
    rows = {row["field"]: row for row in json.loads(out)["rows"]}
    marketed = rows["marketed_tops.int8"]["cells"]
    assert [c["basis"] for c in marketed] == ["sparse", "unstated", "sparse"]
    assert marketed[1]["ratio"] is None  # 560 of unstated basis is never set against Orin-X's sparse 254
    assert marketed[2]["ratio"] == 4.0  # NX9031 'four Orin-X' on the same sparse basis
    dense = rows["dense_tflops.int8"]["cells"]
    assert dense[0]["value"] == 127 and dense[1]["value"] is None
    code, out, _ = invoke("chips", "compare", "Orin-X", "J6P")
    assert code == 0 and "[unstated]" in out and "[sparse]" in out


def test_every_sector_named_in_the_help_is_accepted() -> None:
    from chipshift.catalog.policy import Sector
    from chipshift.cli.chips import classify_command

    defaults = classify_command.__defaults__ or ()
    help_text = next(d.help for d in defaults if getattr(d, "param_decls", ()) == ("--for",))
    assert [s.strip(" .") for s in help_text.split(":")[1].split(",")] == [s.value for s in Sector]
    for sector in Sector:
        assert classify("910B", "--on", "2026-01-01", "--for", sector.value)["applied_for"]["sector"] == sector.value
