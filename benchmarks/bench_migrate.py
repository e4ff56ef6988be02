"""Benchmark of ``chipshift migrate`` on a real package: kornia 0.9.0 (507 files), a dry run, as the CLI runs it.

Run: ``python benchmarks/bench_migrate.py`` (writes nothing; paste the output into ``benchmarks/results/migrate.md``).
kornia is a test dependency (``pip install -e '.[test]'``). The figures: files, files changed, rewrites, items left
for a person, and the time with one worker and with every core.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import time
from pathlib import Path

from chipshift.migrate import load_target, migrate_paths


def package_dir(name: str) -> Path:
    """Folder of an installed package."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise SystemExit(f"{name} is not installed: pip install -e '.[test]'")
    return Path(spec.origin).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="kornia")
    parser.add_argument("--target", default="portable")
    args = parser.parse_args()
    root = package_dir(args.package)
    target = load_target(args.target)
    print(f"{args.package} at {root}; target {args.target}; {platform.python_version()}, {os.cpu_count()} cores")
    timings = {}
    for jobs in (1, os.cpu_count() or 1):
        start = time.perf_counter()
        result = migrate_paths([root], target, jobs=jobs)
        timings[jobs] = time.perf_counter() - start
        changed = [item for item in result.migrated if item.result.changed]
        rewrites = sum(len(item.result.changes) for item in result.migrated)
        manual = len(result.manual)
        print(
            f"jobs {jobs}: {len(result.files)} files, {len(changed)} changed, {rewrites} rewrites, {manual} left, "
            f"{len(result.failed)} failed: {timings[jobs]:.1f} s ({timings[jobs] / len(result.files) * 1000:.0f} ms "
            "per file)"
        )
    if len(timings) > 1:
        one, many = timings[1], timings[max(timings)]
        print(f"speed-up with {max(timings)} workers: {one / many:.2f}x")


if __name__ == "__main__":
    main()
