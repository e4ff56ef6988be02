"""Benchmark of the fleet engine at scale: ingest, status (ratios) and export of a generated register, each timed as
the CLI command a user runs, with its peak memory.

Run: ``python benchmarks/bench_fleet.py [--devices N] [--xlsx-devices N] [--db URL] [--write-results]``.

Each phase runs as its own ``chipshift fleet ...`` process (so its peak RSS is its own): ``ingest`` of a CSV
register with one row per device (count 1, a serial each, 12 models of which one is unknown to the catalog),
``status --format json`` (every ratio and the example targets, computed from groups made in the database),
``export --format csv`` to /dev/null (streamed), and, with ``--xlsx-devices``, ``ingest`` of the same register as an
XLSX workbook. Targets: each phase under 60 s and 1 GiB for 1,000,000 devices. The register and the SQLite database
go to a temporary folder (never the user's data directory); ``--db`` points at another database instead (for
PostgreSQL, an empty database: see ``benchmarks/results/fleet.md``). ``--write-results`` writes the figures to
``benchmarks/results/fleet.md``. Exit status 1 when a phase misses a target.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "src" / "chipshift" / "fleet" / "examples"
RESULTS = {
    "SQLite": ROOT / "benchmarks" / "results" / "fleet.md",
    "PostgreSQL": ROOT / "benchmarks" / "results" / "fleet-postgresql.md",
}
TARGET_S = 60.0
TARGET_RSS_MIB = 1024.0
MODELS = {
    "ai-datacenter": [
        ("H20", 105000),
        ("H800", 250000),
        ("A800", 95000),
        ("910B", 120000),
        ("910C", 180000),
        ("MLU370-X8", 60000),
        ("K100_AI", 70000),
        ("MXC500", 80000),
        ("Mystery Accelerator", 1000),
    ],
    "automotive": [("Orin-X", 3000), ("NX9031", 2500), ("Journey 6P", 1500)],
}
SITES = {"ai-datacenter": ["shanghai", "beijing", "guiyang", "ulanqab"], "automotive": ["hefei", "wuhu"]}
HEADER = ["site", "sector", "business_unit", "model", "count", "unit_price", "currency", "purchase_date", "serial"]
CHILD = """
import os, sys, time
from chipshift.cli.main import app
start = time.perf_counter()
code = 1
try:
    code = app(sys.argv[2:], prog_name="chipshift", standalone_mode=False) or 0
finally:
    seconds = time.perf_counter() - start
    peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1]
    cpu = sum(os.times()[:2])
    with open(sys.argv[1], "w") as out:
        out.write(f"{seconds} {int(peak) / 1024} {cpu}")
sys.exit(code)
"""
"""Runs one CLI command and writes its time inside, peak RSS (VmHWM: this process image only, not inherited from
the benchmark's own process as ``ru_maxrss`` is) and CPU time."""


def register_rows(devices: int, seed: int = 7) -> Iterator[list[object]]:
    """One row per device (count 1, serial), like an asset system's export; generated, never held in memory."""
    rng = random.Random(seed)
    for index in range(devices):
        sector = "automotive" if rng.random() < 0.3 else "ai-datacenter"
        model, price = rng.choice(MODELS[sector])
        day = f"202{rng.randrange(3, 7)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        site, unit = rng.choice(SITES[sector]), f"bu-{rng.randrange(8)}"
        yield [site, sector, unit, model, 1, price, "CNY", day, f"SN{index:08d}"]


def write_register(path: Path, devices: int, seed: int = 7) -> None:
    """The register as CSV."""
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(HEADER) + "\n")
        out.writelines(",".join(str(v) for v in row) + "\n" for row in register_rows(devices, seed))


