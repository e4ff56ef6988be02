"""Terminal report with rich tables: per repository, per target score and effort, categories, blockers, findings.

Text from the scanned files (paths, messages) is shown as plain text: never read as rich markup, and with control
characters (terminal escapes) and bidirectional overrides written out as ``\\x1b``-style escapes.
"""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from chipshift.scan.formats.escape import visible_controls
from chipshift.scan.formats.interface import ScanWriter
from chipshift.scan.model import ScanResult
from chipshift.scan.summary import fix_text, model_text, summarise

MAX_FINDINGS_SHOWN = 200


def plain(text: str, style: str = "") -> Text:
    """``text`` as inert terminal text: never read as markup, control characters written as escapes."""
    return Text(visible_controls(text), style=style)


_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


class TableFormat(ScanWriter):
    """Rich tables for a terminal; ``format`` renders them as plain text."""

    def __init__(self, max_findings: int = MAX_FINDINGS_SHOWN) -> None:
        self.max_findings = max_findings

    def renderable(self, result: ScanResult) -> RenderableType:
        """Everything as one rich renderable."""
        parts: list[RenderableType] = []
        for summary in summarise(result):
            targets = Table(
                title=plain(f"{summary.root}: {summary.findings} findings, {summary.skipped} skipped files")
            )
            for column in ("target", "lock-in score", "effort (person-days)", "native", "auto", "equivalent",
                           "unsupported", "top blockers"):  # fmt: skip
                targets.add_column(column, justify="left" if column in ("target", "top blockers") else "right")
            for target, estimate in summary.efforts.items():
                blockers = ", ".join(f"{b.label} ({b.hours / 8:.1f} d)" for b in estimate.blockers[:4]) or "—"
                counts = [
                    str(estimate.by_support.get(level, 0)) for level in ("native", "auto", "equivalent", "unsupported")
                ]
                targets.add_row(
                    plain(target), f"{estimate.lock_in_score:.0f}", f"{estimate.person_days:.1f}", *counts, blockers
                )
            parts.append(targets)
            if summary.by_category:
                parts.append(plain("by category: " + ", ".join(f"{k} {v}" for k, v in summary.by_category.items())))
        parts.append(Text(f"effort model: {model_text()}", style="dim"))
        parts.append(self._findings(result))
        return Group(*parts)

    def _findings(self, result: ScanResult) -> Table:
        shown = result.findings[: self.max_findings]
        title = f"findings ({len(shown)} of {len(result.findings)} shown)"
        table = Table(title=title)
        for column in ("location", "rule", "severity"):  # what a user types or greps: never cut
            table.add_column(column, no_wrap=True)
        for column in ("what", *(f"{t}" for t in result.targets)):  # free text: wraps, folds a long word
            table.add_column(column, overflow="fold")
        for finding in shown:
            table.add_row(
                plain(finding.location),
                plain(finding.rule_id),
                plain(finding.severity, _SEVERITY_STYLE.get(finding.severity, "")),
                plain(finding.message),
                *(plain(fix_text(finding, t)) for t in result.targets),
            )
        return table

    def format(self, result: ScanResult) -> str:
        """Plain text of the tables."""
        buffer = io.StringIO()
        Console(file=buffer, width=200, no_color=True, soft_wrap=False).print(self.renderable(result))
        return buffer.getvalue()
