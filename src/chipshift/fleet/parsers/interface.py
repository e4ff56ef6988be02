"""The interface every inventory parser implements, and the source text they share.

A parser is a small object with a ``name``, a ``sniff`` test that says whether a text looks like its format, and a
``parse`` that returns a :class:`~chipshift.fleet.model.ParsedInventory`. A fatal problem (a file that claims to be
the format but cannot be read at all) raises :class:`~chipshift.errors.InputFileError`; a bad single line becomes a
:class:`~chipshift.fleet.model.LineProblem` instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from chipshift.errors import InputFileError
from chipshift.fleet.model import ParsedInventory


@dataclass(frozen=True)
class SourceText:
    """One inventory input: its raw bytes, its decoded text (None for binary formats) and a name for messages."""

    name: str
    """File name or ``-`` (stdin), used in messages and to read the suffix."""
    data: bytes
    """Raw bytes as read."""
    text: str | None
    """Decoded text; None when the bytes are binary (XLSX)."""

    @property
    def suffix(self) -> str:
        """Lower-case file suffix with the dot (``.csv``), or ``''``."""
        dot = self.name.rfind(".")
        return self.name[dot:].lower() if dot > self.name.rfind("/") and dot >= 0 else ""

    def lines(self) -> list[str]:
        """The text split into lines (no line ends)."""
        return (self.text or "").splitlines()

    def head_lines(self, count: int = 40) -> list[str]:
        """The first lines only, for cheap format sniffing of large files."""
        return (self.text or "")[:65536].splitlines()[:count]

    def fail(self, problem: str, *, line: int | None = None, field: str | None = None) -> InputFileError:
        """An error that names this source, for the parser to raise."""
        return InputFileError(self.name, problem, line=line, field=field)


class InventoryParser(Protocol):
    """One inventory format."""

    name: str
    """Format name shown to users and stored with snapshots."""

    def sniff(self, source: SourceText) -> bool:
        """Whether the source looks like this format (cheap, no full parse)."""
        ...

    def parse(self, source: SourceText) -> ParsedInventory:
        """Read the devices; raise ``InputFileError`` only when nothing can be read."""
        ...


NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:nan|inf(?:inity)?)\b", re.IGNORECASE)
"""A decimal number with its sign and exponent, or the words nan and inf: what ``float`` would read."""


def first_number(text: str | None) -> float | None:
    """The first number in a text (``81920 MiB`` → 81920.0), None for ``N/A``, ``[N/A]`` or empty.

    The whole number is read, sign and exponent included: ``1e400 W`` is infinite and ``-5 MiB`` negative, so
    that the record check refuses them instead of reading 1 W or 5 MiB.
    """
    if not text:
        return None
    found = NUMBER.search(text)
    return float(found.group()) if found else None


def hex_id(text: str | None) -> str | None:
    """Normalise a PCI id to four lower-case hex digits (``0x2330`` → ``2330``); None when not an id."""
    if not text:
        return None
    cleaned = text.strip().lower().removeprefix("0x")
    return cleaned[-4:] if re.fullmatch(r"[0-9a-f]{4,8}", cleaned) else None


def masked(name: str | None) -> bool:
    """Whether a model name is absent or masked (``xxx``, ``DCU xxxx``, ``K1xx_AI``, ``N/A``)."""
    if name is None:
        return True
    stripped = name.strip().lower()
    return not stripped or stripped in {"n/a", "[n/a]", "-", "unknown"} or "xx" in stripped
