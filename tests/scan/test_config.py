"""Per-project settings (issue 14, item 5): ``chipshift.toml`` or ``[tool.chipshift]`` excludes paths, disables and
re-rates rules; a bad setting is a one-line error naming the file and the field, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipshift.cli.main import app
from chipshift.errors import InputFileError
from chipshift.scan import scan_paths

SCRIPT = 'import torch\ntorch.cuda.synchronize()\nx = "cuda" in name\nmodel.to("cuda")\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(SCRIPT)
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.py").write_text(SCRIPT + "# an older copy\n")  # not the same bytes: not a copy
    return tmp_path


def rules(repo: Path) -> list[tuple[str, str, str]]:
    result = scan_paths([repo], ["portable"], use_cache=False, jobs=1)
    return sorted((Path(f.path).relative_to(repo).as_posix(), f.rule_id, f.severity) for f in result.findings)


def test_chipshift_toml_excludes_disables_and_rerates(repo: Path) -> None:
    before = rules(repo)
    assert {path for path, _, _ in before} == {"train.py", "legacy/old.py"}
    (repo / "chipshift.toml").write_text('exclude = ["legacy/**"]\ndisable = ["CS149"]\n[severity]\nCS141 = "low"\n')
    after = rules(repo)
    assert {path for path, _, _ in after} == {"train.py"}
    assert "CS149" not in {rule for _, rule, _ in after}
    assert ("train.py", "CS141", "low") in after
    assert len(after) == len([r for r in before if r[0] == "train.py" and r[1] != "CS149"])


def test_pyproject_tool_table_is_read(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.chipshift]\ndisable = ["CS149"]\n')
    assert "CS149" not in {rule for _, rule, _ in rules(repo)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('disable = ["CS14"]\n', "chipshift.toml: field 'disable': unknown rule 'CS14'; did you mean"),
        ('exclude = "legacy"\n', "chipshift.toml: field 'exclude': must be a list of strings"),
        ('[severity]\nCS141 = "urgent"\n', "field 'severity.CS141': 'urgent' is no severity"),
        ("excludes = []\n", "field 'excludes': unknown setting"),
        ("disable = [\n", "chipshift.toml: not valid TOML"),
    ],
)
def test_a_bad_setting_is_a_clear_error(repo: Path, text: str, message: str) -> None:
    (repo / "chipshift.toml").write_text(text)
    with pytest.raises(InputFileError) as error:
        scan_paths([repo], ["portable"], use_cache=False, jobs=1)
    assert message in str(error.value)
    run = CliRunner().invoke(app, ["scan", str(repo), "--no-cache"])
    assert run.exit_code == 2
    assert message in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_a_broken_pyproject_is_the_projects_problem_not_a_settings_error(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.chipshift\ndependencies = ["flash-attn"]\n')
    result = scan_paths([repo], ["portable"], use_cache=False, jobs=1)
    assert [Path(s.path).name for s in result.skipped] == ["pyproject.toml"]  # reported, and the scan goes on
    assert {Path(f.path).name for f in result.findings} == {"train.py", "old.py"}
