"""migrate on files built to crash or stall it (issue 17): each is reported alone, the others are still ported."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from chipshift.cli.main import app
from chipshift.migrate import FileFailed, FileMigrated, load_target, migrate_paths
from chipshift.migrate.engine import MigrateLimits

runner = CliRunner()
CUDA = "import torch\n\nmodel = Net().cuda()\n"


def hostile_tree(root: Path) -> Path:
    """Files that crashed migrate (SIGSEGV, SIGABRT, RecursionError) beside one ordinary CUDA script."""
    (root / "attributes.py").write_text("x = torch.cuda" + ".b" * 20_000 + "\n")  # 40 KB: SIGSEGV in LibCST
    (root / "one_line.py").write_text("x = [" + ",".join(["'cuda'"] * 600_000) + "]\n")  # 4.2 MB on one line
    (root / "terms.py").write_text("x = torch.cuda.a" + "+a" * 400 + "\n")  # RecursionError in LibCST
    (root / "train.py").write_text(CUDA)
    return root


def test_hostile_files_fail_alone_and_the_others_are_ported(tmp_path: Path) -> None:
    result = migrate_paths([hostile_tree(tmp_path)], load_target("portable"), jobs=2)
    outcomes = {item.path.name: item for item in result.files}
    attributes, one_line = outcomes["attributes.py"], outcomes["one_line.py"]
    assert isinstance(attributes, FileFailed) and "nested more than 1,000 levels deep" in attributes.reason
    assert isinstance(one_line, FileFailed) and "larger than the 1 MiB limit" in one_line.reason
    terms, train = outcomes["terms.py"], outcomes["train.py"]
    assert isinstance(terms, FileMigrated) and not terms.result.changed  # 400 terms: within what real code needs
    assert isinstance(train, FileMigrated) and "Net().to(device)" in train.result.migrated


def test_limits_are_the_callers(tmp_path: Path) -> None:
    (tmp_path / "terms.py").write_text("x = torch.cuda.a" + "+a" * 400 + "\n")
    tight = MigrateLimits(max_nesting=100)
    (outcome,) = migrate_paths([tmp_path], load_target("portable"), limits=tight).files
    assert isinstance(outcome, FileFailed) and "line 1: nested more than 100 levels deep" in outcome.reason


def test_the_cli_reports_each_failure_and_still_shows_the_other_diffs(tmp_path: Path) -> None:
    result = runner.invoke(app, ["migrate", str(hostile_tree(tmp_path))])
    assert result.exit_code == 1
    assert "+model = Net().to(device)" in result.stdout
    assert "4 file(s), 1 would change" in result.stderr and "2 failed" in result.stderr
    assert "attributes.py: line 1: nested more than 1,000 levels deep" in result.stderr
    assert "one_line.py: larger than the 1 MiB limit" in result.stderr


def test_devices_and_fifos_are_not_read(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    (outcome,) = migrate_paths([fifo], load_target("portable")).files
    assert isinstance(outcome, FileFailed) and "not a regular file" in outcome.reason
