"""One source of truth for scan and migrate (issue 14, item 3): on every Python fixture, sample and corpus tree of the
tests, for ``portable`` and ``ascend``, a finding the scan calls ``auto`` is on a line migrate rewrites, and none is
left after the port. Both read the same multi-backend regions (:mod:`chipshift.multibackend`) and decide library mode
the same way, so the trees are scanned and migrated whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipshift.migrate import FileMigrated, load_target, migrate_paths
from chipshift.scan import scan_paths
from chipshift.scan.finding import Finding, Support
from chipshift.scan.rules import load_rules

TESTS = Path(__file__).parent.parent
ROOTS = (
    TESTS / "scan" / "fixtures" / "python" / "libs.py",
    TESTS / "scan" / "fixtures" / "python" / "pkg",
    *sorted((TESTS / "migrate" / "samples").glob("*.py")),
    *sorted(path for path in (TESTS / "multibackend" / "corpus").iterdir() if path.is_dir()),
)
RULES = load_rules().by_id


def auto_lines(findings: list[Finding], target: str) -> dict[str, set[int]]:
    lines: dict[str, set[int]] = {}
    for finding in findings:
        if RULES[finding.rule_id].targets[target].support is Support.AUTO:
            lines.setdefault(Path(finding.path).resolve().as_posix(), set()).add(finding.line)
    return lines


@pytest.mark.parametrize("target", ["portable", "ascend"])
@pytest.mark.parametrize("root", ROOTS, ids=lambda path: path.name)
def test_what_scan_calls_auto_migrate_rewrites(root: Path, target: str, tmp_path: Path) -> None:
    result = migrate_paths([root], load_target(target), jobs=1)
    changed = {
        item.path.resolve().as_posix(): {change.line for change in item.result.changes}
        for item in result.files
        if isinstance(item, FileMigrated)
    }
    promised = auto_lines(scan_paths([root], [target], use_cache=False, jobs=1).findings, target)
    for path, lines in promised.items():
        assert lines <= changed.get(path, set()), (
            f"{path}: scan says auto, migrate leaves lines {lines - changed[path]}"
        )
    for item in result.migrated:  # and the port holds nothing the scan would still call auto
        ported = tmp_path / item.path.name
        ported.write_text(item.result.migrated)
        assert auto_lines(scan_paths([ported], [target], use_cache=False, jobs=1).findings, target) == {}, item.path
