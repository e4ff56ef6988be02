"""chipshift.files.write_atomically: whole files only, permissions kept or the usual ones for new files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from chipshift.files import write_atomically


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_gets_the_usual_permissions_not_the_temporary_files(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        target = tmp_path / "report.html"
        write_atomically(target, "<p>ünïcode</p>\n")
        assert target.read_text(encoding="utf-8") == "<p>ünïcode</p>\n"
        assert _mode(target) == 0o644
        assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left
    finally:
        os.umask(umask)


def test_existing_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "script.py"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o750)
    write_atomically(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert _mode(target) == 0o750
