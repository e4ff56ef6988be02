"""Bad input: hostile or truncated XML, unknown formats, wrong encodings, bad register rows. Messages name the file
and the line; nothing is stored for a file that fails; the store stays usable."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipshift.catalog import Catalog
from chipshift.errors import InputFileError
from chipshift.fleet import FleetStore, IngestOutcome, read_inventory, read_inventory_bytes

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE nvidia_smi_log [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<nvidia_smi_log><gpu id="0"><product_name>&lol4;</product_name></gpu></nvidia_smi_log>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE nvidia_smi_log [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<nvidia_smi_log><gpu id="0"><product_name>&secret;</product_name></gpu></nvidia_smi_log>
"""


def test_billion_laughs_is_refused(catalog: Catalog) -> None:
    with pytest.raises(InputFileError, match=r"bomb\.xml: refused unsafe XML"):
        read_inventory_bytes("bomb.xml", BILLION_LAUGHS, catalog=catalog)


def test_external_entity_is_refused(catalog: Catalog) -> None:
    with pytest.raises(InputFileError, match="refused unsafe XML"):
        read_inventory_bytes("xxe.xml", EXTERNAL_ENTITY, catalog=catalog)


def test_truncated_xml_names_file_and_line(samples: Path, catalog: Catalog, tmp_path: Path) -> None:
    text = (samples / "telegraf__a100-sxm4-v12.xml").read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(text[: len(text) // 2])
    with pytest.raises(InputFileError, match=r"cut\.xml:\d+: not well-formed XML, maybe truncated") as caught:
        read_inventory(cut, catalog=catalog)
    assert caught.value.line is not None


def test_unknown_format_lists_supported_ones(catalog: Catalog) -> None:
    with pytest.raises(InputFileError, match=r"notes\.txt: unknown inventory format; chipshift reads .*npu-smi"):
        read_inventory_bytes("notes.txt", b"hello\nthis is not an inventory\n", catalog=catalog)


def test_binary_file_is_not_an_inventory(catalog: Catalog) -> None:
    with pytest.raises(InputFileError, match="binary file"):
        read_inventory_bytes("a.out", b"\x7fELF\x02\x01\x01" + bytes(64), catalog=catalog)


def test_wrong_encoding_names_line_and_suggests_gb18030(catalog: Catalog) -> None:
    data = "model,count\nH20,1\n昇腾910B,2\n".encode("gb18030")
    with pytest.raises(InputFileError, match=r"gbk\.csv:3: not valid utf-8 .*--encoding gb18030"):
        read_inventory_bytes("gbk.csv", data, catalog=catalog)


def test_missing_file(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(InputFileError, match="no such inventory file"):
        read_inventory(tmp_path / "nope.csv", catalog=catalog)


def test_bad_register_rows_are_problems_with_line_and_field(catalog: Catalog) -> None:
    data = b"model,count,price,purchase_date\nH20,2,100,2024-01-01\n910B,two,100,\nH20,1,cheap,\n,1,,\nH20,1,,soon\n"
    read = read_inventory_bytes("reg.csv", data, catalog=catalog)
    described = [p.describe("reg.csv") for p in read.problems]
    assert described == [
        "reg.csv:3: field 'count': count must be a whole number ≥ 0, not 'two'",
        "reg.csv:4: field 'price': price must be a number, optionally with ¥/$ or a currency code, not 'cheap'",
        "reg.csv:5: field 'model': no model or chip_id given",
        "reg.csv:6: field 'purchase_date': date must be YYYY-MM-DD, not 'soon'",
    ]
    assert read.device_count == 2


def test_register_with_a_bad_row_stores_nothing(store: FleetStore, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("model,count\nH20,4\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("model,count\n910B,8\nH20,-1\n")
    assert store.ingest(good).outcome is IngestOutcome.STORED
    result = store.ingest(bad)
    assert result.outcome is IngestOutcome.REFUSED and result.snapshot is None
    assert [p.line for p in result.problems] == [3]
    assert store.snapshot_count() == 1
    assert sum(d.count for d in store.fleet()) == 4


def test_hostile_xml_leaves_store_untouched(store: FleetStore, tmp_path: Path) -> None:
    store.ingest_bytes("ok.csv", b"model,count\nH20,1\n")
    with pytest.raises(InputFileError):
        store.ingest_bytes("bomb.xml", BILLION_LAUGHS)
    assert store.snapshot_count() == 1


def test_bad_yaml_register_names_line(catalog: Catalog) -> None:
    with pytest.raises(InputFileError, match=r"r\.yaml:4: not valid YAML"):
        read_inventory_bytes("r.yaml", b"devices:\n  - model: H20\n    count: [1,\n", catalog=catalog)


def test_corrupt_xlsx(catalog: Catalog) -> None:
    with pytest.raises(InputFileError, match="not a readable XLSX"):
        read_inventory_bytes("r.xlsx", b"PK\x03\x04" + b"garbage" * 10, catalog=catalog)
