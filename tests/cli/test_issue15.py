"""Issue 15, everyday use: every example of its "Why" (items 1-4, 6 and 7) as a test, driven as a user would.

Some examples were fixed before these tests were written (fleet identity, the samples folder, file errors, the exit
code of an infeasible plan, scenario errors with file and line): their tests stay as regression tests. The
infeasible plan's exit 1 is tested in tests/assess/test_perturbations.py, the report (item 5) in tests/report/.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from chipshift.assess import example_scenario_path
from chipshift.cli.main import app

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "src" / "chipshift" / "examples"
FLEET_EXAMPLES = REPO / "src" / "chipshift" / "fleet" / "examples"
runner = CliRunner()


def invoke(*args: str, columns: int | None = None) -> tuple[int, str, str]:
    env = {"COLUMNS": str(columns) if columns else None}  # None: unset, as xdist workers set COLUMNS=80
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "fleet.sqlite")


def _register(tmp_path: Path, header: str, rows: list[str]) -> Path:
    path = tmp_path / "register.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- 1. fleet counts that cannot double


def test_an_npu_smi_table_and_its_mapping_store_the_host_s_8_npus_once(db: str, shared_data: Path) -> None:
    samples = shared_data / "inventory-samples"
    base = "gpustack__ai-server_atlas-800-training-server_model-9010_version-24.1.RC2"
    code, _, err = invoke(
        "fleet", "ingest", str(samples / f"{base}.txt"), str(samples / f"{base}_mapping.txt"), "--db", db
    )
    assert code == 0, err
    assert "8 device(s), 8 merged" in err  # the summary says how many were merged
    code, out, _ = invoke("fleet", "status", "--db", db, "--json")
    assert json.loads(out)["device_count"] == 8


def test_the_whole_samples_folder_gives_76_devices_none_twice(db: str, shared_data: Path) -> None:
    # Worked out by hand from SOURCES.md in tests/fleet/test_identity.py: 4 + 5 + 24 + 1 + 40 + 2 = 76.
    code, _, err = invoke("fleet", "ingest", str(shared_data / "inventory-samples"), "--db", db)
    assert code == 0, err
    assert "76 device(s), 25 merged" in err
    assert "skipped" in err and "SOURCES.md: not an inventory (unknown format)" in err


def test_a_markdown_file_given_by_name_is_an_unknown_format_not_broken_xml(db: str, shared_data: Path) -> None:
    code, _, err = invoke("fleet", "ingest", str(shared_data / "inventory-samples" / "SOURCES.md"), "--db", db)
    assert code == 2
    assert "unknown inventory format" in err and "XML" not in err.split("chipshift reads")[0]


@pytest.mark.parametrize(
    ("header", "field", "currency"),
    [
        ("unit_price_cny", "price", "CNY"),
        ("price_usd", "price", "USD"),
        ("Unit Price (CNY)", "price", "CNY"),
        ("power_w", "power_w", None),
        ("power_kw", "power_w", None),
        ("memory_gb", "memory", None),
    ],
)
def test_register_headers_with_units_as_suffixes_are_read(header: str, field: str, currency: str | None) -> None:
    from chipshift.fleet.parsers.register_columns import read_column

    column = read_column(header)
    assert (column.field, column.currency) == (field, currency)


def test_a_unit_price_cny_column_gives_the_value_share(db: str, tmp_path: Path) -> None:
    register = _register(tmp_path, "site,model,count,unit_price_cny", ["dc,H20,8,105000", "dc,910B,8,120000"])
    assert invoke("fleet", "ingest", str(register), "--db", db)[0] == 0
    out = invoke("fleet", "status", "--db", db, "--json")[1]
    value = json.loads(out)["overall"]["value"]
    assert value["ratio"] == pytest.approx(120000 / 225000) and value["unknown_devices"] == 0


def test_a_column_not_understood_is_named_and_strict_refuses_the_register(db: str, tmp_path: Path) -> None:
    register = _register(tmp_path, "site,model,count,rack", ["dc,H20,8,A1"])
    code, _, err = invoke("fleet", "ingest", str(register), "--db", db, "--strict")
    assert code == 2 and "'rack' (not a register field)" in err and "nothing stored" in err
    assert not Path(db).exists() or json.loads(invoke("fleet", "status", "--db", db, "--json")[1])["device_count"] == 0
    code, _, err = invoke("fleet", "ingest", str(register), "--db", db)
    assert code == 0 and "warning:" in err and "'rack' (not a register field)" in err


def test_automotive_chips_count_in_their_own_basis_and_nx9031_as_four_orin_x(db: str, tmp_path: Path) -> None:
    register = _register(
        tmp_path, "site,sector,model,count", ["plant,automotive,NX9031,10", "plant,automotive,Orin-X,40"]
    )
    assert invoke("fleet", "ingest", str(register), "--db", db)[0] == 0
    report = json.loads(invoke("fleet", "status", "--db", db, "--json")[1])
    assert report["units"]["edge_compute"] == "dense INT8 TOPS"
    edge, compute = report["overall"]["edge_compute"], report["overall"]["compute"]
    assert (edge["domestic"], edge["total"], edge["unknown_devices"]) == (10 * 508, 10 * 508 + 40 * 127, 0)
    assert compute["total"] == 0 and compute["unknown_devices"] == 0  # not left out: counted in their basis
    equivalent = report["overall"]["equivalent_count"]  # the catalog's sourced ratio, no targets file needed
    assert (equivalent["domestic"], equivalent["total"]) == (40, 80)
    assert any("nio-nx9031" in sentence for sentence in report["consolidation"])
    out = invoke("fleet", "status", "--db", db, columns=200)[1]
    assert "edge compute % INT8" in out and "edge compute: dense INT8 TOPS (automotive and edge chips)" in out


def test_export_says_where_each_device_came_from_and_an_unknown_snapshot_is_an_error(db: str, tmp_path: Path) -> None:
    register = _register(tmp_path, "site,model,count", ["dc,H20,8"])
    assert invoke("fleet", "ingest", str(register), "--db", db)[0] == 0
    code, out, _ = invoke("fleet", "export", "--db", db, "--json")
    device = json.loads(out)["devices"][0]
    assert device["snapshot_id"] == 1 and device["source"] == str(register)
    code, out, err = invoke("fleet", "export", "--db", db, "--snapshot", "999")
    assert code == 2 and "no snapshot 999" in err and out == ""


def test_a_bad_as_of_date_names_as_of(db: str, tmp_path: Path) -> None:
    code, _, err = invoke("fleet", "status", "--db", db, "--as-of", "notadate")
    assert code == 2 and err.startswith("error: --as-of") and "--when" not in err


def test_a_reader_creates_no_database_and_no_folder(tmp_path: Path) -> None:
    wanted = tmp_path / "missing" / "dir" / "x.db"
    for command in (["fleet", "status"], ["fleet", "history"], ["fleet", "export"], ["fleet", "check"]):
        code, _, err = invoke(*command, "--db", str(wanted))
        assert code == 2 and "does not exist" in err, command
    assert not (tmp_path / "missing").exists()


# ---------------------------------------------------------------- 2. every number checked at the edge

SIZE = ["size", "llama-3.1-8b", "--chip", "H20"]
ESTIMATE = ["estimate", "llama-3.1-8b", "H20"]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        ([*SIZE, "--output-tokens-per-s", "-100"], "--output-tokens-per-s"),
        ([*SIZE, "--train-tokens", "-1e9", "--days", "10"], "--train-tokens"),
        ([*SIZE, "--train-tokens", "1e9", "--days", "0"], "--days"),
        ([*SIZE, "--output-tokens-per-s", "100", "--percentile", "42"], "--percentile"),
        ([*ESTIMATE, "--tpot-ms", "0"], "--tpot-ms"),
        ([*ESTIMATE, "--tpot-ms", "-1"], "--tpot-ms"),
        (["plan", "--example", "--workers", "0"], "--workers"),
        (["chips", "classify", "H20", "--on", "2025-13-01"], "--on"),
        (["fleet", "ingest", "x.csv", "--when", "notadate"], "--when"),
    ],
)
def test_a_number_or_date_out_of_range_is_one_line_naming_the_option(args: list[str], option: str) -> None:
    code, out, err = invoke(*args)
    assert code == 2 and out == ""
    assert err.startswith("error:") and option in err and len(err.strip().splitlines()) == 1


def test_a_latency_target_that_cannot_be_met_says_by_how_much() -> None:
    code, _, err = invoke(*ESTIMATE, "--tpot-ms", "5")
    assert code == 2
    assert "TPOT target of 5 ms cannot be met" in err and re.search(r"\d\.\dx the target", err)


def test_a_binary_validation_file_is_a_clear_error(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(bytes(range(256)) * 4)
    code, _, err = invoke("validate", str(binary))
    assert code == 2 and "binary.yaml:2: not UTF-8 text (byte 0x80)" in err  # line 2: byte 10 is a newline
    assert len(err.strip().splitlines()) == 1  # no progress lines around input refused before the work


def test_report_paths_that_cannot_be_written_are_refused_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("kept", encoding="utf-8")
    for target, problem in ((tmp_path, "is a folder"), (tmp_path / "a-file" / "r.html", "is a file, not a folder")):
        code, _, err = invoke("assess", "--example", "--no-monte-carlo", "--output", str(target), "-q")
        assert code == 2 and problem in err, err
    assert (tmp_path / "a-file").read_text(encoding="utf-8") == "kept"


def _scenario_copy(tmp_path: Path, change: dict[str, object]) -> Path:
    folder = tmp_path / "scenario"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    path = folder / "example.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(change)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_negative_budget_and_an_unknown_candidate_are_errors_at_their_line(tmp_path: Path) -> None:
    path = _scenario_copy(tmp_path, {"budget_per_year": {2025: -150000000}})
    code, _, err = invoke("compare", str(path), "-q")
    assert code == 2 and re.search(r"example\.yaml:\d+: field 'budget_per_year\.2025'", err)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["budget_per_year"] = {2025: 150000000}
    data["candidates"][0]["id"] = "huawei-ascend-999x"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code, _, err = invoke("compare", str(path), "-q")
    assert code == 2 and re.search(r"example\.yaml:\d+: field 'candidates\[0\]\.id': unknown chip or system", err)


# ---------------------------------------------------------------- 3. one convention


def _leaves(command: typer.core.TyperGroup, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], object]]:
    for name, sub in sorted(command.commands.items()):
        if hasattr(sub, "commands"):
            yield from _leaves(sub, (*path, name))
        else:
            yield (*path, name), sub


LEAVES = dict(_leaves(typer.main.get_command(app)))  # type: ignore[arg-type]
WITHOUT_RESULT = {("init", "scenario")}
"""Commands that write files of their own and print no result."""


def _options(command: object) -> set[str]:
    return {name for param in command.params for name in (*param.opts, *param.secondary_opts)}  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", sorted(LEAVES), ids=" ".join)
def test_every_command_takes_the_shared_options(path: tuple[str, ...]) -> None:
    options = _options(LEAVES[path])
    assert {"-q", "--quiet"} <= options
    if path not in WITHOUT_RESULT:
        assert {"--format", "--json", "--output", "-o"} <= options


@pytest.mark.parametrize("path", [(), *sorted(LEAVES), ("fleet",), ("chips",), ("estimate",)], ids=" ".join)
def test_no_help_shows_a_bool_type(path: tuple[str, ...]) -> None:
    code, out, _ = invoke(*path, "--help", columns=200)
    assert code == 0
    assert "<bool>" not in out


def test_json_is_the_short_alias_of_format_json_and_the_two_must_agree() -> None:
    assert "--json" in invoke("chips", "show", "H20", "--help", columns=200)[1]
    code, out, _ = invoke("chips", "show", "H20", "--format", "json")
    assert code == 0 and json.loads(out)["id"] == "nvidia-h20"
    assert json.loads(invoke("chips", "show", "H20", "--json")[1]) == json.loads(out)
    code, _, err = invoke("chips", "list", "--json", "--format", "csv")
    assert code == 2 and "give --json or --format csv, not both" in err


def test_output_writes_the_result_to_a_file_and_nothing_to_stdout(tmp_path: Path) -> None:
    target = tmp_path / "chips.csv"
    code, out, err = invoke("chips", "list", "--format", "csv", "-o", str(target))
    assert code == 0 and out == "" and f"wrote {target}" in err
    assert target.read_text(encoding="utf-8").startswith("id,name,vendor")
    table = tmp_path / "h20.txt"
    assert invoke("chips", "show", "H20", "--output", str(table))[0] == 0
    assert "export class: not covered" in table.read_text(encoding="utf-8")
    assert invoke("chips", "list", "-o", str(tmp_path))[0] == 2  # a folder is refused


def test_quiet_leaves_nothing_on_stderr_but_errors(tmp_path: Path) -> None:
    code, out, err = invoke("scan", str(EXAMPLES / "example-repo"), "--no-cache", "-q", "--json")
    assert code == 0 and json.loads(out) and err == ""
    register = _register(tmp_path, "site,model,count,rack", ["dc,H20,8,A1"])
    code, _, err = invoke("fleet", "ingest", str(register), "--db", str(tmp_path / "f.sqlite"), "-q")
    assert code == 0 and err == ""
    code, _, err = invoke("chips", "show", "H30", "-q")
    assert code == 2 and err.startswith("error: unknown chip 'H30'")


def test_comparing_one_chip_is_an_error() -> None:
    code, out, err = invoke("chips", "compare", "H20")
    assert code == 2 and out == "" and "two or more chips" in err and "chips show H20" in err


def test_fail_on_targets_gives_exit_1_when_a_target_is_missed(db: str) -> None:
    assert invoke("fleet", "ingest", str(FLEET_EXAMPLES / "fleet-register.csv"), "--db", db)[0] == 0
    targets = str(FLEET_EXAMPLES / "fleet-targets.yaml")
    code, out, _ = invoke("fleet", "status", "--db", db, "--targets", targets)
    assert code == 0 and "Targets" in out
    code, out, err = invoke("fleet", "status", "--db", db, "--targets", targets, "--fail-on-targets")
    assert code == 1 and "Targets" in out and "targets not met" in err
    code, _, err = invoke("fleet", "status", "--db", db, "--fail-on-targets")
    assert code == 2 and "--targets" in err


def test_scan_fail_on_gives_exit_1() -> None:
    repo = str(EXAMPLES / "example-repo")
    assert invoke("scan", repo, "--no-cache", "-q")[0] == 0
    assert invoke("scan", repo, "--no-cache", "-q", "--fail-on", "high")[0] == 1


def test_migrate_json_lists_every_file_with_its_rewrites_on_stdout_or_in_a_file(tmp_path: Path) -> None:
    code, out, _ = invoke("migrate", str(EXAMPLES / "example-repo"), "--json")
    assert code == 0
    listed = json.loads(out)
    code, out, _ = invoke("migrate", str(EXAMPLES / "example-repo"), "--format", "json", "-o", str(tmp_path / "m.json"))
    assert code == 0 and out == "" and json.loads((tmp_path / "m.json").read_text(encoding="utf-8")) == listed
    patch = tmp_path / "port.patch"
    code, out, _ = invoke("migrate", str(EXAMPLES / "example-repo"), "--patch", str(patch), "-q")  # the old spelling
    assert code == 0 and out == "" and patch.read_text(encoding="utf-8").startswith("--- a/")


def test_the_readme_documents_the_exit_codes() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for code in ("0", "1", "2", "70"):
        assert re.search(rf"^\| `{code}` \|", readme, flags=re.MULTILINE), code
    assert "--fail-on-targets" in readme and "--fail-on" in readme


# ---------------------------------------------------------------- 4. tables that fit


def test_chip_ids_and_export_classes_are_whole_at_80_columns() -> None:
    from chipshift.catalog import classify_chip, load_catalog

    code, out, _ = invoke("chips", "list", columns=80)
    assert code == 0 and "…" not in out
    assert max(len(line) for line in out.splitlines() if line.startswith(("┃", "│", "┏"))) <= 80
    for chip in load_catalog().chips.values():
        assert chip.id in out
        assert classify_chip(chip).export_class.value in out
    assert "left out to fit 80 columns" in out


@pytest.mark.parametrize(
    "args",
    [
        ["chips", "show", "H20"],
        ["chips", "compare", "H20", "910B", "H200"],
        ["policy", "list"],
        ["models", "show", "llama-3.1-8b"],
        [*ESTIMATE],
        ["estimate", "train", "llama-3.1-8b", "H20"],
    ],
    ids=" ".join,
)
def test_tables_at_80_columns_cut_nothing_and_print_nothing_raw(args: list[str]) -> None:
    code, out, _ = invoke(*args, columns=80)
    assert code == 0
    assert "…" not in out
    assert not re.search(r"<\w+\.\w+: '", out)  # an enum's repr
    assert not re.search(r"\bNone\b", out)
    assert not re.search(r"\de[+-]\d", out)


def test_chips_show_says_what_is_known_about_security_in_words() -> None:
    out = invoke("chips", "show", "H20", columns=200)[1]
    assert "driver source partial" in out and "firmware source closed" in out and "Openness" not in out


def test_estimate_numbers_are_whole_at_80_columns() -> None:
    out = invoke(*ESTIMATE, columns=80)[1]
    assert "attention.proj" in out and "ffn.dense" in out
    assert re.search(r"│\s+\d,\d{3}\.\d\d │", out)  # the prefill FFN time (over a second), whole


def test_scan_findings_keep_file_and_line_at_160_columns() -> None:
    out = invoke("scan", str(EXAMPLES / "example-repo"), "--no-cache", "-q", columns=160)[1]
    assert "finetune.py:" in out and "…" not in out


# ---------------------------------------------------------------- 6. progress on long steps


@pytest.mark.parametrize(
    ("args", "lines"),
    [
        (
            [*SIZE, "--output-tokens-per-s", "1000", "--lengths", "fixed", "--requests", "50"],
            ["size: started", "size: done, 1 of 1 candidates"],
        ),
        (["validate"], ["validate: started", "validate: done, "]),
        (["scan", str(EXAMPLES / "example-repo"), "--no-cache"], ["scan: started", "scan: done, 5 of 5 files"]),
        (["migrate", str(EXAMPLES / "example-repo")], ["migrate: started", "migrate: done, 2 of 2 files"]),
        (
            ["estimate", "serve", "qwen3-8b", "H100", "--lengths", "fixed", "--requests", "20"],
            ["simulate 20 requests: done"],
        ),
    ],
    ids=["size", "validate", "scan", "migrate", "estimate serve"],
)
def test_long_steps_say_how_far_they_are_and_quiet_says_nothing(args: list[str], lines: list[str]) -> None:
    code, _, err = invoke(*args)
    assert code == 0, err
    for line in lines:
        assert line in err
    code, _, err = invoke(*args, "-q")
    assert code == 0 and err == ""


def test_the_monte_carlo_says_how_many_runs_are_done() -> None:
    code, _, err = invoke("plan", "--example", "--json")
    assert code == 0
    assert "monte carlo: started" in err and re.search(r"monte carlo: done, (\d+) of \1 runs", err)


# ---------------------------------------------------------------- 7. hints that work


def test_catalog_is_taken_where_the_messages_point(tmp_path: Path) -> None:
    code, out, err = invoke("compare", "--example", "--catalog", str(tmp_path), "-q")
    assert code == 0, err
    assert "(--catalog DIR)" in out  # the gate's message, and the option it names works here
    assert invoke("estimate", "llama-3.1-8b", "H20", "--catalog", str(tmp_path), "--json")[0] == 0
    code, _, err = invoke("chips", "show", "H20", "--catalog", str(tmp_path / "missing"))
    assert code == 2 and "catalog directory does not exist" in err


def test_a_system_given_as_a_chip_points_to_its_chip_and_system() -> None:
    code, _, err = invoke("chips", "show", "cloudmatrix-384")
    assert code == 2
    assert "'cloudmatrix-384' is a system of 384 x huawei-ascend-910c" in err and "--system cloudmatrix-384" in err
    assert invoke("estimate", "llama-3.1-8b", "cloudmatrix-384", "--json")[0] == 0  # estimate takes the system id


def test_init_scenario_writes_a_scenario_that_runs_where_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "my-plan"
    code, _, err = invoke("init", "scenario", str(folder))
    assert code == 0 and "chipshift assess" in err
    assert (folder / "scenario.yaml").read_bytes() == example_scenario_path().read_bytes()
    assert (folder / "fleet.csv").is_file() and (folder / "example-repo" / "train" / "finetune.py").is_file()
    code, out, err = invoke("compare", str(folder / "scenario.yaml"), "--json", "-q")
    assert code == 0, err
    assert json.loads(out)["topsis_order"]
    (folder / "fleet.csv").write_text("kept\n", encoding="utf-8")
    code, _, err = invoke("init", "scenario", str(folder))
    assert code == 2 and "already exists; nothing written" in err
    assert (folder / "fleet.csv").read_text(encoding="utf-8") == "kept\n"


def test_the_readme_s_copy_instruction_is_the_one_that_works() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "chipshift init scenario" in readme
    assert "copy `src/chipshift/examples/example.yaml`" not in readme


def test_the_cli_s_copy_of_the_latency_percentiles_equals_the_engine_s() -> None:
    from chipshift.cli.perf import SLO_PERCENTILES
    from chipshift.perf.serving import SLO_PERCENTILES as ENGINE

    assert SLO_PERCENTILES == ENGINE
