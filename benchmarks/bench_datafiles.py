"""chipshift.datafiles on hostile and large files: how fast a bomb is refused, how fast a big register is read.

Run: ``PYTHONPATH=src python benchmarks/bench_datafiles.py [--devices 100000]``. Prints the figures; the results of a
run are kept by hand in ``benchmarks/results/datafiles.md``. Compared with what chipshift did before (PyYAML's
pure-Python ``compose`` plus ``safe_load``: two parses, no limits), which is timed on the big register only: on the
alias bomb it does not finish in useful time (issue 17: 239 s and 11 GB for six levels in a scanned file).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import yaml

from chipshift.datafiles import load_json, load_yaml
from chipshift.errors import InputFileError


def alias_bomb(levels: int = 6, width: int = 9) -> str:
    """Under 1 KB that expands to ``width ** levels`` nodes."""
    lines = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def register(devices: int) -> str:
    """A YAML asset register of ``devices`` rows."""
    rows = (
        f"  - {{model: H20, count: {i % 8 + 1}, serial: SN{i:07d}, price: 100000, purchase_date: 2024-01-01}}\n"
        for i in range(devices)
    )
    return "site: shanghai\ndevices:\n" + "".join(rows)


def timed(label: str, run: Callable[[], Any]) -> float:
    """Seconds one call of ``run`` takes, printed with what it returned or raised."""
    start = time.perf_counter()
    try:
        run()
        outcome = "read"
    except InputFileError as error:
        outcome = f"refused: {error.problem}"
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.3f} s ({outcome})")
    return seconds


def main() -> None:
    """Time every case and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100_000, help="rows of the big YAML register")
    args = parser.parse_args()
    print(f"libyaml: {yaml.__with_libyaml__}")
    bomb = alias_bomb()
    timed(f"alias bomb, {len(bomb)} bytes, 9^6 = 531,441 nodes", lambda: load_yaml(bomb, "bomb.yaml"))
    deep = "[" * 20_000 + "]" * 20_000
    timed("YAML nested 20,000 deep", lambda: load_yaml(deep, "deep.yaml"))
    timed("JSON nested 20,000 deep", lambda: load_json(deep, "deep.json"))
    text = register(args.devices)
    print(f"YAML register: {args.devices:,} devices, {len(text) / 2**20:.1f} MiB")
    new = timed("  load_yaml (one libyaml parse, checked)", lambda: load_yaml(text, "register.yaml"))
    old = timed(
        "  before: yaml.compose + yaml.safe_load (pure Python, twice)",
        lambda: (yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)),
    )
    print(f"  {old / new:.1f}x faster")


if __name__ == "__main__":
    main()
