"""A reader that goes away (`chipshift ... | head`) is not a bug: no "internal error", no exit 70."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "scan" / "fixtures"


def test_a_closed_pipe_ends_the_command_quietly() -> None:
    """The scan's JSON (about 200 KB) is more than a pipe holds, so the write meets the closed pipe whenever it runs."""
    args = ["scan", str(FIXTURES), "--format", "json", "--no-cache", "-q"]
    process = subprocess.Popen(
        [sys.executable, "-m", "chipshift", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before the command writes anything
    stderr = process.stderr.read().decode()
    assert process.wait() == 1
    assert "internal error" not in stderr and "Traceback" not in stderr
