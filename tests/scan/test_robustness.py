"""Bad files never stop a scan: each becomes a skipped file with a reason, and scanned code is never run."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from chipshift.errors import InputFileError
from chipshift.scan import engine as scan_engine
from chipshift.scan import scan_paths


def _scan(root: Path) -> dict[str, str]:
    result = scan_paths([root], jobs=1, use_cache=False)
    return {Path(s.path).name: s.reason for s in result.skipped}


def test_python2_and_syntax_errors_are_skipped_with_the_line(tmp_path: Path) -> None:
    (tmp_path / "old.py").write_text('import torch\nprint "on", torch.cuda.device_count()\n')
    (tmp_path / "broken.py").write_text("import torch\ndef f(:\n    torch.cuda.synchronize()\n")
    (tmp_path / "good.py").write_text("import torch\ntorch.cuda.synchronize()\n")
    result = scan_paths([tmp_path], jobs=1, use_cache=False)
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert reasons["old.py"].startswith("syntax error at line 2") and "Python 2" in reasons["old.py"]
    assert reasons["broken.py"].startswith("syntax error at line 2")
    assert [(Path(f.path).name, f.line, f.rule_id) for f in result.findings] == [("good.py", 2, "CS105")]


def test_binary_non_utf8_and_huge_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "blob.py").write_bytes(b"import torch\x00\x01torch.cuda")
    (tmp_path / "latin.cu").write_bytes("// caf\xe9\n__global__ void k() {}\n".encode("latin-1"))
    (tmp_path / "Dockerfile").write_bytes(b"FROM nvidia/cuda:12.1\n# \xff\xfe\n")
    (tmp_path / "big.py").write_text("import torch\n" + "torch.cuda.synchronize()\n" * 200)
    monkeypatch.setattr(scan_engine, "MAX_FILE_BYTES", 1000)
    reasons = _scan(tmp_path)
    assert reasons["blob.py"] == "binary file"
    assert reasons["Dockerfile"].startswith("not UTF-8 text")
    assert reasons["big.py"].startswith("too large")
    assert "latin.cu" not in reasons  # tree-sitter reads bytes; a bad comment byte does not matter


def test_declared_encoding_is_honoured(tmp_path: Path) -> None:
    source = "# -*- coding: latin-1 -*-\nimport torch\nname = 'caf\xe9'\nx = torch.ones(1).cuda()\n"
    (tmp_path / "enc.py").write_bytes(source.encode("latin-1"))
    result = scan_paths([tmp_path], jobs=1, use_cache=False)
    assert [(f.line, f.rule_id) for f in result.findings] == [(4, "CS131")] and not result.skipped


def test_symlink_loop_and_broken_link(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "m.py").write_text("import torch\ntorch.cuda.synchronize()\n")
    (package / "loop").symlink_to(tmp_path, target_is_directory=True)
    (package / "dangling.py").symlink_to(tmp_path / "missing.py")
    result = scan_paths([tmp_path], jobs=1, use_cache=False)
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert "symbolic link loop" in reasons["loop"]
    assert "broken" in reasons["dangling.py"]
    assert len(result.findings) == 1


def test_unreadable_file_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("import torch\ntorch.cuda.synchronize()\n")
    real_read = scan_engine.read_input

    def read_input(path: Path, **options: Any) -> bytes:  # the tests run as root, who can read a 0000 file
        if path.name == "secret.py":
            raise InputFileError(str(path), "cannot read: Permission denied")
        return real_read(path, **options)

    monkeypatch.setattr(scan_engine, "read_input", read_input)
    assert _scan(tmp_path) == {"secret.py": "unreadable: Permission denied"}


def test_bad_notebook_and_bad_pyproject(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_text('{"cells": [ "cuda"')
    (tmp_path / "pyproject.toml").write_text('[project\ndependencies = ["flash-attn"]\n')
    cells = [{"cell_type": "code", "source": "import torch\nx.cuda(\n"}]
    (tmp_path / "syntax.ipynb").write_text(json.dumps({"cells": cells}))
    reasons = _scan(tmp_path)
    assert reasons["nb.ipynb"].startswith("not valid notebook JSON")
    assert reasons["pyproject.toml"].startswith("cannot parse pyproject file")
    assert reasons["syntax.ipynb"].startswith("syntax error in cell 0")


def test_scanned_code_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    (tmp_path / "evil.py").write_text(f"import torch, pathlib\npathlib.Path({str(marker)!r}).touch()\nx.cuda()\n")
    (tmp_path / "setup.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).touch()\nsetup(install_requires=['apex'])\n"
    )
    result = scan_paths([tmp_path], jobs=1, use_cache=False)
    assert not marker.exists()
    assert {f.rule_id for f in result.findings} == {"CS131", "CS503"}


def test_missing_path_is_reported_not_raised(tmp_path: Path) -> None:
    result = scan_paths([tmp_path / "nope"], jobs=1, use_cache=False)
    assert result.skipped[0].reason == "does not exist"


@pytest.mark.skipif(os.cpu_count() == 1, reason="needs two cores for a pool")
def test_parallel_and_cached_scans_agree(tmp_path: Path) -> None:
    for index in range(60):
        (tmp_path / f"m{index}.py").write_text(f"import torch\nx = {index}\ntorch.cuda.synchronize()\n")
    cache = tmp_path / "cache"
    serial = scan_paths([tmp_path], jobs=1, use_cache=False)
    cold = scan_paths([tmp_path], jobs=2, cache_dir=cache)
    warm = scan_paths([tmp_path], jobs=2, cache_dir=cache)
    assert serial.findings == cold.findings == warm.findings and len(serial.findings) == 60
    assert warm.cache_hits == warm.files_scanned == 60 and cold.cache_hits == 0
