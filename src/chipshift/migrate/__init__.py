"""chipshift.migrate engine: safe automatic ports of CUDA-specific PyTorch code, through LibCST codemods.

``migrate_paths(paths, load_target("portable"))`` returns a :class:`MigrationResult`; nothing is written until
:func:`chipshift.migrate.writing.apply_migration` is called (every file or none).
"""

from chipshift.migrate.engine import gather_files, migrate_file, migrate_paths
from chipshift.migrate.notebook import migrate_notebook
from chipshift.migrate.outcome import (
    Change,
    FileFailed,
    FileMigrated,
    FileOutcome,
    FileSkipped,
    ManualItem,
    MigrationResult,
    SourceMigration,
)
from chipshift.migrate.source import migrate_source
from chipshift.migrate.target import MigrationTarget, available_targets, load_target, load_target_file

__all__ = [
    "Change",
    "FileFailed",
    "FileMigrated",
    "FileOutcome",
    "FileSkipped",
    "ManualItem",
    "MigrationResult",
    "MigrationTarget",
    "SourceMigration",
    "available_targets",
    "gather_files",
    "load_target",
    "load_target_file",
    "migrate_file",
    "migrate_notebook",
    "migrate_paths",
    "migrate_source",
]
