"""Benchmark of the fleet engine: a 100,000-device register ingested into SQLite, then every ratio computed.

Run: ``python benchmarks/bench_fleet.py [--devices N]``. It writes the register and the database to a temporary
folder (never the user's data directory), prints the seconds of each phase and fails when the total is over the
target (10 s for 100,000 devices).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from chipshift.catalog import load_catalog
from chipshift.fleet import FleetStore, IngestOutcome, Metric, compute_ratios, load_policy

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "chipshift" / "fleet" / "examples"
TARGET_S = 10.0
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


def write_register(path: Path, devices: int, seed: int = 7) -> None:
    """A register with one row per device (count 1), like an asset system export."""
    rng = random.Random(seed)
    lines = ["site,sector,business_unit,model,count,unit_price,currency,purchase_date,serial"]
    for index in range(devices):
        sector = "automotive" if rng.random() < 0.3 else "ai-datacenter"
        model, price = rng.choice(MODELS[sector])
        site = rng.choice(SITES[sector])
        unit = f"bu-{rng.randrange(8)}"
        day = f"202{rng.randrange(3, 7)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        lines.append(f"{site},{sector},{unit},{model},1,{price},CNY,{day},SN{index:08d}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100_000)
    args = parser.parse_args()
    catalog = load_catalog()
    policy = load_policy(EXAMPLES / "fleet-targets.yaml")
    with tempfile.TemporaryDirectory() as folder:
        register = Path(folder) / "register.csv"
        write_register(register, args.devices)
        store = FleetStore(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        store.snapshots()  # create the schema outside the timing
        start, cpu_start = time.perf_counter(), time.process_time()
        result = store.ingest(register, catalog=catalog)
        ingested = time.perf_counter()
        devices = store.fleet_groups()
        loaded = time.perf_counter()
        report = compute_ratios(devices, catalog, policy=policy)
        done, cpu = time.perf_counter(), time.process_time() - cpu_start
        store.close()
    assert result.outcome is IngestOutcome.STORED and report.device_count == args.devices
    total = done - start
    print(f"devices: {args.devices:,} (register rows, one device each), catalog chips: {len(catalog.chips)}")
    print(f"read + match + store (one transaction): {ingested - start:.2f} s")
    print(f"load current fleet from the store (grouped in SQL, {len(devices):,} groups): {loaded - ingested:.2f} s")
    print(f"all ratios (6 metrics × overall/site/sector/BU, {len(report.targets)} targets): {done - loaded:.2f} s")
    print(f"total: {total:.2f} s wall, {cpu:.2f} s CPU (target < {TARGET_S:.0f} s for 100,000 devices)")
    print(
        f"overall domestic share by count {report.overall[Metric.COUNT].ratio:.3f}, "
        f"by compute {report.overall[Metric.COMPUTE].ratio:.3f}, unmatched {report.unmatched_count:,}"
    )
    return 0 if total < TARGET_S * args.devices / 100_000 else 1


if __name__ == "__main__":
    sys.exit(main())
