"""Any input either reads or fails with a clear ChipshiftError naming the file; never another exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chipshift.catalog import Catalog, load_catalog
from chipshift.errors import ChipshiftError
from chipshift.fleet import read_inventory_bytes

from .conftest import FIXTURES, SAMPLES

SEEDS = sorted(p for p in [*SAMPLES.glob("*"), *FIXTURES.glob("*")] if p.suffix != ".md") if SAMPLES.is_dir() else []
CATALOG: Catalog = load_catalog()


def _read_or_clear_error(name: str, data: bytes) -> None:
    try:
        read_inventory_bytes(name, data, catalog=CATALOG)
    except ChipshiftError as error:
        assert name in error.message


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    _read_or_clear_error("random.bin", data)


@settings(max_examples=150, deadline=None, database=None)
@given(st.text(alphabet=st.sampled_from(list('|+-=: ,\n0123456789abcxXNPU[]{}"<>/.;\t')), max_size=600))
def test_random_table_like_text(text: str) -> None:
    _read_or_clear_error("table.txt", text.encode())


@pytest.mark.parametrize("seed", SEEDS, ids=[p.name[:50] for p in SEEDS])
def test_every_truncation_of_real_outputs(seed: Path) -> None:
    data = seed.read_bytes()
    for cut in sorted({len(data) * k // 23 for k in range(1, 23)}):
        _read_or_clear_error(seed.name, data[:cut])
