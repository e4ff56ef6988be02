"""Inline before/after pairs, LibCST's test idiom: sources are dedented, then migrated and compared exactly."""

from __future__ import annotations

from textwrap import dedent

from chipshift.migrate import SourceMigration, load_target, migrate_source


def migrate(before: str, target: str = "portable", *, mark: bool = False) -> SourceMigration:
    """Migrate a dedented source."""
    return migrate_source(dedent(before).lstrip("\n"), load_target(target), mark=mark)


def assert_migrates(before: str, after: str, target: str = "portable", *, mark: bool = False) -> SourceMigration:
    """``before`` migrates to exactly ``after``, and migrating again changes nothing."""
    result = migrate(before, target, mark=mark)
    expected = dedent(after).lstrip("\n")
    assert result.migrated == expected, f"got:\n{result.migrated}"
    again = migrate_source(result.migrated, load_target(target), mark=mark)
    assert again.migrated == result.migrated, "a second run changed the code"
    return result
