"""Fleet store: device identity (slot, identity key) and the merged count of each snapshot.

Revision ID: 0002_identity
Revises: 0001_initial
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_identity"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the identity columns and their index, and the merged count."""
    with op.batch_alter_table("fleet_devices") as batch:
        batch.add_column(sa.Column("slot", sa.String(64)))
        batch.add_column(sa.Column("device_key", sa.Text))
    op.create_index("ix_fleet_devices_device_key", "fleet_devices", ["device_key"])
    with op.batch_alter_table("fleet_snapshots") as batch:
        batch.add_column(sa.Column("merged_count", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    """Drop them again, in place: a copied and re-created snapshot table would cascade-delete every device."""
    op.drop_index("ix_fleet_devices_device_key", table_name="fleet_devices")
    for table, column in (
        ("fleet_snapshots", "merged_count"),
        ("fleet_devices", "device_key"),
        ("fleet_devices", "slot"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
