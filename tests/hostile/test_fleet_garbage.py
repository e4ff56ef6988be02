"""Garbage is not data: every hostile register or tool output is refused with one line naming the file and line
(exit 2, never 70, never a ``nan`` share), and the database already holding a fleet is left exactly as it was."""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import watching_opens
from .fleet_support import fleet, seeded_database, stored

SRC = Path(__file__).resolve().parents[2] / "src"

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
    ("count", "²", "count must be a whole number"),  # a digit to str.isdigit, not to int(): exit 70 before
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


def _workbook_with_sheet(
    path: Path, sheet: bytes, part: str = "xl/worksheets/sheet1.xml", styles: bytes | None = None
) -> None:
    """A real two-row workbook at ``path`` whose ``part`` is replaced by ``sheet`` (and its styles by ``styles``)."""
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["model", "count"])
    book.active.append(["H20", 1])
    book.save(path)
    original = path.read_bytes()
    path.unlink()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(path, "w") as target:
        assert part in source.namelist(), part
        for item in source.infolist():
            if item.filename == part:
                target.writestr(item, sheet)
            elif item.filename == "xl/styles.xml" and styles is not None:
                target.writestr(item, styles)
            else:
                target.writestr(item, source.read(item.filename))


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml"])
def test_bogus_xml_encoding_inside_an_xlsx(tmp_path: Path, part: str) -> None:
    """A part declaring an encoding Python does not know raised LookupError: exit 70 before, one line now."""
    database = seeded_database(tmp_path)
    book = tmp_path / "bogus.xlsx"
    _workbook_with_sheet(book, b'<?xml version="1.0" encoding="bogus"?>\n<worksheet/>\n', part=part)
    fleet("ingest", book, "--db", database).refused(str(book), "not a readable XLSX workbook", "encoding: bogus")
    assert stored(database) == (1, 2)


@pytest.mark.parametrize("days", ["1e300", "3000000", "-1e20", "nan"])
def test_a_date_cell_no_calendar_reaches(tmp_path: Path, days: str) -> None:
    """A date-styled cell holding 1e300 days raised OverflowError (exit 70); now its line and column are named."""
    database = seeded_database(tmp_path)
    book = tmp_path / "dates.xlsx"
    _workbook_with_sheet(
        book,
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>model</t></is></c>'
        b'<c r="B1" t="inlineStr"><is><t>purchase_date</t></is></c></row>'
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>H20</t></is></c><c r="B2" s="1"><v>' + days.encode() + b"</v></c>"
        b"</row></sheetData></worksheet>",
        styles=b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>',
    )
    fleet("ingest", book, "--db", database).refused(f"{book}:2:", "'purchase_date'", "date must be YYYY-MM-DD")
    assert stored(database) == (1, 2)


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


def test_npu_smi_board_with_a_superscript_chip_count(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    board = tmp_path / "board.txt"
    board.write_text("NPU ID : ²\nPCIe Bus Info : 0000:C1:00.0\nPCI Vendor ID : 0x19E5\nPCI Device ID : 0xD802\n"
                     "Chip Count : ²\n")  # fmt: skip
    run = fleet("ingest", board, "--db", database)
    assert run.code == 0 and "internal error" not in run.stderr  # read as one board of one chip, no slot
    assert stored(database) == (2, 3)


def test_billion_laughs_in_nvidia_smi_xml(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    report = tmp_path / "laughs.xml"
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    report.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE nvidia_smi_log [<!ENTITY l0 "lol">{entities}]>\n'
        '<nvidia_smi_log><gpu id="0"><product_name>&l9;</product_name></gpu></nvidia_smi_log>\n'
    )
    fleet("ingest", report, "--db", database).refused(str(report), "refused unsafe XML")
    assert stored(database) == (1, 2)


def test_an_external_entity_file_is_never_opened(tmp_path: Path) -> None:
    """XXE: the entity's file is not opened (an audit hook watches every open of this process), nothing stored."""
    database = seeded_database(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("H100\n")
    report = tmp_path / "xxe.xml"
    report.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE nvidia_smi_log [<!ENTITY s SYSTEM "file://{secret}">]>\n'
        '<nvidia_smi_log><gpu id="0"><product_name>&s;</product_name></gpu></nvidia_smi_log>\n'
    )
    with watching_opens(secret) as opened:
        fleet("ingest", report, "--db", database).refused(str(report), "refused unsafe XML")
    assert opened == []
    assert stored(database) == (1, 2)


def test_duplicate_serials_and_uuids_are_counted_once_with_a_warning(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    register = tmp_path / "dup.csv"
    register.write_text("model,serial\nH20,SN-0001\nH20,sn 0001\n910B,SN-0002\n")
    run = fleet("ingest", register, "--db", database)
    assert run.code == 0 and "3 device(s)" not in run.stderr and "2 device(s), 0 unmatched, 1 merged" in run.stderr
    assert f"{register}:3: serial/UUID 'sn0001' is already listed earlier in this file; counted once" in run.stderr
    query = tmp_path / "query.csv"
    query.write_text("name, uuid\nNVIDIA H20, GPU-0001aaaa\nNVIDIA H20, GPU-0001AAAA\nNVIDIA H20, GPU-SN-0002\n")
    run = fleet("ingest", query, "--db", database)
    assert run.code == 0 and "2 device(s), 0 unmatched, 1 merged" in run.stderr
    assert f"{query}:3: serial/UUID '0001aaaa' is already listed earlier in this file; counted once" in run.stderr
    assert "1 device(s) are also in another source's snapshot: counted once" in run.stderr  # SN-0002, in dup.csv
    assert stored(database) == (3, 6)
    status = fleet("status", "--db", database, "--format", "json")
    assert '"device_count": 5,' in status.stdout  # 2 good + 2 of dup.csv + 2 of query.csv, SN-0002 once


def test_endless_standard_input_is_cut_at_the_limit(tmp_path: Path) -> None:
    """``fleet ingest - < /dev/zero``: read up to the 256 MiB cap, then one line; no database made. A separate
    process with a 2 GiB address-space limit, so that a missing cap fails the test instead of the machine."""
    database = tmp_path / "fleet.sqlite"
    with open("/dev/zero", "rb") as zeros:
        done = subprocess.run(
            [sys.executable, "-m", "chipshift", "fleet", "ingest", "-", "--db", str(database)],
            stdin=zeros,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(SRC)},
            preexec_fn=_address_space_limit,
            check=False,
        )
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.strip() == "error: -: larger than the 256 MiB limit for an inventory; split it"
    assert not database.exists()


def _address_space_limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
