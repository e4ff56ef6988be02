"""``chipshift fleet ingest|status|history|export`` driven through the CLI runner, as a user would."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipshift.cli.common import OutputFormat
from chipshift.cli.main import app
from chipshift.fleet import FleetStore, local
from chipshift.fleet.views import Breakdown

from .conftest import EXAMPLES

runner = CliRunner()


def invoke(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite'}"


def test_ingest_status_history_export(db: str, samples: Path) -> None:
    code, _, err = invoke(
        "fleet",
        "ingest",
        str(EXAMPLES / "fleet-register.csv"),
        str(samples / "cyborg__test_ascend_lspci.txt"),
        "--site",
        "lab",
        "--db",
        db,
    )
    assert code == 0, err
    assert "stored" in err and "708 device(s)" in err
    assert "unmatched 2 × Huawei Ascend 310 [Huawei]: 'Huawei Ascend 310' is not in the catalog (line 1, 2)" in err
    code, out, _ = invoke(
        "fleet", "status", "--db", db, "--format", "json", "--targets", str(EXAMPLES / "fleet-targets.yaml")
    )
    assert code == 0
    report = json.loads(out)
    assert report["rule"]["description"] == "designer based in CN"
    assert report["device_count"] == 710
    assert len(report["targets"]) == 3
    code, out, _ = invoke("fleet", "status", "--db", db, "--by", "site")
    assert code == 0 and "shanghai-ai-centre" in out and "lab" in out
    code, out, _ = invoke("fleet", "history", "--db", db, "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("taken_at,snapshots,devices,count")
    code, out, _ = invoke("fleet", "export", "--db", db, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and sum(int(r["count"]) for r in rows) == 710
    assert {r["reason"] for r in rows if not r["chip_id"]} == {"'Huawei Ascend 310' is not in the catalog"}
    code, out, _ = invoke("fleet", "export", "--db", db, "--format", "json")
    assert code == 0 and len(json.loads(out)["snapshots"]) == 2


def test_status_rule_option(db: str) -> None:
    invoke("fleet", "ingest", str(EXAMPLES / "fleet-register.csv"), "--db", db)
    code, out, _ = invoke("fleet", "status", "--db", db, "--rule", "fab", "--format", "json")
    assert code == 0
    assert json.loads(out)["rule"]["description"] == "logic die made in CN"


def test_ingest_stdin(db: str, samples: Path) -> None:
    data = (samples / "telegraf__a100-sxm4-v12.xml").read_bytes()
    code, _, err = invoke("fleet", "ingest", "-", "--source", "gpu-host-7", "--db", db, stdin=data)
    assert code == 0, err
    assert "nvidia-smi-xml-v12" in err
    code, out, _ = invoke("fleet", "export", "--db", db, "--format", "json")
    assert json.loads(out)["snapshots"][0]["source_key"] == "/gpu-host-7"


def test_refused_file_stores_nothing_by_default_and_the_others_with_each(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("model,count\nH20,lots\n")
    code, _, err = invoke("fleet", "ingest", str(EXAMPLES / "fleet-register.csv"), str(bad), "--db", db)
    assert code == 2
    assert f"{bad}:2: field 'count'" in err and "nothing stored" in err
    assert "not stored" in err and "fleet-register.csv" in err
    assert FleetStore(db).snapshot_count() == 0
    code, _, err = invoke("fleet", "ingest", str(bad), str(EXAMPLES / "fleet-register.csv"), "--each", "--db", db)
    assert code == 2 and "stored 1 of 2 file(s) (snapshots 1)" in err
    code, out, _ = invoke("fleet", "export", "--db", db, "--format", "json")
    assert len(json.loads(out)["snapshots"]) == 1


def test_unknown_format_message(db: str, tmp_path: Path) -> None:
    odd = tmp_path / "odd.txt"
    odd.write_text("nothing here\n")
    code, _, err = invoke("fleet", "ingest", str(odd), "--db", db)
    assert code == 2 and "odd.txt: unknown inventory format" in err and "Traceback" not in err


def test_local_without_tools_says_so(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local.shutil, "which", lambda name: None)
    code, _, err = invoke("fleet", "ingest", "--local", "--db", db)
    assert code == 2
    assert "no vendor tool found on PATH" in err and "nvidia-smi" in err


def test_local_runs_found_tool_read_only(db: str, monkeypatch: pytest.MonkeyPatch, fixtures: Path) -> None:
    ran: list[list[str]] = []

    class Done:
        returncode = 0
        stdout = (fixtures / "cnmon.txt").read_bytes()
        stderr = b""

    def fake_run(args: list[str], **kwargs: object) -> Done:
        ran.append(args)
        assert kwargs["timeout"] == local.TIMEOUT_S
        return Done()

    monkeypatch.setattr(local.shutil, "which", lambda name: "/usr/bin/cnmon" if name == "cnmon" else None)
    monkeypatch.setattr(local.subprocess, "run", fake_run)
    code, _, err = invoke("fleet", "ingest", "--local", "--db", db)
    assert code == 0, err
    assert ran == [["/usr/bin/cnmon"]]
    assert "local:cnmon@" in err and "2 device(s)" in err


def test_no_files_is_an_error(db: str) -> None:
    code, _, err = invoke("fleet", "ingest", "--db", db)
    assert code == 2 and "give inventory files" in err


def test_empty_store_status(db: str) -> None:
    code, _, err = invoke("fleet", "ingest", "-", "--db", db, stdin=b"model,count\n")
    assert code == 0, err
    code, _, err = invoke("fleet", "status", "--db", db)
    assert code == 0 and "no devices yet" in err


@pytest.mark.parametrize("by", list(Breakdown))
@pytest.mark.parametrize("output", list(OutputFormat))
def test_every_status_choice_is_handled(db: str, by: Breakdown, output: OutputFormat) -> None:
    invoke("fleet", "ingest", str(EXAMPLES / "fleet-register.csv"), "--db", db)
    code, out, _ = invoke("fleet", "status", "--db", db, "--by", by.value, "--format", output.value)
    assert code == 0 and out.strip()


@pytest.mark.parametrize("output", list(OutputFormat))
def test_every_history_format_is_handled(db: str, output: OutputFormat) -> None:
    invoke("fleet", "ingest", str(EXAMPLES / "fleet-register.csv"), "--db", db)
    code, out, _ = invoke("fleet", "history", "--db", db, "--format", output.value)
    assert code == 0 and out.strip()


def test_status_table_says_what_is_left_out(db: str) -> None:
    invoke("fleet", "ingest", str(EXAMPLES / "fleet-register.csv"), "--db", db)
    code, out, _ = invoke("fleet", "status", "--db", db)
    assert code == 0 and "memory: 500 device(s) left out" in out
    assert "compute: 500" not in out  # the automotive chips count in edge compute, in their own basis


def test_as_of_a_date_includes_that_whole_day(db: str) -> None:
    invoke("fleet", "ingest", "-", "--source", "a", "--when", "2025-06-30T15:00:00", "--db", db, stdin=b"model\nH20\n")
    invoke("fleet", "ingest", "-", "--source", "b", "--when", "2025-07-02", "--db", db, stdin=b"model\n910B\n")
    code, out, _ = invoke("fleet", "status", "--db", db, "--as-of", "2025-06-30", "--format", "json")
    assert code == 0 and json.loads(out)["device_count"] == 1
    code, out, _ = invoke("fleet", "export", "--db", db, "--as-of", "2025-07-31", "--format", "csv")
    assert code == 0 and len(out.strip().splitlines()) == 3
    code, _, err = invoke("fleet", "status", "--db", db, "--as-of", "yesterday")
    assert code == 2 and "--as-of must be an ISO date" in err


def test_export_neutralises_formulas(db: str) -> None:
    invoke("fleet", "ingest", "-", "--db", db, stdin=b'model,site\nH20,"=HYPERLINK(""http://x"")"\n')
    code, out, _ = invoke("fleet", "export", "--db", db, "--format", "csv")
    assert code == 0 and "'=HYPERLINK" in out


def test_a_markdown_file_is_an_unknown_format_not_broken_xml(db: str, samples: Path) -> None:
    code, _, err = invoke("fleet", "ingest", str(samples / "SOURCES.md"), "--db", db)
    assert code == 2 and "SOURCES.md: unknown inventory format" in err and "XML" not in err.split("reads")[0]
