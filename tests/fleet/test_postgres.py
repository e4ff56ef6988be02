"""The store on PostgreSQL, run when CHIPSHIFT_TEST_POSTGRES_URL names an empty database (skipped otherwise).

Example: ``CHIPSHIFT_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:55432/postgres``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from chipshift.catalog import Catalog
from chipshift.fleet import FleetStore, IngestOutcome, compute_ratios, load_policy

from .conftest import EXAMPLES
from .test_store import CONCURRENT_INGEST

URL = os.environ.get("CHIPSHIFT_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="set CHIPSHIFT_TEST_POSTGRES_URL to test PostgreSQL")


@pytest.fixture
def pg_store() -> Iterator[FleetStore]:
    assert URL is not None
    store = FleetStore(URL)
    with store.engine.begin() as connection:
        for table in ("fleet_devices", "fleet_snapshots", "fleet_alembic_version"):
            connection.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    store.close()
    store = FleetStore(URL)
    yield store
    store.close()


def test_ingest_twice_history_and_groups(pg_store: FleetStore, catalog: Catalog, samples: Path) -> None:
    assert pg_store.ingest(EXAMPLES / "fleet-register.csv").outcome is IngestOutcome.STORED
    assert pg_store.ingest(EXAMPLES / "fleet-register.csv").outcome is IngestOutcome.ALREADY_STORED
    assert pg_store.ingest(samples / "telegraf__a100-sxm4-v12.xml", site="lab").outcome is IngestOutcome.STORED
    policy = load_policy(EXAMPLES / "fleet-targets.yaml")
    full = compute_ratios(pg_store.fleet(), catalog, policy=policy).to_dict()
    assert compute_ratios(pg_store.fleet_groups(), catalog, policy=policy).to_dict() == full
    assert full["device_count"] == 709
    assert len(pg_store.history()) == 2
    assert pg_store.devices(pg_store.snapshots()[0])[0].record.purchase_date is not None


def test_two_processes(pg_store: FleetStore, tmp_path: Path) -> None:
    assert URL is not None
    files = []
    for index in range(2):
        path = tmp_path / f"pg{index}.csv"
        path.write_text("model,count\n" + "".join(f"H20,{n}\n" for n in range(1, 200)) + f"910B,{index + 1}\n")
        files.append(str(path))
    processes = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT_INGEST, URL, *order], stdout=subprocess.PIPE, text=True)
        for order in (files, files[::-1])
    ]
    outcomes = sorted(line for p in processes for line in p.communicate(timeout=120)[0].split())
    assert outcomes == ["already-stored", "already-stored", "stored", "stored"]
    assert pg_store.snapshot_count() == 2
