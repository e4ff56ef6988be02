"""What a migration produced, per file: typed outcomes rather than flags."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Change:
    """One rewrite applied to the code."""

    line: int
    """Line of the rewritten code in the file as it was before this rewrite."""
    rewrite: str
    """Id of the rewrite (``cuda-method``, ``device-string``, ...)."""
    description: str
    """What was changed, e.g. ``.cuda() -> .to(device)``."""


@dataclass(frozen=True)
class ManualItem:
    """CUDA-specific code left as it was because no safe rewrite exists."""

    line: int
    """Line in the migrated file."""
    code: str
    """The code in question, shortened."""
    reason: str
    """Why it is left for a person."""
    cell: int | None = None
    """In a notebook: the cell (1-based, all cells counted); ``line`` then counts from the cell's first line."""


@dataclass(frozen=True)
class SourceMigration:
    """The migrated text of one source and what was done to it."""

    original: str
    """Source before migration."""
    migrated: str
    """Source after migration; equal to ``original`` when nothing applied."""
    changes: tuple[Change, ...]
    """Rewrites applied, in order."""
    manual: tuple[ManualItem, ...]
    """What is left to port by hand."""

    @property
    def changed(self) -> bool:
        """Whether the migrated text differs from the original."""
        return self.migrated != self.original


@dataclass(frozen=True)
class FileMigrated:
    """A file whose source was migrated (possibly with nothing to change)."""

    path: Path
    """The file, as it was named or found (a symbolic link stays a link: the write goes to its target)."""
    result: SourceMigration
    """Its migration (texts without the byte-order mark)."""
    bom: bool = False
    """Whether the file starts with a UTF-8 byte-order mark, which a write keeps."""

    def original_bytes(self) -> bytes:
        """The file's bytes as they were read."""
        return _encoded(self.result.original, self.bom)

    def migrated_bytes(self) -> bytes:
        """The bytes a write puts in the file."""
        return _encoded(self.result.migrated, self.bom)


UTF8_BOM = b"\xef\xbb\xbf"


def _encoded(text: str, bom: bool) -> bytes:
    return (UTF8_BOM if bom else b"") + text.encode("utf-8")


@dataclass(frozen=True)
class FileFailed:
    """A file that could not be migrated (unreadable, not valid Python)."""

    path: Path
    """The file."""
    reason: str
    """Why, with the line where known."""


@dataclass(frozen=True)
class FileSkipped:
    """A file chipshift does not migrate (yet)."""

    path: Path
    """The file."""
    reason: str
    """Why it was skipped."""


FileOutcome = FileMigrated | FileFailed | FileSkipped


@dataclass(frozen=True)
class MigrationResult:
    """Outcome of migrating a set of paths to one target."""

    target: str
    """Target name."""
    files: tuple[FileOutcome, ...] = field(default_factory=tuple)
    """One outcome per file considered."""
    library: bool = False
    """Whether some tree was ported in library mode (:mod:`chipshift.multibackend.library`)."""

    @property
    def migrated(self) -> list[FileMigrated]:
        """Files whose text changed."""
        return [item for item in self.files if isinstance(item, FileMigrated) and item.result.changed]

    @property
    def failed(self) -> list[FileFailed]:
        """Files that could not be migrated."""
        return [item for item in self.files if isinstance(item, FileFailed)]

    @property
    def skipped(self) -> list[FileSkipped]:
        """Files left out."""
        return [item for item in self.files if isinstance(item, FileSkipped)]

    @property
    def manual(self) -> list[tuple[Path, ManualItem]]:
        """Everything left to port by hand, with its file."""
        return [
            (item.path, manual)
            for item in self.files
            if isinstance(item, FileMigrated)
            for manual in item.result.manual
        ]

    def to_dict(self, root: Path | None = None) -> dict[str, Any]:
        """Plain data for ``migrate --format json``: every file with its rewrites and what is left by hand; paths
        relative to ``root`` where they lie under it."""
        return {
            "chipshift_migrate": 1,
            "target": self.target,
            "library": self.library,
            "totals": {
                "files": len(self.files),
                "changed": len(self.migrated),
                "rewrites": sum(len(item.result.changes) for item in self.migrated),
                "manual": len(self.manual),
                "failed": len(self.failed),
                "skipped": len(self.skipped),
            },
            "files": [_file_dict(item, root) for item in self.files],
        }


def _file_dict(item: FileOutcome, root: Path | None) -> dict[str, Any]:
    path = item.path
    if root is not None and path.is_absolute() and path.is_relative_to(root):
        path = path.relative_to(root)
    if isinstance(item, FileMigrated):
        return {
            "path": path.as_posix(),
            "status": "changed" if item.result.changed else "unchanged",
            "changes": [asdict(change) for change in item.result.changes],
            "manual": [asdict(manual) for manual in item.result.manual],
        }
    status = "failed" if isinstance(item, FileFailed) else "skipped"
    return {"path": path.as_posix(), "status": status, "reason": item.reason}
