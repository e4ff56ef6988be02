"""Fleet store: snapshots and their devices.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the snapshot and device tables."""
    op.create_table(
        "fleet_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("source_key", sa.String(500), nullable=False),
        sa.Column("source_name", sa.Text, nullable=False),
        sa.Column("format", sa.String(64), nullable=False),
        sa.Column("site", sa.String(200)),
        sa.Column("host", sa.String(255)),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("device_count", sa.Integer, nullable=False),
        sa.Column("unmatched_count", sa.Integer, nullable=False),
        sa.UniqueConstraint("content_sha256", name="uq_fleet_snapshots_content"),
    )
    op.create_table(
        "fleet_devices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("fleet_snapshots.id", ondelete="CASCADE"), nullable=False),
        sa.Column("line", sa.Integer),
        sa.Column("model", sa.String(255)),
        sa.Column("vendor", sa.String(128)),
        sa.Column("chip_id", sa.String(128)),
        sa.Column("chip_hint", sa.String(128)),
        sa.Column("match_confidence", sa.Float, nullable=False),
        sa.Column("match_method", sa.String(32), nullable=False),
        sa.Column("designer_country", sa.String(8)),
        sa.Column("reason", sa.Text),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("site", sa.String(200)),
        sa.Column("sector", sa.String(200)),
        sa.Column("business_unit", sa.String(200)),
        sa.Column("host", sa.String(255)),
        sa.Column("uuid", sa.String(255)),
        sa.Column("bus_id", sa.String(64)),
        sa.Column("pci_vendor_id", sa.String(8)),
        sa.Column("pci_device_id", sa.String(8)),
        sa.Column("memory_mib", sa.Float),
        sa.Column("power_limit_w", sa.Float),
        sa.Column("mig_instances", sa.Integer, nullable=False, server_default="0"),
        sa.Column("price", sa.Float),
        sa.Column("currency", sa.String(8)),
        sa.Column("purchase_date", sa.Date),
    )
    op.create_index("ix_fleet_devices_snapshot_id", "fleet_devices", ["snapshot_id"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_index("ix_fleet_devices_snapshot_id", table_name="fleet_devices")
    op.drop_table("fleet_devices")
    op.drop_table("fleet_snapshots")
