"""Fixtures of the fleet tests: the shared inventory samples, our own fixtures, a store in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chipshift.catalog import Catalog, load_catalog
from chipshift.fleet import FleetStore

SHARED = Path(os.environ.get("CHIPSHIFT_SHARED") or Path(__file__).resolve().parents[2].parent / "shared")
"""The shared folder: beside the checkout (as in CI), or where ``CHIPSHIFT_SHARED`` says (a worktree elsewhere)."""
SAMPLES = SHARED / "data" / "inventory-samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "chipshift" / "fleet" / "examples"


@pytest.fixture
def samples() -> Path:
    """The shared inventory samples; skips where the checkout has none beside it."""
    if not SAMPLES.is_dir():
        pytest.skip("../shared/data/inventory-samples is not beside this checkout")
    return SAMPLES


@pytest.fixture
def fixtures() -> Path:
    """Inventory fixtures written for these tests."""
    return FIXTURES


@pytest.fixture
def catalog() -> Catalog:
    """The shipped catalog."""
    return load_catalog()


@pytest.fixture
def store(tmp_path: Path) -> FleetStore:
    """A fresh SQLite store in a temporary folder (never the user's data directory)."""
    fleet_store = FleetStore(f"sqlite:///{tmp_path / 'fleet.sqlite'}")
    yield fleet_store  # type: ignore[misc]
    fleet_store.close()


@pytest.fixture(autouse=True)
def _no_user_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Point the default database at the temporary folder, so no test touches the user's data."""
    monkeypatch.setenv("CHIPSHIFT_DB", f"sqlite:///{tmp_path / 'default.sqlite'}")
