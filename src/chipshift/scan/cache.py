"""The incremental cache: per-file outcomes keyed by content, checked on every read so that it cannot lie.

One JSON file per rule-set digest and engine version in the user's cache folder (``platformdirs``), written
atomically. An entry is found by the hash of the file's bytes and its kind; a file whose bytes did not change is not
read by any analyzer again, and a rule change starts a fresh cache file.

An entry is used only when all of these hold, else it is discarded, counted as rejected and the file analysed again:

- its shape and types are those this engine writes;
- its HMAC-SHA256, made with a random key kept private (mode 0600, owned by the user) beside the cache, matches
  the entry's content key, the rule-set digest, the engine version and the outcome; an entry edited by hand (its
  findings emptied, a severity lowered) no longer matches;
- every finding names a rule of the current rule book with that rule's category, severity and confidence, and lies
  within the file (line and column), and the line count is the file's.

A cache file that cannot be read, is not JSON or is not an object counts as empty and is rewritten; a key file that
is not private is replaced, which invalidates every entry made with it. Nothing here raises.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
from dataclasses import asdict
from pathlib import Path
from typing import Any

import platformdirs

from chipshift.errors import ChipshiftError
from chipshift.files import MiB, read_input, write_atomically
from chipshift.scan.analyze import count_lines
from chipshift.scan.finding import Finding
from chipshift.scan.model import FileOutcome, SkippedFile
from chipshift.scan.rules import RuleBook

ENGINE_VERSION = 9
"""Bumped when analyzers change what they report for the same rules, or the cache format changes."""

KEY_FILE = "outcomes.key"
"""The private key of the entries' HMAC, in the cache folder."""

MAX_CACHE_BYTES = 256 * MiB
"""A larger cache file is not read (it counts as empty and is rewritten)."""

_ENTRY_FIELDS = frozenset({"f", "s", "n", "e", "mac"})
_FINDING_TYPES: dict[str, type] = {
    "rule_id": str,
    "line": int,
    "column": int,
    "message": str,
    "category": str,
    "severity": str,
    "confidence": str,
    "snippet": str,
}
_LINE_BREAKS = (
    b"\n",
    b"\r",
    b"\x0b",
    b"\x0c",
    b"\x1c",
    b"\x1d",
    b"\x1e",
    b"\xc2\x85",
    b"\xe2\x80\xa8",
    b"\xe2\x80\xa9",
)
"""Every byte sequence that some analyzer counts as a line break (``str.splitlines`` knows the most)."""


def default_cache_dir() -> Path:
    """``~/.cache/chipshift/scan`` or the platform's equivalent; ``CHIPSHIFT_CACHE_DIR`` overrides."""
    override = os.environ.get("CHIPSHIFT_CACHE_DIR")
    return Path(override) / "scan" if override else Path(platformdirs.user_cache_dir("chipshift")) / "scan"


def content_key(data: bytes, kind: str, context: str = "") -> str:
    """Cache key of a file's bytes read as ``kind`` (``context`` adds e.g. the re-export table digest)."""
    digest = hashlib.blake2b(data, digest_size=16)
    digest.update(f"\0{kind}\0{context}".encode())
    return digest.hexdigest()


def _encode(outcome: FileOutcome) -> dict[str, Any]:
    return {
        "f": [{k: v for k, v in asdict(f).items() if k != "path"} for f in outcome.findings],
        "s": outcome.skipped.reason if outcome.skipped else None,
        "n": outcome.lines,
        "e": [list(pair) for pair in outcome.exports],
    }


def _is(value: object, kind: type) -> bool:
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _finding(raw: object, path: str) -> Finding:
    if not isinstance(raw, dict) or set(raw) != {*_FINDING_TYPES, "cell"}:
        raise ValueError("finding fields")
    if not all(_is(raw[name], kind) for name, kind in _FINDING_TYPES.items()):
        raise ValueError("finding types")
    if raw["cell"] is not None and not _is(raw["cell"], int):
        raise ValueError("cell")
    return Finding(path=path, **raw)


def _decode(entry: object, path: str) -> FileOutcome:
    """The outcome an entry holds, placed at ``path``; ValueError when its shape or types are not ours."""
    if not isinstance(entry, dict) or set(entry) != _ENTRY_FIELDS:
        raise ValueError("entry fields")
    findings, reason, lines, exports = entry["f"], entry["s"], entry["n"], entry["e"]
    if not isinstance(findings, list) or not isinstance(exports, list) or not _is(lines, int):
        raise ValueError("entry types")
    if reason is not None and not (isinstance(reason, str) and reason):
        raise ValueError("skip reason")
    if not all(isinstance(p, list) and len(p) == 2 and all(isinstance(n, str) for n in p) for p in exports):
        raise ValueError("exports")
    return FileOutcome(
        findings=tuple(_finding(f, path) for f in findings),
        skipped=SkippedFile(path, reason) if reason else None,
        lines=lines,
        exports=tuple((local, qualified) for local, qualified in exports),
    )


