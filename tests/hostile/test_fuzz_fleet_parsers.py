"""Fuzzing every inventory parser (issue 17, item 8): a clean ChipshiftError naming the file, or devices that are data.

Each real output of every format (the shared samples, the fleet fixtures, a register in CSV and YAML) is mutated
line by line: a token replaced by a hostile one (NaN, infinities, negatives, 1e400, NUL, formula text, markup), a
line deleted, repeated or cut. Whatever the parser makes of it must be a :class:`ChipshiftError` whose message
names the file, or devices whose every figure is a finite, non-negative number: garbage is never data.

Hypothesis is derandomised (``derandomize=True``: the examples are drawn from a seed fixed by the test's own name),
so every run tries the same inputs and a failure reproduces from the test alone.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from chipshift.catalog import Catalog, load_catalog
from chipshift.errors import ChipshiftError
from chipshift.fleet import read_inventory_bytes
from chipshift.fleet.model import InventoryRead
from chipshift.fleet.parsers.xlsx_sheet import SheetReader

from .fuzzing import HOSTILE_TOKENS, fuzz_settings, mutated_text

HERE = Path(__file__).resolve()
SHARED = Path(os.environ.get("CHIPSHIFT_SHARED") or HERE.parents[3] / "shared")
"""The shared folder: beside the checkout (as in CI), or where ``CHIPSHIFT_SHARED`` says (as tests/fleet does)."""
SHARED_SAMPLES = SHARED / "data" / "inventory-samples"
FIXTURES = HERE.parents[1] / "fleet" / "fixtures"
REGISTERS = {
    "register.csv": "site,model,count,serial,power_w,unit_price,memory_gb,purchase_date,host\n"
    "sh,H20,1,SN-1,400,12500,96,2024-05-01,node-1\nbj,910B,2,,350,120000,64,2025-01-02,node-2\n",
    "register.yaml": "site: sh\ndevices:\n  - {model: H20, count: 2, serial: SN-9}\n"
    "  - model: 910B\n    power_w: 350\n",
}
"""Registers of our own, beside the tool outputs."""

FUZZ = fuzz_settings(60)
CATALOG: Catalog = load_catalog()


def _seeds() -> dict[str, str]:
    """Every real tool output we hold, by file name: one seed per format at least."""
    seeds = dict(REGISTERS)
    for folder in (SHARED_SAMPLES, FIXTURES):
        if folder.is_dir():
            seeds.update({p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.suffix != ".md"})
    return seeds


SEEDS = _seeds()


def read_or_refuse(name: str, data: bytes) -> InventoryRead | None:
    """Read ``data`` as the inventory ``name``; None for a clean refusal, which must name the file in one line."""
    try:
        read = read_inventory_bytes(name, data, catalog=CATALOG)
    except ChipshiftError as error:
        assert error.message.startswith(name) and "\n" not in error.message, error.message
        return None
    for device in read.devices:
        record = device.record
        assert isinstance(record.count, int) and record.count >= 0, record
        for figure in (record.memory_mib, record.power_limit_w, record.price):
            assert figure is None or (math.isfinite(figure) and figure >= 0), record
    return read


def test_every_seed_reads_as_it_is() -> None:
    """The unmutated seeds are good inventories: what the fuzzing breaks is the mutation, not the seed."""
    assert len(SEEDS) >= 12 or not SHARED_SAMPLES.is_dir()
    for name, text in SEEDS.items():
        read = read_or_refuse(name, text.encode())
        assert read is not None and read.devices, name


@pytest.mark.parametrize("name", sorted(SEEDS), ids=[n[:40] for n in sorted(SEEDS)])
@FUZZ
@given(data=st.data())
def test_a_mutated_tool_output_is_read_or_refused_cleanly(name: str, data: st.DataObject) -> None:
    text = data.draw(mutated_text(SEEDS[name]), label="mutated")
    read_or_refuse(name, text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes_are_never_an_internal_error(data: bytes) -> None:
    read_or_refuse("random.bin", data)


@FUZZ
@given(
    st.lists(
        st.lists(st.one_of(st.sampled_from(HOSTILE_TOKENS), st.text(max_size=12)), min_size=1, max_size=6),
        min_size=1,
        max_size=8,
    )
)
def test_a_generated_csv_register_is_read_or_refused(rows: list[list[str]]) -> None:
    header = "model,count,power_w,unit_price,memory_gb,serial"
    body = "\n".join(",".join(cell.replace("\n", " ") for cell in row) for row in rows)
    read_or_refuse("generated.csv", f"{header}\n{body}\n".encode("utf-8", "surrogatepass"))


def _workbook(cells: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["model", "count", "power_w", "unit_price", "serial", "purchase_date"])
    for row in cells:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


XLSX_CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(HOSTILE_TOKENS),
    st.text(max_size=20),
).filter(lambda value: not (isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value)))
"""Cell values openpyxl can write (it refuses control characters; a mutated sheet below has them)."""


@fuzz_settings(40)
@given(st.lists(st.lists(XLSX_CELLS, min_size=1, max_size=6), min_size=1, max_size=5))
def test_a_generated_xlsx_register_is_read_or_refused(cells: list[list[object]]) -> None:
    read_or_refuse("generated.xlsx", _workbook(cells))


def _mutated_workbook(data: st.DataObject) -> bytes:
    """A real workbook whose sheet XML is mutated (shared strings, cell types, numbers, markup)."""
    original = _workbook([["H20", 2, 400, 12500, "SN-1", "2024-05-01"], ["910B", 1, 350, None, "SN-2", None]])
    with zipfile.ZipFile(io.BytesIO(original)) as source:
        parts = {item.filename: source.read(item.filename) for item in source.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = data.draw(mutated_text(parts[sheet].decode(), split=">"), label="sheet").encode(
        "utf-8", "surrogatepass"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for filename, content in parts.items():
            target.writestr(filename, content)
    return buffer.getvalue()


@fuzz_settings(40)
@given(data=st.data())
def test_a_mutated_xlsx_sheet_is_read_or_refused(data: st.DataObject) -> None:
    read_or_refuse("mutated.xlsx", _mutated_workbook(data))


def _rows_or_error(rows: Iterator[tuple[int, list[object]]]) -> str:
    """The rows read, or the error raised, as text (a NaN cell is equal to itself there)."""
    try:
        return repr(list(rows))
    except Exception as error:
        return f"{type(error).__name__}: {error}"


@fuzz_settings(60)
@given(data=st.data())
def test_a_mutated_xlsx_sheet_reads_alike_as_plain_rows_and_by_events(data: st.DataObject) -> None:
    """The plain-row reader gives the event parser's rows, or fails with its error, on whatever the sheet became."""
    book = _mutated_workbook(data)
    plain = _rows_or_error(SheetReader(zipfile.ZipFile(io.BytesIO(book))).rows())
    assert plain == _rows_or_error(SheetReader(zipfile.ZipFile(io.BytesIO(book))).parsed_rows())
