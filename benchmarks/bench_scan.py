"""Benchmark of ``chipshift scan`` on the complete source of the ``transformers`` package.

Gets the wheel once with ``pip download transformers --no-deps`` into benchmarks/.cache (the only network use, at
benchmark time, never in the tool), unzips it, then measures on this machine:

- a single-process ``ast.parse`` of every .py file (the baseline a parse-everything scanner cannot beat),
- a cold scan (empty cache) and a warm scan (same cache, nothing changed), with ``jobs`` worker processes,

and prints files, lines, findings, times, lines per second and the ratio to the baseline.

    python benchmarks/bench_scan.py [--jobs 2] [--wheel PATH]

With ``--hostile`` it measures instead one generated hostile file per case (issue 17: near-matching lines, very long
lines, deep nesting, a huge literal), each scanned alone in a fresh process with one job and no cache, and prints
the time, the peak memory of that process or of the child it analysed the file in, the findings and the skip
reason; ``--write`` puts that table into
``benchmarks/results/scan.md``. Nothing is downloaded.

    python benchmarks/bench_scan.py --hostile [--size-kib 4000] [--case NAME ...] [--write]
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from chipshift.scan import scan_paths

CACHE = Path(__file__).resolve().parent / ".cache"
RESULTS = Path(__file__).resolve().parent / "results" / "scan.md"


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


def _repeat(head: str, unit: str, size: int, tail: str = "") -> str:
    return head + unit * max(1, (size - len(head) - len(tail)) // len(unit)) + tail


def _notebook(source: str) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}]})  # fmt: skip


_NEAR_MATCHES = (
    "xcompile",
    "xcuda",
    "xsynchronize",
    "cudax()",
    "y.cudax",
    "xnccl",
    "import xtorch",
    "from xtorch import xcuda",
)
HOSTILE_CASES: dict[str, tuple[str, Callable[[int], str]]] = {
    # issue 17: `xcompile` x 419,000, one per line (4 MB), after an import of torch; the size option is ignored
    "near-match-python": ("near.py", lambda size: "import torch\n" + "xcompile\n" * 419_000),
    "near-match-mixed": ("mixed.py", lambda size: _repeat("import torch\n", "\n".join(_NEAR_MATCHES) + "\n", size)),
    "near-match-notebook": (
        "near.ipynb",
        lambda size: _notebook(_repeat("import torch\n", "\n".join(_NEAR_MATCHES) + "\n", size * 9 // 10)),
    ),
    "ci-long-line": (".github/workflows/ci.yml", lambda size: _repeat("# gpu\n", "runs-on:", size, "\n")),
    "ci-long-image": (".github/workflows/ci.yml", lambda size: _repeat("# cuda\n", "image:pytorch/pytorch:", size)),
    "cmake-long-line": ("CMakeLists.txt", lambda size: _repeat("# cuda\n", "project(LANGUAGES ", size, "\n")),
    "docker-long-token": ("Dockerfile", lambda size: _repeat("FROM ", "cuda", size, "\n")),
    "docker-conda": ("Dockerfile", lambda size: _repeat("RUN ", "conda install ", size, "\n")),
    "requirements-long-line": ("requirements.txt", lambda size: _repeat("jax\n", "jaxlib jax[cuda -f=", size)),
    "cpp-nested-templates": ("kernel.cu", lambda size: _repeat("__global__ void k() { f", "<a", size, ";}\n")),
    "python-deep-attributes": ("deep.py", lambda size: "import torch\nx = torch" + ".cuda" * 900 + "\n"),
    "python-huge-list": (
        "huge.py",
        lambda size: _repeat("import torch\ntorch.cuda.synchronize()\nx = [", "1,", size, "]\n"),
    ),
    "notebook-deep-json": (
        "deep.ipynb",
        lambda size: (
            '{"source": "import torch\\ntorch.cuda.synchronize()", "cells": ' + "[" * 20_000 + "]" * 20_000 + "}"
        ),
    ),
}
"""Name -> (file name, text of a file of about ``size`` bytes)."""


def run_hostile_case(name: str, size: int) -> dict[str, object]:
    """Scan one generated hostile file in this process: seconds, peak memory, findings and skip reason."""
    file_name, make = HOSTILE_CASES[name]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make(size), encoding="utf-8")
        started = time.perf_counter()
        result = scan_paths([path], jobs=1, use_cache=False)
        seconds = time.perf_counter() - started
        return {
            "case": name,
            "bytes": path.stat().st_size,
            "seconds": round(seconds, 2),
            "peak_mib": max(
                resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
            )
            // 1024,
            "findings": len(result.findings),
            "skipped": result.skipped[0].reason if result.skipped else "",
        }


def hostile(names: list[str], size: int, timeout_s: int) -> list[str]:
    """Each case in a fresh process (its own peak memory), as Markdown table rows."""
    rows = ["| case | bytes | seconds | peak MiB | findings | skipped |", "| --- | ---: | ---: | ---: | ---: | --- |"]
    for name in names:
        command = [sys.executable, __file__, "--one-case", name, "--size-kib", str(size // 1024)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=True)
            row = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(f"| {name} | {row['bytes']:,} | {row['seconds']} | {row['peak_mib']} | {row['findings']} | "
                        f"{row['skipped'] or '—'} |")  # fmt: skip
        except subprocess.TimeoutExpired:
            rows.append(f"| {name} | | over {timeout_s} s (stopped) | | | |")
        except subprocess.CalledProcessError as error:
            last = (error.stderr.strip().splitlines() or [""])[-1][:120]
            rows.append(f"| {name} | | failed: exit {error.returncode} {last} | | | |")
        print(rows[-1], flush=True)
    return rows


def write_results(rows: list[str], size: int) -> None:
    """Replace the hostile-input table in ``benchmarks/results/scan.md``."""
    begin, end = "<!-- hostile:begin -->", "<!-- hostile:end -->"
    text = RESULTS.read_text(encoding="utf-8")
    block = "\n".join([begin, f"`python benchmarks/bench_scan.py --hostile --size-kib {size // 1024} --write`", "",
                       *rows, end])  # fmt: skip
    if begin in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the scan (default 2)")
    parser.add_argument("--wheel", type=Path, default=None, help="a transformers wheel to use instead of downloading")
    parser.add_argument("--hostile", action="store_true", help="measure the generated hostile files instead")
    parser.add_argument("--case", action="append", choices=sorted(HOSTILE_CASES), help="hostile case (repeatable)")
    parser.add_argument("--size-kib", type=int, default=4000, help="size of each hostile file (default 4000 KiB)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds before a hostile case is stopped")
    parser.add_argument("--write", action="store_true", help="write the hostile table into benchmarks/results")
    parser.add_argument("--one-case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = args.size_kib * 1024
    if args.one_case:
        print(json.dumps(run_hostile_case(args.one_case, size)))
        return
    if args.hostile:
        print(f"hostile files of about {size:,} bytes, one process each ({os.cpu_count()} CPUs visible)")
        rows = hostile(args.case or list(HOSTILE_CASES), size, args.timeout)
        if args.write:
            write_results(rows, size)
        return
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
