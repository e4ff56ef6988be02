"""Scan after migrate: on a migrated tree, ``chipshift scan`` reports exactly what migrate listed for manual work.

The CUDA-only settings migrate keeps behind a ``<device>.type == "cuda"`` guard are portable as written, and the
scan does not report them; nothing the scan calls ``auto`` is left behind by migrate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chipshift.migrate import load_target, migrate_source
from chipshift.scan.finding import Support
from chipshift.scan.rules import load_rules

SAMPLES_DIR = Path(__file__).parent / "samples"
SAMPLES = ("nanogpt_train", "torchvision_classification", "mingpt_trainer")
"""One with code left for manual work, one with guarded cuDNN settings, one that ports completely."""
GUARD = re.compile(r'^\s*if \w+\.type == "cuda":$')
"""The guard migrate inserts around cuDNN and TF32 settings."""


def scan_paths_or_skip():  # type: ignore[no-untyped-def]
    scan = pytest.importorskip("chipshift.scan")
    if not hasattr(scan, "scan_paths"):
        pytest.skip("chipshift.scan.scan_paths does not exist yet (being written beside migrate)")
    return scan.scan_paths


def guard_lines(code: str) -> set[int]:
    """Lines of the guards migrate inserts."""
    return {number for number, line in enumerate(code.splitlines(), start=1) if GUARD.match(line)}


@pytest.mark.parametrize("target", ["portable", "ascend"])
@pytest.mark.parametrize("name", SAMPLES)
def test_scan_after_migrate_shows_only_what_is_left(name: str, target: str, tmp_path: Path) -> None:
    scan_paths = scan_paths_or_skip()
    original = SAMPLES_DIR / f"{name}.py"
    migration = migrate_source(original.read_text(), load_target(target))
    ported = tmp_path / f"{name}.py"
    ported.write_text(migration.migrated)
    before = scan_paths([original], [target], use_cache=False, jobs=1).findings
    after = scan_paths([ported], [target], use_cache=False, jobs=1).findings
    assert len(after) < len(before)
    # "native" findings work on the target as written (cuDNN switches on Ascend are accepted and ignored).
    rules = load_rules().by_id
    to_do = {f.line for f in after if rules[f.rule_id].targets[target].support is not Support.NATIVE}
    left = {item.line for item in migration.manual}
    assert to_do == left, "scan and migrate disagree on what is left by hand"
    assert not guard_lines(migration.migrated) & {finding.line for finding in after}


def test_the_samples_cover_guards_and_manual_work() -> None:
    migrations = {
        name: migrate_source((SAMPLES_DIR / f"{name}.py").read_text(), load_target("portable")) for name in SAMPLES
    }
    assert guard_lines(migrations["torchvision_classification"].migrated)
    assert migrations["nanogpt_train"].manual
    assert not migrations["mingpt_trainer"].manual
