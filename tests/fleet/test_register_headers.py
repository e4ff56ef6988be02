"""Register headers: units and currencies as suffixes or in brackets, columns not understood named in a warning
(an error under --strict), nothing silently dropped."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipshift.catalog import Catalog
from chipshift.cli.main import app
from chipshift.fleet import read_inventory_bytes
from chipshift.fleet.parsers.register_columns import read_column


@pytest.mark.parametrize(
    ("header", "field", "scale", "currency"),
    [
        ("unit_price_cny", "price", 1.0, "CNY"),
        ("price_usd", "price", 1.0, "USD"),
        ("Unit Price (CNY)", "price", 1.0, "CNY"),
        ("单价（万元）", "price", 10_000.0, "CNY"),
        ("Price (¥)", "price", 1.0, "CNY"),
        ("power_w", "power_w", 1.0, None),
        ("power_kw", "power_w", 1000.0, None),
        ("TDP (W)", "power_w", 1.0, None),
        ("memory_gb", "memory", 1e9 / 2**20, None),
        ("显存 (GiB)", "memory", 1024.0, None),
        ("device_id", None, 1.0, None),
        ("memory", None, 1.0, None),
        ("price_tax", None, 1.0, None),
    ],
)
def test_header_meaning(header: str, field: str | None, scale: float, currency: str | None) -> None:
    column = read_column(header)
    assert (column.field, column.scale, column.currency) == (field, pytest.approx(scale), currency)


def test_suffixed_price_currency_and_units_are_read(catalog: Catalog) -> None:
    data = b"model,count,unit_price_cny,power_kw,memory_gib\nH20,2,105000,0.4,96\n910B,1,1.2e5,0.31 kW,64\n"
    read = read_inventory_bytes("r.csv", data, catalog=catalog)
    assert read.problems == [] and read.warnings == []
    values = [(d.price, d.record.currency, d.power_w, d.record.memory_mib) for d in read.devices]
    assert values == [(105000.0, "CNY", 400.0, 96 * 1024.0), (120000.0, "CNY", 310.0, 64 * 1024.0)]


def test_price_in_wan_yuan(catalog: Catalog) -> None:
    read = read_inventory_bytes("r.csv", "型号,数量,单价（万元）\nH20,2,10.5\n".encode(), catalog=catalog)
    assert [(d.price, d.record.currency) for d in read.devices] == [(105000.0, "CNY")]


def test_unknown_columns_are_named_in_a_warning(catalog: Catalog) -> None:
    data = b"model,asset_tag,rack,memory,model\nH20,A-1,R7,80,x\n"
    read = read_inventory_bytes("r.csv", data, catalog=catalog)
    assert read.device_count == 1 and read.problems == []
    (warning,) = read.warnings
    assert warning.line == 1
    assert "'asset_tag' (not a register field)" in warning.message and "'rack'" in warning.message
    assert "'memory' (memory without a unit" in warning.message
    assert "'model' (repeats the model field" in warning.message


def test_strict_makes_unknown_columns_an_error(catalog: Catalog) -> None:
    read = read_inventory_bytes("r.csv", b"model,rack\nH20,R7\n", catalog=catalog, strict=True)
    assert [p.describe("r.csv") for p in read.problems] == [
        "r.csv:1: columns not understood, ignored: 'rack' (not a register field) (--strict)"
    ]


def test_cli_warns_and_strict_refuses(tmp_path: Path) -> None:
    register = tmp_path / "r.csv"
    register.write_text("model,unit_price_cny,rack\nH20,105000,R7\n")
    db = f"sqlite:///{tmp_path / 'f.sqlite'}"
    result = CliRunner().invoke(app, ["fleet", "ingest", str(register), "--db", db])
    assert result.exit_code == 0
    assert f"warning: {register}:1: columns not understood, ignored: 'rack'" in result.stderr
    strict_db = f"sqlite:///{tmp_path / 'strict.sqlite'}"
    strict = CliRunner().invoke(app, ["fleet", "ingest", str(register), "--strict", "--db", strict_db])
    assert strict.exit_code == 2
    assert f"error: {register}:1: columns not understood, ignored: 'rack' (not a register field) (--strict)" in (
        strict.stderr
    )
    status = CliRunner().invoke(app, ["fleet", "status", "--db", db, "--format", "json"])
    assert '"value"' in status.stdout and '"ratio": 0.0' in status.stdout
