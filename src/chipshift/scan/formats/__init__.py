"""Scan report formats: one module per format behind :class:`ScanFormat`, chosen by :class:`ReportFormat`."""

from __future__ import annotations

import enum

from chipshift.errors import NotSupportedYetError
from chipshift.scan.formats.interface import ScanFormat


class ReportFormat(enum.StrEnum):
    """Formats ``chipshift scan --format`` offers."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    HTML = "html"

    def formatter(self) -> ScanFormat:
        """The writer of this format."""
        if self is ReportFormat.TABLE:
            from chipshift.scan.formats.table import TableFormat

            return TableFormat()
        if self is ReportFormat.JSON:
            from chipshift.scan.formats.json import JsonFormat

            return JsonFormat()
        if self is ReportFormat.SARIF:
            from chipshift.scan.formats.sarif import SarifFormat

            return SarifFormat()
        if self is ReportFormat.MARKDOWN:
            from chipshift.scan.formats.markdown import MarkdownFormat

            return MarkdownFormat()
        if self is ReportFormat.HTML:
            from chipshift.scan.formats.html import HtmlFormat

            return HtmlFormat()
        raise NotSupportedYetError(f"scan report format '{self.value}'")  # pragma: no cover


__all__ = ["ReportFormat", "ScanFormat"]
