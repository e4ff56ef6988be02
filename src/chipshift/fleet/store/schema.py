"""Tables of the fleet store (SQLAlchemy Core). The Alembic migrations in ``fleet/migrations`` create them.

A snapshot is one ingested inventory: when it was taken, from which source and site, the hash of its content, and
how many of its devices were merged into ones listed before. Its devices are stored as read and matched, so a later
catalog does not silently change history; each carries its identity key (serial, slot or bus address within its
host; see :mod:`chipshift.fleet.identity`), so a device in two current snapshots is counted once.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

snapshots = Table(
    "fleet_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("content_sha256", String(64), nullable=False),
    Column("source_key", String(500), nullable=False),
    Column("source_name", Text, nullable=False),
    Column("format", String(64), nullable=False),
    Column("site", String(200)),
    Column("host", String(255)),
    Column("taken_at", DateTime(timezone=True), nullable=False),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
    Column("device_count", Integer, nullable=False),
    Column("unmatched_count", Integer, nullable=False),
    Column("merged_count", Integer, nullable=False, server_default="0"),
    UniqueConstraint("content_sha256", name="uq_fleet_snapshots_content"),
)

devices = Table(
    "fleet_devices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("snapshot_id", Integer, ForeignKey("fleet_snapshots.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("line", Integer),
    Column("model", String(255)),
    Column("vendor", String(128)),
    Column("chip_id", String(128)),
    Column("chip_hint", String(128)),
    Column("match_confidence", Float, nullable=False),
    Column("match_method", String(32), nullable=False),
    Column("designer_country", String(8)),
    Column("reason", Text),
    Column("count", Integer, nullable=False),
    Column("site", String(200)),
    Column("sector", String(200)),
    Column("business_unit", String(200)),
    Column("host", String(255)),
    Column("uuid", String(255)),
    Column("bus_id", String(64)),
    Column("pci_vendor_id", String(8)),
    Column("pci_device_id", String(8)),
    Column("memory_mib", Float),
    Column("power_limit_w", Float),
    Column("mig_instances", Integer, nullable=False, server_default="0"),
    Column("price", Float),
    Column("currency", String(8)),
    Column("purchase_date", Date),
    Column("slot", String(64)),
    Column("device_key", Text, index=True),
)
