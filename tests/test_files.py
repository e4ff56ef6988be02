"""chipshift.files.write_atomically: whole files only, permissions kept or the usual ones for new files."""

from __future__ import annotations

import io
import os
import stat
import sys
from pathlib import Path

import pytest

from chipshift.errors import InputFileError
from chipshift.files import STDIN, check_output_path, read_input, read_input_text, write_atomically, write_output


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


# read_input: hostile inputs are refused before they can cost memory or time (issue 17).


def test_a_device_is_refused_without_reading_it() -> None:
    with pytest.raises(InputFileError, match="not a regular file"):
        read_input("/dev/zero")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "inventory.xml"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError, match="not a regular file"):
        read_input(fifo)


def test_a_folder_and_a_missing_file_are_named(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="is a folder"):
        read_input(tmp_path)
    with pytest.raises(InputFileError, match="no such file"):
        read_input(tmp_path / "missing.csv")


def test_a_file_over_the_limit_is_refused_and_one_at_the_limit_read(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_bytes(b"x" * 1000)
    assert read_input(path, limit_bytes=1000) == b"x" * 1000
    with pytest.raises(InputFileError, match="larger than the 999 bytes limit"):
        read_input(path, limit_bytes=999)


def test_standard_input_is_capped_like_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"y" * 5000)))
    with pytest.raises(InputFileError, match=r"^-: larger than"):
        read_input(STDIN, limit_bytes=4096)


def test_bad_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_bytes(b"a: 1\nb: \xff\n")
    with pytest.raises(InputFileError, match=r"case.yaml:2: not UTF-8"):
        read_input_text(path)
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_input_text(path) == "a: 1\n"


def test_output_path_checks(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="is a folder"):
        check_output_path(tmp_path)
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(InputFileError, match="is a file, not a folder"):
        check_output_path(tmp_path / "a-file" / "report.html")
    check_output_path(tmp_path / "report.html")
    write_output(tmp_path / "new" / "deeper" / "report.html", "<p>ok</p>")  # missing folders are made
    assert (tmp_path / "new" / "deeper" / "report.html").read_text() == "<p>ok</p>"


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.html"
    target.write_text("old\n", encoding="utf-8")

    def refuse(source: object, destination: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, "new\n")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    assert target.read_text(encoding="utf-8") == "old\n"
