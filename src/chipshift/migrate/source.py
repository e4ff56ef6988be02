"""Migrate one Python source text."""

from __future__ import annotations

import libcst as cst

from chipshift.migrate.codemods import MigrationState, choose_device_name, migrate_module
from chipshift.migrate.outcome import SourceMigration
from chipshift.migrate.target import Target


def migrate_source(source: str, target: Target, *, mark: bool = False) -> SourceMigration:
    """Migrate one Python source; raises ``libcst.ParserSyntaxError`` on invalid Python."""
    module = cst.parse_module(source)
    state = MigrationState(target=target, device_name=choose_device_name(module, target), mark=mark)
    module = migrate_module(module, state)
    return SourceMigration(source, module.code, tuple(state.changes), tuple(state.manual))
