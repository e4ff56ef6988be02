"""A poisoned scan cache never changes what a scan finds and never makes it fail (issue 17).

Each test scans a small repository once to fill the cache, damages the cache as an attacker or a broken disk would,
scans again and checks the findings are those of a scan without a cache, the exit code is that of the findings
(``--fail-on``), and the damaged entries were counted as not trusted.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chipshift.cli.main import app
from chipshift.files import TEMPORARY_SUFFIX
from chipshift.scan import ScanResult, load_rules, scan_paths
from chipshift.scan.cache import KEY_FILE, OutcomeCache, content_key
from chipshift.scan.finding import Finding
from chipshift.scan.model import FileOutcome

CODE = {
    "train.py": "import torch\ntorch.cuda.synchronize()\nx = torch.zeros(1).cuda()\n",
    "Dockerfile": "FROM nvidia/cuda:12.1.0-devel-ubuntu22.04\nRUN nvidia-smi\n",
    "kernel.cu": "__global__ void k(float* x) { x[threadIdx.x] = 0; }\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with findings of several kinds."""
    root = tmp_path / "repo"
    root.mkdir()
    for name, text in CODE.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def _scan(repo: Path, cache: Path) -> ScanResult:
    return scan_paths([repo], jobs=1, cache_dir=cache)


def _outcomes_file(cache: Path) -> Path:
    (file,) = cache.glob("outcomes-*.json")
    return file


def _edit(cache: Path, change: Any) -> int:
    """Apply ``change`` to every entry with findings; the number of entries changed."""
    file = _outcomes_file(cache)
    entries = json.loads(file.read_text(encoding="utf-8"))
    changed = 0
    for entry in entries.values():
        if entry["f"]:
            change(entry)
            changed += 1
    file.write_text(json.dumps(entries), encoding="utf-8")
    return changed


def _cli(repo: Path, cache: Path, *options: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["scan", str(repo), "--cache-dir", str(cache), "-j", "1", *options])
    return result.exit_code, result.stderr


@pytest.fixture
def truth(repo: Path) -> ScanResult:
    """What the repository holds, scanned without a cache."""
    return scan_paths([repo], jobs=1, use_cache=False)


def test_a_warm_scan_is_served_from_the_cache(repo: Path, tmp_path: Path, truth: ScanResult) -> None:
    cache = tmp_path / "cache"
    _scan(repo, cache)
    warm = _scan(repo, cache)
    assert warm.findings == truth.findings and warm.cache_hits == 3 and warm.cache_rejected == 0
    assert stat.S_IMODE((cache / KEY_FILE).stat().st_mode) == 0o600
    assert not list(cache.glob(f"*{TEMPORARY_SUFFIX}"))


@pytest.mark.parametrize(
    ("poison", "what"),
    [
        (lambda e: e.update(f=[]), "findings emptied"),
        (lambda e: [f.update(rule_id="CS999") for f in e["f"]], "unknown rule id"),
        (lambda e: [f.update(severity="info") for f in e["f"]], "severity lowered"),
        (lambda e: [f.update(severity="catastrophic") for f in e["f"]], "no such severity"),
        (lambda e: [f.update(line="2") for f in e["f"]], "line as text"),
        (lambda e: e.update(f=[["CS101", 1]]), "finding not an object"),
        (lambda e: e.update(s="binary file", f=[]), "turned into a skip"),
        (lambda e: e.update(mac="0" * 64), "wrong HMAC"),
        (lambda e: e.pop("mac"), "no HMAC"),
        (lambda e: e.update(n=10**9), "line count"),
    ],
)
def test_a_tampered_entry_is_recomputed(repo: Path, tmp_path: Path, truth: ScanResult, poison: Any, what: str) -> None:
    cache = tmp_path / "cache"
    _scan(repo, cache)
    changed = _edit(cache, poison)
    again = _scan(repo, cache)
    assert again.findings == truth.findings, what
    assert again.cache_rejected == changed == 3 and again.cache_hits == 0
    assert _scan(repo, cache).cache_hits == 3  # the recomputed entries were written back


