"""CPU cost of starting the ``chipshift`` command: ``--help``, ``chips list`` and ``import chipshift.cli.main``.

Each command runs ``--runs`` times in a fresh Python process; the figure is the median CPU time (user + system, from
``getrusage`` of the child) so that a loaded machine changes it less than wall time would. One more run with
``python -X importtime`` names the heavy packages each command imports and the cumulative import time of
``chipshift.cli.main`` as Python reports it.

    PYTHONPATH=src python benchmarks/bench_startup.py [--runs 5] [--label after] [--write]

With ``--write`` the table goes into ``benchmarks/results/startup.md`` under the heading ``--label`` (a section of
that name is replaced, others are kept, so a before and an after sit side by side). Nothing is timed in the tests:
they only check which heavy packages ``import chipshift.cli.main`` leaves out.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "startup.md"
HEAVY = ("sqlalchemy", "alembic", "scipy", "numpy", "highspy", "libcst", "tree_sitter", "torch", "jinja2", "openpyxl")
"""Packages the start-up of a command should not pay for unless it uses them."""
COMMANDS: dict[str, list[str]] = {
    "python -c pass (the floor)": ["-c", "pass"],
    "import chipshift.cli.main": ["-c", "import chipshift.cli.main"],
    "chipshift --help": ["-m", "chipshift", "--help"],
    "chipshift chips list": ["-m", "chipshift", "chips", "list"],
    "chipshift scan --help": ["-m", "chipshift", "scan", "--help"],
}


def cpu_seconds(args: list[str]) -> float:
    """User + system CPU seconds of one ``python ARGS`` run (output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def imported(args: list[str]) -> tuple[list[str], float | None]:
    """Heavy packages one run imports, and the cumulative import time of ``chipshift.cli.main`` in seconds."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    heavy: set[str] = set()
    main_s = None
    for line in done.stderr.decode(errors="replace").splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*(\S+)", line)
        if not match:
            continue
        top = match.group(2).split(".")[0]
        if top in HEAVY:
            heavy.add(top)
        if match.group(2) == "chipshift.cli.main":
            main_s = int(match.group(1)) / 1e6
    return sorted(heavy), main_s


def measure(runs: int) -> list[str]:
    """Markdown table rows, one per command."""
    rows = ["| command | median CPU s | min | max | heavy packages imported |", "| --- | ---: | ---: | ---: | --- |"]
    for label, args in COMMANDS.items():
        times = [cpu_seconds(args) for _ in range(runs)]
        heavy, main_s = imported(args)
        note = ", ".join(heavy) or "none"
        if main_s is not None:
            note += f" (importtime of chipshift.cli.main: {main_s:.3f} s)"
        row = f"| `{label}` | {statistics.median(times):.2f} | {min(times):.2f} | {max(times):.2f} | {note} |"
        rows.append(row)
        print(row, flush=True)
    return rows


def write_section(label: str, rows: list[str], runs: int) -> None:
    """Replace or add the section ``## label`` in the results file."""
    load = os.getloadavg()[0]
    body = (
        f"## {label}\n\n{runs} runs each; Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {load:.1f} when measured.\n\n" + "\n".join(rows) + "\n"
    )
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# CLI start-up\n\n"
    pattern = re.compile(rf"^## {re.escape(label)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: body + "\n", text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + body
    RESULTS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    """Measure and print; with ``--write`` keep the table in the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command (median reported)")
    parser.add_argument("--label", default="measured", help="section heading in the results file")
    parser.add_argument("--write", action="store_true", help="write the table to benchmarks/results/startup.md")
    options = parser.parse_args()
    rows = measure(options.runs)
    if options.write:
        write_section(options.label, rows, options.runs)
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