def _consistent(outcome: FileOutcome, data: bytes, book: RuleBook) -> bool:
    """Whether ``outcome`` could be what this engine and these rules make of ``data``."""
    if outcome.skipped:  # a binary file is skipped with 0 lines
        return outcome.lines in (0, count_lines(data)) and not outcome.findings and not outcome.exports
    if outcome.lines != count_lines(data):
        return False
    if not all(local.isidentifier() and _is_dotted_name(name) for local, name in outcome.exports):
        return False
    last_line = sum(data.count(sequence) for sequence in _LINE_BREAKS) + 1 if outcome.findings else 0
    return all(_fits(finding, book, data, last_line) for finding in outcome.findings)


def _is_dotted_name(name: str) -> bool:
    return all(part.isidentifier() for part in name.split("."))


def _fits(finding: Finding, book: RuleBook, data: bytes, last_line: int) -> bool:
    """Whether ``finding`` names a rule as the rule book has it, at a place inside the file."""
    rule = book.by_id.get(finding.rule_id)
    if rule is None:
        return False
    as_in_rule = (finding.category, finding.severity, finding.confidence) == (
        rule.category,
        rule.severity.label,
        rule.confidence,
    )
    lines = len(data) if finding.cell is not None else last_line  # a notebook's lines are counted inside a cell
    inside = 1 <= finding.line <= lines and 1 <= finding.column <= len(data) + 1 and (finding.cell or 0) >= 0
    return as_in_rule and inside


def _read_private_key(path: Path) -> bytes | None:
    """The key in ``path`` if it is a regular file of ours that nobody else can read, else None."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        owner_ok = not hasattr(os, "geteuid") or info.st_uid == os.geteuid()
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077 or not owner_ok:
            return None
        text = os.read(descriptor, 256)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    try:
        key = bytes.fromhex(text.decode("ascii").strip())
    except ValueError:
        return None
    return key if len(key) == 32 else None


def _new_private_key(path: Path) -> bytes | None:
    """A new random key written to ``path`` (mode 0600), replacing what was there; None when it cannot be kept."""
    key = secrets.token_bytes(32)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        descriptor = os.open(path, flags, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as stream:
            stream.write(key.hex() + "\n")
    except OSError:  # another scan made one at the same moment, or the folder is not writable: no cache this time
        return None
    return key


def _load_entries(file: Path) -> dict[str, Any] | None:
    """The entries of a cache file; None when there is none or it is not a valid cache file."""
    if not file.is_file():
        return None
    try:
        loaded = json.loads(read_input(file, limit_bytes=MAX_CACHE_BYTES, what="scan cache"))
    except (ChipshiftError, ValueError, RecursionError):
        return None
    return loaded if isinstance(loaded, dict) else None


class OutcomeCache:
    """Outcomes by content key, loaded from and saved to one file; each entry checked when it is read."""

    def __init__(self, directory: Path | None, book: RuleBook) -> None:
        self.book = book
        self.file: Path | None = None
        self.entries: dict[str, Any] = {}
        self.rejected = 0
        """Entries found but not trusted (and so analysed again) in this run."""
        self.changed = False
        self._key = b""
        if directory is None:
            return
        key = _read_private_key(directory / KEY_FILE) or _new_private_key(directory / KEY_FILE)
        if key is None:
            return  # without a private key no entry could be trusted: no cache
        self._key = key
        self.file = directory / f"outcomes-{book.digest}-v{ENGINE_VERSION}.json"
        loaded = _load_entries(self.file)
        self.entries = loaded or {}
        self.changed = loaded is None and self.file.exists()  # a broken cache file is rewritten

    def _mac(self, key: str, outcome: FileOutcome) -> str:
        encoded = json.dumps(_encode(outcome), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        message = f"{ENGINE_VERSION}\0{self.book.digest}\0{key}\0{encoded}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def get(self, key: str, path: str, data: bytes) -> FileOutcome | None:
        """The cached outcome for ``key`` (the bytes ``data``), with findings placed at ``path``; None to analyse."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        try:
            outcome: FileOutcome | None = _decode(entry, path)
        except (ValueError, TypeError, RecursionError):
            outcome = None
        if outcome is not None and not (
            isinstance(entry["mac"], str)
            and hmac.compare_digest(entry["mac"], self._mac(key, outcome))
            and _consistent(outcome, data, self.book)
        ):
            outcome = None
        if outcome is None:
            del self.entries[key]
            self.rejected += 1
            self.changed = True
        return outcome

    def put(self, key: str, outcome: FileOutcome) -> None:
        """Remember ``outcome``."""
        if self.file is None:
            return
        self.entries[key] = {**_encode(outcome), "mac": self._mac(key, outcome)}
        self.changed = True

    def save(self) -> None:
        """Write the cache atomically; a cache that cannot be written is silently not kept."""
        if not self.file or not self.changed:
            return
        with contextlib.suppress(OSError):
            self.file.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.file, json.dumps(self.entries, separators=(",", ":")))
