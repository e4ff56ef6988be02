"""Run the local vendor tools (read-only queries) and return their output for ingesting.

Only query commands are run (``nvidia-smi -q -x``, ``npu-smi info``, ...), each with a timeout; nothing is changed
on the machine. ``lspci -nn`` is used only when no vendor tool is found, so a device is not counted twice.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from dataclasses import dataclass

from chipshift.errors import ChipshiftError

TIMEOUT_S = 30


@dataclass(frozen=True)
class LocalTool:
    """A vendor tool and the read-only commands whose joined output chipshift parses."""

    name: str
    """Executable name."""
    commands: tuple[tuple[str, ...], ...]
    """Argument lists after the executable."""


VENDOR_TOOLS: tuple[LocalTool, ...] = (
    LocalTool("nvidia-smi", (("-q", "-x"),)),
    LocalTool("npu-smi", (("info",), ("info", "-m"))),
    LocalTool("hy-smi", (("--showproductname", "--showmeminfo", "vram", "--showid", "--json"),)),
    LocalTool("rocm-smi", (("--showproductname", "--showmeminfo", "vram", "--showid", "--json"),)),
    LocalTool("cnmon", ((),)),
    LocalTool("xpu_smi", ((),)),
)
FALLBACK = LocalTool("lspci", (("-nn",),))
ALTERNATIVE_OF = {"rocm-smi": "hy-smi"}
"""A tool skipped when its alternative is present (both report the same Hygon cards)."""


@dataclass(frozen=True)
class LocalOutput:
    """What one tool printed."""

    tool: str
    """Executable name."""
    data: bytes
    """Joined standard output of its commands."""
    host: str
    """This machine's host name."""

    @property
    def name(self) -> str:
        """Source name for messages and snapshots (``local:nvidia-smi@host``)."""
        return f"local:{self.tool}@{self.host}"


def _run(path: str, tool: LocalTool) -> bytes:
    chunks: list[bytes] = []
    for arguments in tool.commands:
        try:
            done = subprocess.run([path, *arguments], capture_output=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise ChipshiftError(f"'{tool.name} {' '.join(arguments)}' did not answer within {TIMEOUT_S} s") from None
        except OSError as error:
            raise ChipshiftError(f"cannot run '{tool.name}': {error.strerror or error}") from None
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
            raise ChipshiftError(f"'{tool.name} {' '.join(arguments)}' failed ({done.returncode}): {' '.join(message)}")
        chunks.append(done.stdout)
    return b"\n".join(chunks)


def collect_local(tools: tuple[LocalTool, ...] = VENDOR_TOOLS) -> list[LocalOutput]:
    """Run every vendor tool found on PATH (or lspci when none is); raise when nothing can be run."""
    host = socket.gethostname()
    found = [(shutil.which(tool.name), tool) for tool in tools]
    present = [(path, tool) for path, tool in found if path]
    found_names = {tool.name for _, tool in present}
    present = [(path, tool) for path, tool in present if ALTERNATIVE_OF.get(tool.name) not in found_names]
    if not present:
        fallback = shutil.which(FALLBACK.name)
        if fallback is None:
            names = ", ".join(t.name for t in tools)
            raise ChipshiftError(
                f"no vendor tool found on PATH (looked for {names} and lspci); "
                "run them on the machines and ingest their output files instead"
            )
        present = [(fallback, FALLBACK)]
    return [LocalOutput(tool.name, _run(path, tool), host) for path, tool in present]
