"""The store: snapshots, idempotent ingest, all-or-nothing writes, two processes at once, history, migrations."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect

from chipshift.catalog import Catalog
from chipshift.fleet import FleetStore, IngestOutcome, Metric, compute_ratios, load_policy
from chipshift.fleet.store import engine as store_engine
from chipshift.fleet.store import ingest as ingest_module

from .conftest import EXAMPLES


def test_ingest_and_read_back(store: FleetStore, samples: Path) -> None:
    result = store.ingest(samples / "runtime__detect_output_ascend_910b2.json", site="wuhan")
    assert result.outcome is IngestOutcome.STORED and result.snapshot is not None
    assert (result.snapshot.device_count, result.snapshot.site, result.snapshot.format) == (
        8,
        "wuhan",
        "gpustack-runtime-json",
    )
    devices = store.devices(result.snapshot)
    assert [d.chip_id for d in devices] == ["huawei-ascend-910b2"] * 8
    assert {d.site for d in devices} == {"wuhan"}
    assert devices[0].record.bus_id == "0000:c1:00.0"


def test_same_content_twice_is_not_counted_twice(store: FleetStore) -> None:
    first = store.ingest(EXAMPLES / "fleet-register.csv")
    again = store.ingest(EXAMPLES / "fleet-register.csv", site="elsewhere")
    assert (first.outcome, again.outcome) == (IngestOutcome.STORED, IngestOutcome.ALREADY_STORED)
    assert again.snapshot == first.snapshot
    assert store.snapshot_count() == 1
    assert sum(d.count for d in store.fleet()) == 708


def test_failure_inside_the_transaction_writes_nothing(store: FleetStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.ingest_bytes("a.csv", b"model,count\nH20,1\n")
    original = ingest_module._device_row
    calls = {"n": 0}

    def failing_row(snapshot_id: int, device: ingest_module.FleetDevice, key: str | None) -> tuple[object, ...]:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return original(snapshot_id, device, key)

    monkeypatch.setattr(ingest_module, "_device_row", failing_row)
    with pytest.raises(RuntimeError):
        store.ingest_bytes("b.csv", b"model,count\n910B,1\n910B,2\nH20,3\n")
    assert store.snapshot_count() == 1
    assert [d.count for d in store.fleet()] == [1]


def test_newer_snapshot_of_a_source_replaces_it_and_history_moves(store: FleetStore) -> None:
    store.ingest_bytes("dc.csv", b"model,count\nH20,8\n", site="sh", when=datetime(2025, 1, 1, tzinfo=UTC))
    store.ingest_bytes("dc.csv", b"model,count\nH20,4\n910B,4\n", site="sh", when=datetime(2025, 7, 1, tzinfo=UTC))
    store.ingest_bytes("car.csv", b"model,count\nOrin-X,10\n", site="hefei", when=datetime(2025, 3, 1, tzinfo=UTC))
    assert sum(d.count for d in store.fleet()) == 18
    assert sum(d.count for d in store.fleet(date(2025, 2, 1))) == 8
    points = store.history()
    assert [p.taken_at.date() for p in points] == [date(2025, 1, 1), date(2025, 3, 1), date(2025, 7, 1)]
    assert [p.report.overall[Metric.COUNT].ratio for p in points] == [0.0, 0.0, pytest.approx(4 / 18)]


CONCURRENT_INGEST = textwrap.dedent(
    """
    import sys
    from chipshift.fleet import FleetStore
    store = FleetStore(sys.argv[1])
    for path in sys.argv[2:]:
        print(store.ingest(path).outcome.value)
    """
)


def test_two_processes_ingest_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    files = []
    for index in range(2):
        path = tmp_path / f"host{index}.csv"
        path.write_text("model,count\n" + "".join(f"H20,{n}\n" for n in range(1, 400)) + f"910B,{index + 1}\n")
        files.append(str(path))
    processes = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT_INGEST, url, *order], stdout=subprocess.PIPE, text=True)
        for order in (files, files[::-1])
    ]
    outcomes = sorted(line for p in processes for line in p.communicate(timeout=120)[0].split())
    assert all(p.returncode == 0 for p in processes)
    assert outcomes == ["already-stored", "already-stored", "stored", "stored"]
    check = FleetStore(url)
    assert check.snapshot_count() == 2
    assert sum(d.count for d in check.fleet()) == 2 * sum(range(1, 400)) + 3
    check.close()


def test_schema_is_at_head_with_version_table(store: FleetStore) -> None:
    with store.engine.connect() as connection:
        assert store_engine.current_revision(connection) == store_engine.head_revision()
    tables = set(inspect(store.engine).get_table_names())
    assert {"fleet_snapshots", "fleet_devices", store_engine.VERSION_TABLE} <= tables
    assert store_engine.upgrade_schema(store.engine) == store_engine.head_revision()


def test_bare_path_and_env_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert store_engine.resolve_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv("CHIPSHIFT_DB", "sqlite:////tmp/elsewhere.sqlite")
    assert store_engine.resolve_url(None) == "sqlite:////tmp/elsewhere.sqlite"
    monkeypatch.delenv("CHIPSHIFT_DB")
    assert store_engine.resolve_url(None).endswith("fleet.sqlite")


def test_grouped_fleet_gives_the_same_ratios(store: FleetStore, catalog: Catalog) -> None:
    store.ingest(EXAMPLES / "fleet-register.csv")
    store.ingest_bytes("lab.csv", b"site,model,count,price\nlab,H20,1,10\nlab,H20,2,10\nlab,Mystery,1,\n")
    policy = load_policy(EXAMPLES / "fleet-targets.yaml")
    full = compute_ratios(store.fleet(), catalog, policy=policy).to_dict()
    grouped_devices = store.fleet_groups()
    assert len(grouped_devices) < len(store.fleet())
    assert compute_ratios(grouped_devices, catalog, policy=policy).to_dict() == full


def test_migrations_downgrade_and_upgrade_again(store: FleetStore) -> None:
    from alembic import command

    store.ingest_bytes("a.csv", b"model,count\nH20,1\n")
    engine = store.engine
    with engine.begin() as connection:
        command.downgrade(store_engine._alembic_config(connection), "base")
    assert "fleet_devices" not in inspect(engine).get_table_names()
    store_engine.upgrade_schema(engine)
    assert store.snapshot_count() == 0


def test_a_store_of_the_first_schema_is_upgraded_and_keeps_its_devices(tmp_path: Path) -> None:
    from alembic import command

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    store = FleetStore(url)
    store.ingest_bytes("a.csv", b"model,count\nH20,3\n")
    with store.engine.begin() as connection:
        command.downgrade(store_engine._alembic_config(connection), "0001_initial")
    store.close()
    reader = FleetStore(url)
    assert sum(d.count for d in reader.fleet_groups()) == 3
    with reader.engine.connect() as connection:
        assert store_engine.current_revision(connection) == store_engine.head_revision()
    reader.close()
