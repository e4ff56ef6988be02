"""A 1 KB YAML alias bomb (and 20,000-deep YAML) in every kind of YAML file chipshift reads, through the CLI.

Each is refused in linear time with exit 2 and one line naming the file and line, and nothing is written or stored;
in a scanned repository the bomb is one skipped file and the scan goes on.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chipshift.assess import example_scenario_path
from chipshift.fleet import FleetStore

from .conftest import files_in, run
from .test_data_files import alias_bomb

DEEP = "[" * 20_000 + "]" * 20_000


@pytest.fixture(params=["bomb", "deep"])
def hostile(request: pytest.FixtureRequest) -> tuple[str, str]:
    """A hostile YAML document and the words of its refusal."""
    if request.param == "bomb":
        return alias_bomb(), "aliases expand to more than 100,000 extra nodes"
    return f"a: 1\nb: {DEEP}\n", "nested more than 64 levels deep"


def test_in_a_scenario(tmp_path: Path, hostile: tuple[str, str]) -> None:
    text, problem = hostile
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    run("assess", path, "--out", tmp_path / "report.html", "-q").refused(f"{path}:", problem)
    assert files_in(tmp_path) == ["scenario.yaml"]


def test_in_a_user_catalog(tmp_path: Path, hostile: tuple[str, str]) -> None:
    text, problem = hostile
    (tmp_path / "chips.yaml").write_text(text)
    run("--catalog", tmp_path, "chips", "list").refused("chips.yaml:", problem)


def test_in_a_fleet_targets_file(tmp_path: Path, hostile: tuple[str, str]) -> None:
    text, problem = hostile
    path = tmp_path / "targets.yaml"
    path.write_text(text)
    db = f"sqlite:///{tmp_path / 'f.sqlite'}"
    assert run("fleet", "ingest", "-", "--db", db, stdin="model,count\nH20,4\n").code == 0
    run("fleet", "status", "--db", db, "--targets", path).refused(f"{path}:", problem)


def test_in_a_validation_file(tmp_path: Path, hostile: tuple[str, str]) -> None:
    text, problem = hostile
    path = tmp_path / "cases.yaml"
    path.write_text(text)
    run("validate", path).refused(f"{path}:", problem)


def test_in_a_yaml_register_stores_nothing(tmp_path: Path, hostile: tuple[str, str]) -> None:
    text, problem = hostile
    db = f"sqlite:///{tmp_path / 'fleet.sqlite'}"
    good = tmp_path / "good.csv"
    good.write_text("model,count,site\nH20,4,sh\n")
    assert run("fleet", "ingest", good, "--db", db).code == 0
    register = tmp_path / "register.yaml"
    if text.startswith("a0"):  # the case: the bomb's top alias used as a device's site
        text = text.replace("a6: &a6", "i: &i") + "devices:\n  - {model: H20, count: 1, site: *i}\n"
    register.write_text(text)
    run("fleet", "ingest", register, "--db", db).refused(f"{register}:", problem)
    store = FleetStore(db)
    assert store.snapshot_count() == 1 and sum(d.count for d in store.fleet()) == 4


def test_in_a_migrate_target_file_writes_nothing(tmp_path: Path, hostile: tuple[str, str]) -> None:
    text, problem = hostile
    target = tmp_path / "target.yaml"
    target.write_text(text)
    script = tmp_path / "train.py"
    script.write_text("import torch\ntorch.cuda.synchronize()\n")
    before = files_in(tmp_path)
    run("migrate", script, "--target-file", target, "--patch", tmp_path / "p.patch").refused(f"{target}:", problem)
    assert files_in(tmp_path) == before
    assert script.read_text() == "import torch\ntorch.cuda.synchronize()\n"


def test_in_a_scanned_environment_yml_is_one_skipped_file(tmp_path: Path, hostile: tuple[str, str]) -> None:
    text, problem = hostile
    if text.startswith("a0"):  # the case: every expanded leaf is a CUDA package, a finding each
        text = alias_bomb(leaf="cudatoolkit").replace("a6: &a6", "dependencies:")
    else:
        text = f"dependencies: [cudatoolkit]\nb: {DEEP}\n"
    (tmp_path / "environment.yml").write_text(text)
    (tmp_path / "train.py").write_text("import torch\ntorch.cuda.synchronize()\n")
    outcome = run("scan", tmp_path, "--format", "json", "--no-cache")
    assert outcome.code == 0, outcome.stderr
    report = json.loads(outcome.stdout)["result"]
    skipped = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert problem in skipped["environment.yml"]
    assert [(Path(f["path"]).name, f["line"]) for f in report["findings"]] == [("train.py", 2)]


def test_the_example_scenario_still_loads() -> None:
    outcome = run("compare", example_scenario_path(), "--json", "-q")
    assert outcome.code == 0, outcome.stderr
