"""Garbage is not data: every hostile register or tool output is refused with one line naming the file and line
(exit 2, never 70, never a ``nan`` share), and the database already holding a fleet is left exactly as it was."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from .fleet_support import fleet, seeded_database, stored

REGISTER_CELLS = [
    ("power_w", "nan", "power (W) is not a number (NaN)"),
    ("power_w", "-350", "power (W) cannot be negative"),
    ("power_w", "inf", "power (W) is infinite"),
    ("power_w", "1e400 W", "power (W) is infinite"),
    ("power_w", "1e300", "above the plausible ceiling"),
    ("unit_price", "nan", "price must be a number"),
    ("unit_price", "-5", "price must be a number"),
    ("count", "nan", "count must be a whole number"),
    ("count", "inf", "count must be a whole number"),
    ("count", "1e300", "count must be a whole number from 0 to 10,000,000"),
    ("count", "-1", "count must be a whole number"),
    ("memory_gb", "-80", "memory (MiB) cannot be negative"),
    ("purchase_date", "0001-01-01", "outside 1990-2100"),
]


@pytest.mark.parametrize(("column", "cell", "message"), REGISTER_CELLS, ids=[f"{c}={v}" for c, v, _ in REGISTER_CELLS])
def test_register_cell(tmp_path: Path, column: str, cell: str, message: str) -> None:
    database = seeded_database(tmp_path)
    register = tmp_path / "bad.csv"
    register.write_text(f"model,{column}\nH20,\n910B,{cell}\n")
    line = fleet("ingest", register, "--db", database).refused(f"{register}:3:", message)
    assert "nothing stored" in line
    assert stored(database) == (1, 2)


def _xml(gpu: str, hostname: str = "node-1") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<nvidia_smi_log>\n'
        f'<hostname>{hostname}</hostname>\n<gpu id="00000000:01:00.0">\n{gpu}\n</gpu>\n</nvidia_smi_log>\n'
    )


XML_GPUS = [
    (
        "power-1e400",
        "<product_name>NVIDIA H20</product_name><power_readings><power_limit>1e400 W</power_limit></power_readings>",
        "power (W) is infinite",
    ),
    (
        "power-nan",
        "<product_name>NVIDIA H20</product_name><gpu_power_readings><power_limit>nan W</power_limit>"
        "</gpu_power_readings>",
        "power (W) is not a number",
    ),
    (
        "memory-negative",
        "<product_name>NVIDIA H20</product_name><fb_memory_usage><total>-97871 MiB</total></fb_memory_usage>",
        "memory (MiB) cannot be negative",
    ),
]


@pytest.mark.parametrize(("gpu", "message"), [x[1:] for x in XML_GPUS], ids=[x[0] for x in XML_GPUS])
def test_nvidia_smi_xml_figures(tmp_path: Path, gpu: str, message: str) -> None:
    database = seeded_database(tmp_path)
    report = tmp_path / "node.xml"
    report.write_text(_xml(gpu))
    fleet("ingest", report, "--db", database).refused(str(report), message)
    assert stored(database) == (1, 2)


def test_60_mb_hostname_in_xml(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    report = tmp_path / "node.xml"
    report.write_text(_xml("<product_name>NVIDIA H20</product_name>", hostname="h" * (60 * 1024 * 1024)))
    fleet("ingest", report, "--db", database).refused(str(report), "field 'host'", "62,914,560 characters")
    assert stored(database) == (1, 2)


def test_60_mb_hostname_in_register_is_over_the_csv_field_limit(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    register = tmp_path / "hosts.csv"
    register.write_text("model,host\nH20,a\nH20," + "h" * (60 * 1024 * 1024) + "\n")
    fleet("ingest", register, "--db", database).refused(f"{register}:3:", "longer than 131,072 characters")
    assert stored(database) == (1, 2)


def test_csv_field_over_128_kib_in_query_gpu_output(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    output = tmp_path / "query.csv"
    output.write_text("name, uuid, memory.total [MiB]\nNVIDIA H20, GPU-1, 97871 MiB\n" + "x" * 140_000 + ", y, 1\n")
    fleet("ingest", output, "--db", database).refused(f"{output}:3:", "unreadable CSV")
    assert stored(database) == (1, 2)


def test_negative_memory_in_query_gpu_csv(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    output = tmp_path / "query.csv"
    output.write_text("name, uuid, memory.total [MiB]\nNVIDIA H20, GPU-1234, -97871 MiB\n")
    fleet("ingest", output, "--db", database).refused(f"{output}:2:", "field 'memory'", "cannot be negative")
    assert stored(database) == (1, 2)


def test_bogus_xml_encoding(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    report = tmp_path / "node.xml"
    report.write_bytes(b'<?xml version="1.0" encoding="bogus"?>\n<nvidia_smi_log><gpu/></nvidia_smi_log>\n')
    fleet("ingest", report, "--db", database).refused(f"{report}:1:", "encoding")
    assert stored(database) == (1, 2)


def test_nan_count_in_yaml_register(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    register = tmp_path / "reg.yaml"
    register.write_text("devices:\n  - model: H20\n    count: 2\n  - model: 910B\n    count: .nan\n")
    fleet("ingest", register, "--db", database).refused(f"{register}:4:", "count must be a whole number")
    assert stored(database) == (1, 2)


def test_nan_and_negative_power_in_runtime_json(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    output = tmp_path / "detect.json"
    output.write_text(
        '[{"manufacturer": "nvidia", "name": "NVIDIA H20", "uuid": "GPU-1", "power": NaN},\n'
        ' {"manufacturer": "nvidia", "name": "NVIDIA H20", "uuid": "GPU-2", "power": -400}]\n'
    )
    run = fleet("ingest", output, "--db", database)
    assert run.code == 2 and "power (W) is not a number (NaN)" in run.stderr and "cannot be negative" in run.stderr
    assert "refused" in run.stderr and "internal error" not in run.stderr
    assert stored(database) == (1, 2)


def test_deeply_nested_json(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    output = tmp_path / "detect.json"
    output.write_text('[{"manufacturer": "nvidia", "x": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    fleet("ingest", output, "--db", database).refused(str(output), "nested too deeply")
    assert stored(database) == (1, 2)


def test_status_never_shows_nan_after_refusals(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    register = tmp_path / "bad.csv"
    register.write_text("model,unit_price,power_w\nH20,nan,nan\n")
    assert fleet("ingest", register, "--db", database).code == 2
    run = fleet("status", "--db", database, "--format", "json")
    assert run.code == 0 and "NaN" not in run.stdout and "nan" not in run.stdout.lower().replace("unmatched", "")


def _workbook_with_sheet(path: Path, sheet: bytes) -> None:
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["model", "count"])
    book.active.append(["H20", 1])
    book.save(path)
    original = path.read_bytes()
    path.unlink()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = sheet if item.filename == "xl/worksheets/sheet1.xml" else source.read(item.filename)
            target.writestr(item, data)


def test_entity_bomb_inside_an_xlsx_sheet(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>model</t></is></c></row>'
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>'
    )
    book = tmp_path / "bomb.xlsx"
    _workbook_with_sheet(book, bomb)
    fleet("ingest", book, "--db", database).refused(str(book), "declares a DTD or entities; refused")
    assert stored(database) == (1, 2)


def test_xlsx_zip_bomb_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zipfile

    from chipshift.fleet.parsers import register

    monkeypatch.setattr(register, "MAX_UNPACKED_BYTES", 1024 * 1024)  # the real limit is 1 GiB: same path, smaller
    database = seeded_database(tmp_path)
    book = tmp_path / "zip-bomb.xlsx"
    with zipfile.ZipFile(book, "w", compression=zipfile.ZIP_DEFLATED) as target:
        target.writestr("xl/workbook.xml", b"<workbook/>")
        target.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (4 * 1024 * 1024) + b"/>")
    fleet("ingest", book, "--db", database).refused(str(book), "unpacks to", "refused")
    assert stored(database) == (1, 2)