def write_workbook(path: Path, devices: int, seed: int = 7) -> None:
    """The register as an XLSX workbook (openpyxl's streaming writer)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in register_rows(devices, seed):
        sheet.append(row)
    book.save(path)


@dataclass(frozen=True)
class Phase:
    """One timed command."""

    name: str
    wall_s: float
    inside_s: float
    cpu_s: float
    max_rss_mib: float

    def line(self) -> str:
        verdict = "ok" if self.wall_s < TARGET_S and self.max_rss_mib < TARGET_RSS_MIB else "MISSED"
        return (
            f"| {self.name} | {self.wall_s:.1f} | {self.inside_s:.1f} | {self.cpu_s:.1f} | "
            f"{self.max_rss_mib:,.0f} | {verdict} |"
        )


def run_phase(name: str, arguments: list[str], folder: Path) -> Phase:
    """Run ``chipshift ARGUMENTS`` in a fresh process; its wall time, time inside, CPU time and peak RSS."""
    figures = folder / "phase.txt"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(figures), *arguments], stdout=sink, stderr=subprocess.PIPE, env=env
        )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{name} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    if name.startswith("ingest") and b"already stored" in done.stderr:
        raise SystemExit(f"{name}: the register was already stored; give an empty database")
    inside, rss, cpu = (float(v) for v in figures.read_text().split())
    return Phase(name, wall, inside, cpu, rss)


def machine(url: str | None) -> str:
    """What the figures were measured on."""
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    import sqlalchemy

    database = f"SQLite {sqlite3.sqlite_version}"
    if url:
        engine = sqlalchemy.create_engine(url)
        with engine.connect() as connection:
            database = str(connection.exec_driver_sql("SELECT version()").scalar()).split(" on ")[0]
        engine.dispose()
    return (
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), Python {platform.python_version()}, "
        f"{database}, SQLAlchemy {sqlalchemy.__version__}; load average before the run: {load}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1_000_000)
    parser.add_argument("--xlsx-devices", type=int, default=0, help="also ingest an XLSX register of N rows")
    parser.add_argument("--db", help="database URL (default: a SQLite file in a temporary folder)")
    parser.add_argument("--write-results", action="store_true", help="write benchmarks/results/fleet.md")
    args = parser.parse_args()
    header = machine(args.db)
    phases: list[Phase] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        register = folder / "register.csv"
        write_register(register, args.devices)
        db = args.db or f"sqlite:///{folder / 'bench.sqlite'}"
        targets = str(EXAMPLES / "fleet-targets.yaml")
        phases.append(run_phase("ingest (CSV)", ["fleet", "ingest", str(register), "--db", db], folder))
        phases.append(
            run_phase("status", ["fleet", "status", "--format", "json", "--targets", targets, "--db", db], folder)
        )
        phases.append(run_phase("export (CSV)", ["fleet", "export", "--db", db], folder))
        if args.xlsx_devices:
            book = folder / "register.xlsx"
            write_workbook(book, args.xlsx_devices, seed=11)
            xlsx_db = f"sqlite:///{folder / 'xlsx.sqlite'}" if args.db is None else db
            arguments = ["fleet", "ingest", str(book), "--source", "xlsx", "--db", xlsx_db]
            phases.append(run_phase(f"ingest (XLSX, {args.xlsx_devices:,} rows)", arguments, folder))
        check = run_phase("check", ["fleet", "check", "--db", db], folder)
    report = render(args, header, [*phases, check])
    print(report)
    if args.write_results:
        RESULTS[_backend(args)].write_text(report, encoding="utf-8")
    slow = [p for p in phases if p.wall_s >= TARGET_S or p.max_rss_mib >= TARGET_RSS_MIB]
    return 1 if slow else 0


POSTGRES_HOWTO = """## Running it against PostgreSQL

A server from the OS packages on 127.0.0.1 (Debian: `apt-get install postgresql`; the binaries are in
`/usr/lib/postgresql/<version>/bin`), a throw-away cluster owned by the `postgres` user, and the driver
(`pip install 'chipshift[postgres]'`, i.e. psycopg 3):

```bash
install -d -o postgres /tmp/pgbench
su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/initdb -D /tmp/pgbench/db -A trust -U postgres"
su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/pg_ctl -D /tmp/pgbench/db -l /tmp/pgbench/log \\
    -o '-c listen_addresses=127.0.0.1 -p 55432 -c unix_socket_directories=/tmp/pgbench' start"
/usr/lib/postgresql/15/bin/createdb -h 127.0.0.1 -p 55432 -U postgres fleet_bench     # an empty database
URL=postgresql+psycopg://postgres@127.0.0.1:55432/fleet_bench
python benchmarks/bench_fleet.py --db "$URL" --write-results
CHIPSHIFT_TEST_POSTGRES_URL="$URL" pytest tests/fleet/test_postgres.py   # drops and recreates the fleet tables
su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/pg_ctl -D /tmp/pgbench/db stop"
```

The database must be empty (the benchmark stops when its register is already stored). The server runs on the same
2 cores as the benchmark, so its work is in the wall time but not in the CPU column (which is the client's).
"""


def _backend(args: argparse.Namespace) -> str:
    return "PostgreSQL" if args.db and args.db.startswith("postgres") else "SQLite"


def render(args: argparse.Namespace, header: str, phases: list[Phase]) -> str:
    """The figures as Markdown."""
    backend = _backend(args)
    lines = [
        f"# fleet benchmark: {args.devices:,} devices ({backend})",
        "",
        f"Command: `python benchmarks/bench_fleet.py --devices {args.devices}"
        + (f" --xlsx-devices {args.xlsx_devices}" if args.xlsx_devices else "")
        + (" --db URL" if args.db else "")
        + "`",
        "",
        f"Machine: {header}.",
        "",
        "Each row is one `chipshift fleet ...` process: wall time from start to exit (interpreter start included),",
        "time inside the command, CPU time (user + system) and peak resident memory. Target for each: under",
        f"{TARGET_S:.0f} s and {TARGET_RSS_MIB:,.0f} MiB. Wall time includes waiting for a CPU while other work",
        "runs on the machine (see the load average above); CPU time is the command's own work.",
        "",
        "| phase | wall s | inside s | CPU s | peak RSS MiB | target |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        *(p.line() for p in phases),
        "",
        "The register: one row per device (count 1, a serial each), 12 models of which one is unknown to the",
        "catalog, 6 sites, 2 sectors, 8 business units; the XLSX register is the same shape (another seed).",
        "Status computes every share (count, equivalent count, compute, memory, value, power; overall and per",
        "site, sector and business unit; the three example targets) from groups made in the database, each",
        "device once; export streams every device row with its snapshot and source file.",
        "",
        POSTGRES_HOWTO,
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
