"""Formats without a shared sample (fixtures in tests/fleet/fixtures, see its README) and format detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipshift.catalog import Catalog
from chipshift.fleet import read_inventory, read_inventory_bytes

# fixture, format, devices, chip ids (None = unmatched)
FIXTURE_EXPECTED: list[tuple[str, str, int, set[str | None]]] = [
    ("cnmon.txt", "cnmon", 2, {"cambricon-mlu370-x8"}),
    ("xpu_smi.txt", "xpu-smi", 2, {None}),
    ("rocm-smi-dtk.txt", "hy-smi-table", 4, {None}),
    ("hy-smi-hcu.txt", "hy-smi-table", 2, {None}),
    ("query-gpu.csv", "nvidia-smi-query-csv", 3, {"nvidia-h20", "nvidia-a800-sxm"}),
    ("nvidia-smi-L.txt", "nvidia-smi-list", 2, {"nvidia-h800-sxm"}),
    ("lspci-mixed.txt", "lspci", 3, {"huawei-ascend-910b", "nvidia-h20"}),
    ("register.yaml", "register-yaml", 235, {"nvidia-orin-x", "nio-shenji-nx9031", "horizon-journey-6p"}),
    ("npu-smi-board.txt", "npu-smi-board", 2, {"huawei-ascend-910b"}),
]


@pytest.mark.parametrize(("name", "fmt", "count", "chips"), FIXTURE_EXPECTED, ids=[e[0] for e in FIXTURE_EXPECTED])
def test_fixture_parses(
    fixtures: Path, catalog: Catalog, name: str, fmt: str, count: int, chips: set[str | None]
) -> None:
    read = read_inventory(fixtures / name, catalog=catalog)
    assert (read.format, read.device_count, read.problems) == (fmt, count, [])
    assert {d.chip_id for d in read.devices} == chips


def test_cnmon_reads_power_cap_and_memory(fixtures: Path, catalog: Catalog) -> None:
    device = read_inventory(fixtures / "cnmon.txt", catalog=catalog).devices[1]
    assert (device.record.bus_id, device.record.power_limit_w, device.record.memory_mib) == ("0000:3d:00.0", 250, 23374)


def test_xpu_smi_unmatched_r300_is_kunlunxin(fixtures: Path, catalog: Catalog) -> None:
    device = read_inventory(fixtures / "xpu_smi.txt", catalog=catalog).devices[0]
    assert (device.vendor, device.designer_country, device.record.memory_mib) == ("Kunlunxin", "CN", 32768)
    assert "Kunlunxin R300" in (device.reason or "")


def test_hygon_tables_are_hygon_devices_of_unknown_model(fixtures: Path, catalog: Catalog) -> None:
    read = read_inventory(fixtures / "rocm-smi-dtk.txt", catalog=catalog)
    assert {(d.vendor, d.designer_country, d.record.power_limit_w) for d in read.devices} == {("Hygon", "CN", 280)}


def test_lspci_keeps_only_accelerators(fixtures: Path, catalog: Catalog) -> None:
    read = read_inventory(fixtures / "lspci-mixed.txt", catalog=catalog)
    assert [d.record.line for d in read.devices] == [3, 4, 5]


def test_nvidia_list_counts_mig_on_its_gpu(fixtures: Path, catalog: Catalog) -> None:
    read = read_inventory(fixtures / "nvidia-smi-L.txt", catalog=catalog)
    assert [d.record.mig_instances for d in read.devices] == [2, 0]


def test_yaml_register_defaults_apply(fixtures: Path, catalog: Catalog) -> None:
    read = read_inventory(fixtures / "register.yaml", catalog=catalog)
    assert {(d.site, d.sector, d.business_unit) for d in read.devices} == {("wuhu-plant", "automotive", "adas")}
    nx = next(d for d in read.devices if d.chip_id == "nio-shenji-nx9031")
    assert (nx.count, nx.price, nx.record.currency, nx.record.line) == (25, 3000, "CNY", 10)


def test_xlsx_register(tmp_path: Path, catalog: Catalog) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Inventory of 2026-Q3"])
    sheet.append(["站点", "行业", "部门", "型号", "数量", "单价 (CNY)", "采购日期"])
    sheet.append(["shenzhen", "ai-datacenter", "cloud", "昇腾910B", 8, 120000, None])
    sheet.append(["shenzhen", "ai-datacenter", "cloud", "H20", 8, "¥105,000", "2024-06-01"])
    path = tmp_path / "register.xlsx"
    book.save(path)
    read = read_inventory(path, catalog=catalog)
    assert read.format == "register-xlsx" and read.problems == []
    assert [(d.chip_id, d.count, d.price, d.record.currency, d.record.line) for d in read.devices] == [
        ("huawei-ascend-910b", 8, 120000, "CNY", 3),
        ("nvidia-h20", 8, 105000, "CNY", 4),
    ]


def test_csv_register_forgiving_columns(catalog: Catalog) -> None:
    text = (
        "Site;Business Unit;Accelerator;Qty;Unit Price (USD);Chip ID\n"
        "sh;cloud;whatever name;2;25,000;nvidia-h20\n"
        "sh;cloud;MLU370-X8;3;;\n"
    )
    read = read_inventory_bytes("r.csv", text.encode(), catalog=catalog)
    assert read.format == "register-csv" and read.problems == []
    assert [(d.chip_id, d.match_method.value, d.count, d.price, d.record.currency) for d in read.devices] == [
        ("nvidia-h20", "chip-id", 2, 25000, "USD"),
        ("cambricon-mlu370-x8", "name", 3, None, "USD"),
    ]


def test_gb18030_register_with_encoding_option(catalog: Catalog) -> None:
    data = "站点,型号,数量\n上海,昇腾910B,4\n".encode("gb18030")
    read = read_inventory_bytes("r.csv", data, catalog=catalog, encoding="gb18030")
    assert [(d.site, d.chip_id, d.count) for d in read.devices] == [("上海", "huawei-ascend-910b", 4)]


def test_utf8_bom_and_crlf(catalog: Catalog) -> None:
    data = "\ufeffmodel,count\r\nH20,2\r\n".encode()
    read = read_inventory_bytes("r.csv", data, catalog=catalog)
    assert [(d.chip_id, d.count) for d in read.devices] == [("nvidia-h20", 2)]


def test_site_option_fills_only_missing_sites(catalog: Catalog) -> None:
    data = b"site,model\nbj,H20\n,910B\n"
    read = read_inventory_bytes("r.csv", data, catalog=catalog, site="default-site")
    assert [d.site for d in read.devices] == ["bj", "default-site"]


@pytest.mark.parametrize("tool", ["EFSMI V1.2.0.301", "mx-smi  version: 2.1.6"])
def test_known_but_unsupported_tools_say_so(catalog: Catalog, tool: str) -> None:
    from chipshift.errors import NotSupportedYetError

    with pytest.raises(NotSupportedYetError, match=r"not supported yet: .* output \(gcu\.txt\)"):
        read_inventory_bytes("gcu.txt", f"{tool}\nsome table\n".encode(), catalog=catalog)


def test_xlsx_register_with_shared_strings_dates_and_sparse_cells(tmp_path: Path, catalog: Catalog) -> None:
    from datetime import date, datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet["B2"], sheet["C2"], sheet["E2"] = "model", "count", "purchase_date"
    sheet["B3"], sheet["C3"], sheet["E3"] = "H20", 3, datetime(2024, 6, 1)
    sheet["B4"], sheet["E4"] = "910B", date(2025, 1, 31)
    sheet["B5"], sheet["C5"] = "MLU370-X8", 1
    path = tmp_path / "dates.xlsx"
    book.save(path)
    read = read_inventory(path, catalog=catalog)
    assert read.problems == []
    rows = [(d.record.model, d.count, d.record.purchase_date, d.record.line) for d in read.devices]
    assert rows == [
        ("H20", 3, date(2024, 6, 1), 3),
        ("910B", 1, date(2025, 1, 31), 4),
        ("MLU370-X8", 1, None, 5),
    ]


def test_xlsx_damaged_sheet_names_the_row(tmp_path: Path, catalog: Catalog) -> None:
    import zipfile

    from chipshift.errors import InputFileError

    good = tmp_path / "good.xlsx"
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["model", "count"])
    for _ in range(50):
        book.active.append(["H20", 1])
    book.save(good)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    with pytest.raises(InputFileError, match=r"bad\.xlsx:\d+: damaged worksheet"):
        read_inventory(bad, catalog=catalog)


def test_xlsx_register_with_inline_strings(tmp_path: Path, catalog: Catalog) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["site", "model", "count", "unit_price_usd"])
    sheet.append(["sh", "H20", 2, 12500.5])
    sheet.append(["sh", "910B", None, -1])
    path = tmp_path / "inline.xlsx"
    book.save(path)
    read = read_inventory(path, catalog=catalog)
    assert [(d.site, d.chip_id, d.count, d.price, d.record.currency) for d in read.devices] == [
        ("sh", "nvidia-h20", 2, 12500.5, "USD")
    ]
    assert [p.describe("inline.xlsx") for p in read.problems] == [
        "inline.xlsx:3: field 'price': price cannot be negative (-1)"
    ]
