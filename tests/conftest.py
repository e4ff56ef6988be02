"""Shared test fixtures. Tests read the real samples in ../shared/data where the repository sits beside shared/."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def shared_data() -> Path:
    """The shared data folder (validation cases, inventory samples); skips where the checkout has none beside it."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("../shared/data is not beside this checkout")
    return path
