"""The incremental cache: per-file outcomes keyed by content hash, file kind and rule-set digest.

One JSON file per rule-set digest in the user's cache directory (``platformdirs``), written atomically. A file whose
bytes did not change is not read by any analyzer again; a rule change starts a fresh cache file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import platformdirs

from chipshift.scan.model import FileOutcome, Finding, SkippedFile

ENGINE_VERSION = 2
"""Bumped when analyzers change what they report for the same rules."""


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


def _decode(entry: dict[str, Any], path: str) -> FileOutcome:
    return FileOutcome(
        findings=tuple(Finding(path=path, **f) for f in entry["f"]),
        skipped=SkippedFile(path, entry["s"]) if entry["s"] else None,
        lines=entry["n"],
        exports=tuple((a, b) for a, b in entry["e"]),
    )


class OutcomeCache:
    """Outcomes by content key, loaded from and saved to one file."""

    def __init__(self, directory: Path | None, rules_digest: str) -> None:
        self.file = directory / f"outcomes-{rules_digest}-v{ENGINE_VERSION}.json" if directory else None
        self.entries: dict[str, dict[str, Any]] = {}
        self.changed = False
        if self.file and self.file.is_file():
            with contextlib.suppress(OSError, ValueError):
                loaded = json.loads(self.file.read_text(encoding="utf-8"))
                if isinstance(loaded, dict):
                    self.entries = loaded

    def get(self, key: str, path: str) -> FileOutcome | None:
        """The cached outcome for ``key``, with findings placed at ``path``."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        try:
            return _decode(entry, path)
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, outcome: FileOutcome) -> None:
        """Remember ``outcome``."""
        self.entries[key] = _encode(outcome)
        self.changed = True

    def save(self) -> None:
        """Write the cache atomically; a cache that cannot be written is silently not kept."""
        if not self.file or not self.changed:
            return
        with contextlib.suppress(OSError):
            self.file.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.file.parent, prefix=".outcomes-", suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(self.entries, stream, separators=(",", ":"))
            os.replace(temporary, self.file)
