"""Reading what a user gives and writing what a user keeps, safely: shared by every engine.

- :func:`read_input` reads a file a user named with a size limit, and only if it is a regular file: a device
  (``/dev/zero``), a FIFO or a folder is refused before a byte is read, and ``-`` reads standard input up to the same
  limit. Its ``st_size`` is never trusted alone (it is 0 for devices).
- :func:`write_atomically` replaces a file whole, through a temporary file in the same folder.
- :func:`check_output_path` refuses an output path that cannot be written before any work is done.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

from chipshift.errors import InputFileError

MiB = 1024 * 1024

DEFAULT_INPUT_LIMIT_BYTES = 256 * MiB
"""Largest input file read by default (inventories, registers, scenarios, lengths files)."""

STDIN = "-"
"""The path that means standard input, where a command accepts it."""

TEMPORARY_SUFFIX = ".chipshift-tmp"
"""Suffix of chipshift's temporary files, so that one left by a killed process can be recognised."""


def read_input(path: Path | str, *, limit_bytes: int = DEFAULT_INPUT_LIMIT_BYTES, what: str = "file") -> bytes:
    """The bytes of a regular file (or of standard input for ``-``), at most ``limit_bytes`` of them.

    Raises :class:`InputFileError` naming the file: missing, a folder, a device or FIFO, unreadable, or larger
    than the limit. Nothing beyond ``limit_bytes + 1`` bytes is ever read.
    """
    name = str(path)
    if name == STDIN:
        return _read_capped(sys.stdin.buffer, name, limit_bytes, what)
    try:
        descriptor = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputFileError(name, f"no such {what}") from None
    except IsADirectoryError:
        raise InputFileError(name, f"is a folder, not {_a(what)}") from None
    except OSError as error:
        raise InputFileError(name, f"cannot read: {error.strerror or error}") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        if stat.S_ISDIR(mode):
            raise InputFileError(name, f"is a folder, not {_a(what)}")
        raise InputFileError(name, f"not a regular file (a device, FIFO or socket): refused as {_a(what)}")
    os.set_blocking(descriptor, True)
    with os.fdopen(descriptor, "rb") as stream:
        return _read_capped(stream, name, limit_bytes, what)


def _read_capped(stream: BinaryIO, name: str, limit_bytes: int, what: str) -> bytes:
    try:
        data = stream.read(limit_bytes + 1)
    except OSError as error:
        raise InputFileError(name, f"cannot read: {error.strerror or error}") from None
    if len(data) > limit_bytes:
        raise InputFileError(name, f"larger than the {_size(limit_bytes)} limit for {_a(what)}; split it")
    return data


def read_input_text(path: Path | str, *, limit_bytes: int = DEFAULT_INPUT_LIMIT_BYTES, what: str = "file") -> str:
    """:func:`read_input` decoded as UTF-8 (a byte-order mark is dropped); an error names the line of a bad byte."""
    data = read_input(path, limit_bytes=limit_bytes, what=what)
    return decode_utf8(data, str(path))


def decode_utf8(data: bytes, name: str) -> str:
    """``data`` as UTF-8 text without a byte-order mark; a bad byte is reported with its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputFileError(name, f"not UTF-8 text (byte 0x{data[error.start]:02x})", line=line) from None


def _a(what: str) -> str:
    return f"an {what}" if what[:1] in "aeiou" else f"a {what}"


def _size(count: int) -> str:
    return f"{count / MiB:g} MiB" if count >= MiB else f"{count:,} bytes"


def check_output_path(path: Path, *, what: str = "output file") -> None:
    """Refuse, before any work, an output path that is a folder or whose folder cannot be made or written.

    A missing folder is fine when its nearest existing parent is a writable folder: :func:`write_output` makes it.
    """
    if path.is_dir():
        raise InputFileError(str(path), f"is a folder; give a file name for the {what}")
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputFileError(str(path), f"'{ancestor}' is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InputFileError(str(path), f"folder '{ancestor}' is not writable")


def write_output(path: Path, text: str, *, what: str = "output file") -> None:
    """Check ``path`` (:func:`check_output_path`), make its folder if missing, and write ``text`` atomically."""
    check_output_path(path, what=what)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text)


def write_atomically(path: Path, text: str) -> None:
    """Replace or create ``path`` with ``text`` through a temporary file in the same folder.

    A reader sees the old file or the new one, never half of it. An existing file keeps its permissions; a new one
    gets the usual ``0o666`` less the umask (not the private ``0o600`` of the temporary file). The temporary file is
    removed on every error.
    """
    write_bytes_atomically(path, text.encode("utf-8"))


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """:func:`write_atomically` for bytes."""
    temporary = stage_file(path.parent, path.name, data, like=path if path.exists() else None)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def stage_file(folder: Path, name: str, data: bytes, *, like: Path | None) -> Path:
    """A new temporary file in ``folder`` holding ``data``, synced to disk, with the permissions of ``like``.

    The caller renames it into place (or removes it). Its name starts with ``.{name}.`` and ends with
    :data:`TEMPORARY_SUFFIX`; it never survives an exception raised here.
    """
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=TEMPORARY_SUFFIX)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if like is not None:
            shutil.copymode(like, temporary)
        else:
            os.chmod(temporary, 0o666 & ~_umask())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
