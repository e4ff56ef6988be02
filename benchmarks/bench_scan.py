"""Benchmark of ``chipshift scan`` on the complete source of the ``transformers`` package.

Gets the wheel once with ``pip download transformers --no-deps`` into benchmarks/.cache (the only network use, at
benchmark time, never in the tool), unzips it, then measures on this machine:

- a single-process ``ast.parse`` of every .py file (the baseline a parse-everything scanner cannot beat),
- a cold scan (empty cache) and a warm scan (same cache, nothing changed), with ``jobs`` worker processes,

and prints files, lines, findings, times, lines per second and the ratio to the baseline.

    python benchmarks/bench_scan.py [--jobs 2] [--wheel PATH]
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from chipshift.scan import scan_paths

CACHE = Path(__file__).resolve().parent / ".cache"


def fetch_transformers(wheel: Path | None) -> Path:
    """The unzipped ``transformers`` package folder, downloading the wheel if needed."""
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n")
    if wheel is None:
        wheels = sorted(CACHE.glob("transformers-*.whl"))
        if not wheels:
            command = [sys.executable, "-m", "pip", "download", "transformers", "--no-deps", "-d", str(CACHE)]
            subprocess.run(command, check=True)
            wheels = sorted(CACHE.glob("transformers-*.whl"))
        wheel = wheels[-1]
    target = CACHE / wheel.name.removesuffix(".whl")
    if not (target / "transformers").is_dir():
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(target)
    return target / "transformers"


def baseline_parse(root: Path) -> tuple[int, int, float]:
    """(files, lines, seconds) of parsing every .py file under ``root`` with ast in this process."""
    files = lines = 0
    started = time.perf_counter()
    for path in root.rglob("*.py"):
        data = path.read_bytes()
        files += 1
        lines += data.count(b"\n")
        with contextlib.suppress(SyntaxError):
            ast.parse(data)
    return files, lines, time.perf_counter() - started


def main() -> None:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the scan (default 2)")
    parser.add_argument("--wheel", type=Path, default=None, help="a transformers wheel to use instead of downloading")
    args = parser.parse_args()
    root = fetch_transformers(args.wheel)
    print(f"tree: {root} ({os.cpu_count()} CPUs visible, scan jobs={args.jobs})")
    files, lines, parse_s = baseline_parse(root)
    print(f"baseline: single-process ast.parse of {files:,} .py files, {lines:,} lines: {parse_s:.2f} s")
    with tempfile.TemporaryDirectory() as cache_dir:
        started = time.perf_counter()
        cold = scan_paths([root], jobs=args.jobs, cache_dir=Path(cache_dir))
        cold_s = time.perf_counter() - started
        started = time.perf_counter()
        warm = scan_paths([root], jobs=args.jobs, cache_dir=Path(cache_dir))
        warm_s = time.perf_counter() - started
    assert [f.location for f in cold.findings] == [f.location for f in warm.findings], "warm scan differs from cold"
    scanned = cold.lines_scanned
    print(f"scan: {cold.files_scanned:,} files, {scanned:,} lines, {len(cold.findings):,} findings, "
          f"{len(cold.skipped)} skipped")  # fmt: skip
    print(
        f"cold: {cold_s:.2f} s = {scanned / cold_s:,.0f} lines/s = {parse_s / cold_s:.1f}x faster than ast.parse alone"
    )
    print(f"warm: {warm_s:.2f} s = {scanned / warm_s:,.0f} lines/s = {parse_s / warm_s:.1f}x faster than ast.parse "
          f"alone ({warm.cache_hits:,} cache hits)")  # fmt: skip
    for target in ("ascend", "portable"):
        score, days = cold.lock_in_score(target), cold.effort_person_days(target)
        print(f"{target}: lock-in {score:.0f}/100, effort {days:.1f} person-days")


if __name__ == "__main__":
    main()
