"""Alembic environment: runs on the connection chipshift passes in ``config.attributes['connection']``."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, version_table="fleet_alembic_version", render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
