"""What one rule reports and the scales it is judged on: a finding, its severity, and how a target supports it.

Shared by the rules (:mod:`chipshift.scan.rules`), the effort model (:mod:`chipshift.scan.effort`) and the scan
result (:mod:`chipshift.scan.model`), so that none of them needs another's module to describe a finding.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.IntEnum):
    """How much a finding blocks a port; ordered so that ``--fail-on`` can compare."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, name: str) -> Severity:
        """The severity named ``name`` (case-insensitive)."""
        return cls[name.upper()]

    @property
    def label(self) -> str:
        """Lower-case name as written in rules and reports."""
        return self.name.lower()


class Support(enum.StrEnum):
    """How a porting target supports what a rule finds."""

    NATIVE = "native"
    """Runs unchanged on the target."""
    AUTO = "auto"
    """``chipshift migrate`` rewrites it for the target."""
    EQUIVALENT = "equivalent"
    """A named replacement exists; a person ports it."""
    UNSUPPORTED = "unsupported"
    """No replacement known; needs a rewrite or a different approach."""


@dataclass(frozen=True)
class Finding:
    """One place in one file tied to CUDA, found by one rule."""

    rule_id: str
    """Stable rule id, e.g. ``CS101``."""
    path: str
    """File path as scanned (POSIX separators)."""
    line: int
    """1-based line; for notebooks the line inside the cell."""
    column: int
    """1-based column."""
    message: str
    """What was found, in words."""
    category: str
    """Rule category, e.g. ``device-api``."""
    severity: str
    """``info`` ... ``critical``."""
    confidence: str
    """``low``, ``medium`` or ``high``: how sure the rule is that the hit is real."""
    snippet: str
    """The source line, stripped, at most 200 characters."""
    cell: int | None = None
    """0-based notebook cell index, ``None`` outside notebooks."""

    @property
    def location(self) -> str:
        """``path:line`` or ``path:cell N:line`` for notebooks."""
        if self.cell is not None:
            return f"{self.path}:cell {self.cell}:{self.line}"
        return f"{self.path}:{self.line}"
