"""Fixtures of the scan tests: the fixture tree, scanned once per session without a cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipshift.scan import ScanResult, scan_paths

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def fixture_scan() -> ScanResult:
    """The whole fixture tree, scanned with every target and no cache."""
    return scan_paths([FIXTURES], jobs=1, use_cache=False)


def hits(result: ScanResult) -> set[str]:
    """``relative/path:line:rule`` (``path:cell N:line:rule`` in notebooks) of every finding."""
    out = set()
    for finding in result.findings:
        relative = Path(finding.path).relative_to(FIXTURES).as_posix()
        where = (
            f"{relative}:cell {finding.cell}:{finding.line}"
            if finding.cell is not None
            else f"{relative}:{finding.line}"
        )
        out.add(f"{where}:{finding.rule_id}")
    return out