def test_emptied_findings_still_fail_the_ci_gate(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert _cli(repo, cache, "--fail-on", "low")[0] == 1
    _edit(cache, lambda e: e.update(f=[]))
    code, err = _cli(repo, cache, "--fail-on", "low")
    assert code == 1
    lines = [line for line in err.strip().splitlines() if not line.startswith("scan: ")]  # progress lines aside
    assert "3 cache entries not trusted" in err and len(lines) == 1


@pytest.mark.parametrize(
    "content",
    [b"garbage", b"", b"[1, 2]", b'{"a": 1}', b"[" * 100_000, b"\xff\xfe\x00", b'{"k": ' * 50_000],
    ids=["garbage", "empty", "a list", "bad entry", "deep list", "not utf-8", "deep object"],
)
def test_a_broken_cache_file_never_stops_a_scan(repo: Path, tmp_path: Path, truth: ScanResult, content: bytes) -> None:
    cache = tmp_path / "cache"
    _scan(repo, cache)
    _outcomes_file(cache).write_bytes(content)
    code, err = _cli(repo, cache, "--fail-on", "critical")
    assert code == 1 and "internal error" not in err  # CS401 __global__ is critical
    assert _scan(repo, cache).findings == truth.findings
    assert _scan(repo, cache).cache_hits == 3  # rewritten whole


def test_an_entry_moved_to_another_file_is_not_trusted(repo: Path, tmp_path: Path, truth: ScanResult) -> None:
    """The HMAC covers the content key: one file's clean outcome cannot stand for another file."""
    cache = tmp_path / "cache"
    clean = repo / "clean.py"
    clean.write_text("print('hello')\n", encoding="utf-8")
    _scan(repo, cache)
    file = _outcomes_file(cache)
    entries = json.loads(file.read_text(encoding="utf-8"))
    clean_entry = entries[content_key(clean.read_bytes(), "python")]
    train_key = content_key((repo / "train.py").read_bytes(), "python")
    entries[train_key] = clean_entry
    file.write_text(json.dumps(entries), encoding="utf-8")
    again = _scan(repo, cache)
    assert again.findings == truth.findings and again.cache_rejected == 1


def test_an_entry_signed_with_the_key_is_still_checked_against_the_rules_and_the_file(
    repo: Path, tmp_path: Path, truth: ScanResult
) -> None:
    """Whoever holds the key can sign anything; an entry that cannot be true of the file is still refused."""
    cache_dir = tmp_path / "cache"
    _scan(repo, cache_dir)
    data = (repo / "train.py").read_bytes()
    key = content_key(data, "python")
    rule = load_rules().by_id["CS105"]
    forged = {
        "beyond the last line": Finding("CS105", "x", 99, 1, "m", rule.category, rule.severity.label, "high", "s"),
        "wrong severity": Finding("CS105", "x", 2, 1, "m", rule.category, "critical", rule.confidence, "s"),
        "unknown rule": Finding("CS998", "x", 2, 1, "m", rule.category, rule.severity.label, rule.confidence, "s"),
    }
    for what, finding in forged.items():
        cache = OutcomeCache(cache_dir, load_rules())
        cache.put(key, FileOutcome(findings=(finding,), lines=3))
        cache.save()
        again = _scan(repo, cache_dir)
        assert again.findings == truth.findings and again.cache_rejected == 1, what


def test_a_key_others_can_read_is_replaced(repo: Path, tmp_path: Path, truth: ScanResult) -> None:
    cache = tmp_path / "cache"
    _scan(repo, cache)
    key_file = cache / KEY_FILE
    old_key = key_file.read_text()
    key_file.chmod(0o644)
    again = _scan(repo, cache)
    assert again.findings == truth.findings and again.cache_rejected == 3
    assert key_file.read_text() != old_key and stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_symlinked_key_is_replaced_not_followed(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    os.symlink(victim, cache / KEY_FILE)
    _scan(repo, cache)
    assert victim.read_text() == "keep me\n" and not (cache / KEY_FILE).is_symlink()


def test_a_cache_folder_that_cannot_be_made_only_turns_the_cache_off(
    repo: Path, tmp_path: Path, truth: ScanResult
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be\n")
    code, err = _cli(repo, blocker, "--format", "json", "-o", str(tmp_path / "out.json"))
    assert code == 0 and "internal error" not in err
    assert blocker.read_text() == "a file where the cache folder should be\n"
    report = json.loads((tmp_path / "out.json").read_text())["result"]
    assert [(f["path"], f["line"], f["rule_id"]) for f in report["findings"]] == [
        (f.path, f.line, f.rule_id) for f in truth.findings
    ]
