"""The fleet database under damage and contention: each case is one clear line and exit 2 (never 70), nothing is
created for a command that only reads, and a database already holding a fleet is left as it was."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .fleet_support import GOOD_REGISTER, fleet, seeded_database, stored

READERS = [("status",), ("history",), ("export",), ("check",)]
SRC = Path(__file__).resolve().parents[2] / "src"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("command", READERS, ids=[c[0] for c in READERS])
def test_reader_in_a_missing_folder_creates_nothing(tmp_path: Path, command: tuple[str]) -> None:
    target = tmp_path / "missing" / "dir" / "x.db"
    fleet(*command, "--db", target).refused(str(target), "does not exist")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", READERS, ids=[c[0] for c in READERS])
def test_reader_of_a_missing_file_creates_nothing(tmp_path: Path, command: tuple[str]) -> None:
    target = tmp_path / "x.db"
    fleet(*command, "--db", target).refused(str(target), "no fleet database here yet")
    assert list(tmp_path.iterdir()) == []


def test_ingest_into_a_missing_folder_is_refused(tmp_path: Path) -> None:
    register = tmp_path / "r.csv"
    register.write_bytes(GOOD_REGISTER)
    target = tmp_path / "missing" / "x.db"
    fleet("ingest", register, "--db", target).refused(str(target), "does not exist")
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("command", [("status",), ("check",), ("ingest", "-")], ids=["status", "check", "ingest"])
def test_folder_as_database(tmp_path: Path, command: tuple[str, ...]) -> None:
    fleet(*command, "--db", tmp_path, stdin=GOOD_REGISTER).refused(str(tmp_path), "is a folder")


@pytest.mark.parametrize("command", [("status",), ("export",), ("ingest", "-")], ids=["status", "export", "ingest"])
def test_garbage_file_as_database(tmp_path: Path, command: tuple[str, ...]) -> None:
    target = tmp_path / "x.db"
    target.write_bytes(b"this is not a database\n" * 100)
    before = _digest(target)
    fleet(*command, "--db", target, stdin=GOOD_REGISTER).refused(str(target), "not a SQLite database")
    assert _digest(target) == before


def test_truncated_database(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    big = tmp_path / "big.csv"
    big.write_text("model,serial\n" + "".join(f"H20,SN{n:08d}\n" for n in range(5000)))
    assert fleet("ingest", big, "--db", database).code == 0
    data = database.read_bytes()
    database.write_bytes(data[: len(data) // 3])
    before = _digest(database)
    for command in (("status",), ("export",), ("ingest", "-")):
        run = fleet(*command, "--db", database, stdin=b"model\nH20\n")
        run.refused(str(database))
        assert "damaged" in run.stderr or "malformed" in run.stderr
    assert _digest(database) == before
    checked = fleet("check", "--db", database)
    assert checked.code in (1, 2) and "internal error" not in checked.stderr
    assert "PROBLEM" in checked.stdout or "damaged" in checked.stderr


@pytest.mark.parametrize(
    "url", ["foo://bar/baz", "mongodb://user:secret@127.0.0.1/fleet"], ids=["foo", "mongodb-with-password"]
)
def test_unknown_url_scheme(url: str) -> None:
    line = fleet("status", "--db", url).refused("unknown database URL scheme")
    assert "secret" not in line


def test_a_database_that_is_not_chipshifts(tmp_path: Path) -> None:
    target = tmp_path / "app.sqlite"
    with sqlite3.connect(target) as connection:
        connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("INSERT INTO customers (name) VALUES ('ACME')")
    before = _digest(target)
    fleet("status", "--db", target).refused(str(target), "not a chipshift fleet store", "customers")
    fleet("ingest", "-", "--db", target, stdin=GOOD_REGISTER).refused(str(target), "not a chipshift fleet store")
    assert _digest(target) == before


def test_a_schema_from_a_newer_chipshift(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE fleet_alembic_version SET version_num = '0099_future'")
    fleet("status", "--db", database).refused(str(database), "0099_future", "newer chipshift")
    fleet("ingest", "-", "--db", database, stdin=b"model\nH20\n").refused("0099_future")
    assert stored(database) == (1, 2)


def test_lock_held_by_another_process_is_retried_then_reported(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        run = fleet("ingest", "-", "--db", database, stdin=b"model\nH20\n", env={"CHIPSHIFT_DB_LOCK_WAIT": "0"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert run.code == 2
    lines = run.stderr.strip().splitlines()
    assert [line.startswith("waiting: ") for line in lines] == [True, True, False]
    assert lines[-1].startswith("error: ") and "locked by another process" in lines[-1] and "3 tries" in lines[-1]
    assert stored(database) == (1, 2)


def test_status_reads_while_another_process_writes(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM fleet_devices")
    try:
        run = fleet("status", "--db", database, "--format", "json", env={"CHIPSHIFT_DB_LOCK_WAIT": "0"})
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert run.code == 0 and '"device_count": 2' in run.stdout


def test_bad_lock_wait_setting() -> None:
    fleet("status", env={"CHIPSHIFT_DB_LOCK_WAIT": "soon"}).refused("CHIPSHIFT_DB_LOCK_WAIT")


def _three_files(folder: Path) -> list[Path]:
    first, second, third = folder / "a.csv", folder / "b.csv", folder / "c.csv"
    first.write_text("model,count\nH20,4\n")
    second.write_text("model,count\n910B,2\n910B,nan\n")
    third.write_text("model,power_w\nH20,-1\n")
    return [first, second, third]


def test_multi_file_ingest_is_all_or_nothing(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    first, second, third = _three_files(tmp_path)
    run = fleet("ingest", first, second, third, "--db", database)
    assert run.code == 2
    assert f"error: {second}:3: field 'count'" in run.stderr
    assert f"error: {third}:2: field 'power_w'" in run.stderr
    assert f"not stored {first}" in run.stderr
    assert "nothing stored: 2 of 3 file(s) refused" in run.stderr
    assert stored(database) == (1, 2)


def test_each_stores_file_by_file_and_says_what(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    first, second, third = _three_files(tmp_path)
    third.write_text("model,count\nH20,1\n")
    run = fleet("ingest", first, second, third, "--each", "--db", database)
    assert run.code == 2
    assert f"stored {first} (register-csv): 4 device(s)" in run.stderr
    assert f"stored {third} (register-csv): 1 device(s)" in run.stderr
    assert "stored 2 of 3 file(s) (snapshots 2, 3)" in run.stderr
    assert stored(database) == (3, 4)


def test_export_of_a_snapshot_that_does_not_exist(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    for output in ("csv", "json"):
        run = fleet("export", "--snapshot", "99999", "--format", output, "--db", database)
        run.refused("no snapshot 99999", "ids 1 to 1")
        assert run.stdout == ""


def test_exported_rows_carry_source_and_snapshot(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    run = fleet("export", "--db", database)
    assert run.code == 0
    header, *rows = run.stdout.splitlines()
    assert header.endswith(",identity,snapshot_id,source")
    assert rows and all(row.endswith(f",1,{tmp_path / 'good.csv'}") for row in rows)


def test_export_neutralises_formulas_in_every_text_column(tmp_path: Path) -> None:
    database = tmp_path / "f.sqlite"
    register = (
        b'model,site,sector,business_unit,host,serial\nH20,=cmd(),"\t=1+1","\r=2+2",+1,@SUM(A1)\n'
        b'910B,"lab\r=HYPERLINK(1)",-x,ai,h,SN-00000002\n'
    )
    assert fleet("ingest", "-", "--source", "-x", "--db", database, stdin=register).code == 0
    text = fleet("export", "--db", database).stdout
    assert "\r" not in text  # a lone CR ends a spreadsheet row: written as a quoted line feed
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    first, second = sorted(rows, key=lambda row: row["model"], reverse=True)
    assert (first["site"], first["sector"], first["business_unit"]) == ("'=cmd()", "'=1+1", "'=2+2")  # cells trimmed
    assert (first["host"], first["uuid"], first["source"]) == ("'+1", "'@SUM(A1)", "'-")  # stdin's name
    assert (second["site"], second["sector"]) == ("lab\n=HYPERLINK(1)", "'-x")
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row.values())


def test_check_finds_a_count_that_does_not_add_up(tmp_path: Path) -> None:
    database = seeded_database(tmp_path)
    assert fleet("check", "--db", database).code == 0
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE fleet_snapshots SET device_count = 5")
    run = fleet("check", "--db", database)
    assert run.code == 1 and "PROBLEM: snapshot 1 says 5 devices but holds 2" in run.stdout


def test_kill_9_during_an_ingest_leaves_the_database_whole(tmp_path: Path) -> None:
    """``kill -9`` while a 40,000-row register is being stored: the fleet is the one before or the one after, never
    a part, and ``fleet check`` finds nothing wrong. The kill comes once the write-ahead log has grown (rows are
    going in); should the ingest finish first, the test checks the finished state the same way."""
    database = seeded_database(tmp_path)
    register = tmp_path / "big.csv"
    register.write_text("model,serial\n" + "".join(f"H20,SN{n:08d}\n" for n in range(40_000)))
    command = [sys.executable, "-m", "chipshift", "fleet", "ingest", str(register), "--db", str(database)]
    process = subprocess.Popen(command, env={**os.environ, "PYTHONPATH": str(SRC)}, stderr=subprocess.DEVNULL)
    wal = database.with_name(database.name + "-wal")
    while process.poll() is None:
        if wal.exists() and wal.stat().st_size > 512 * 1024:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    process.wait()
    assert stored(database) in ((1, 2), (2, 40_002))
    checked = fleet("check", "--db", database)
    assert checked.code == 0, checked.stdout + checked.stderr
    assert fleet("ingest", register, "--db", database).code == 0  # the store takes the file again, whole
    assert stored(database) == (2, 40_002)


def test_ingests_at_the_same_time_all_land(tmp_path: Path) -> None:
    """Four ``chipshift fleet ingest`` processes started together on one database: every file is stored once."""
    database = seeded_database(tmp_path)
    registers = []
    for index in range(4):
        register = tmp_path / f"host{index}.csv"
        register.write_text("model,serial\n" + "".join(f"H20,SN-{index}-{n:06d}\n" for n in range(500)))
        registers.append(register)
    env = {**os.environ, "PYTHONPATH": str(SRC), "CHIPSHIFT_DB_LOCK_WAIT": "3600"}  # waits never race the load
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "chipshift", "fleet", "ingest", str(register), "--db", str(database)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for register in registers
    ]
    errors = [process.communicate()[1] for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0, 0], errors
    assert stored(database) == (5, 2 + 4 * 500)
    assert fleet("check", "--db", database).code == 0
