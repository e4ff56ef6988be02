"""Scan report formats: one module per format behind :class:`ScanWriter`, chosen by :class:`ScanFormat`."""

from __future__ import annotations

import enum

from chipshift.errors import NotSupportedYetError
from chipshift.scan.formats.interface import ScanWriter


class ScanFormat(enum.StrEnum):
    """Formats ``chipshift scan --format`` offers."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    HTML = "html"

    def formatter(self) -> ScanWriter:
        """The writer of this format."""
        if self is ScanFormat.TABLE:
            from chipshift.scan.formats.table import TableFormat

            return TableFormat()
        if self is ScanFormat.JSON:
            from chipshift.scan.formats.json import JsonFormat

            return JsonFormat()
        if self is ScanFormat.SARIF:
            from chipshift.scan.formats.sarif import SarifFormat

            return SarifFormat()
        if self is ScanFormat.MARKDOWN:
            from chipshift.scan.formats.markdown import MarkdownFormat

            return MarkdownFormat()
        if self is ScanFormat.HTML:
            from chipshift.scan.formats.html import HtmlFormat

            return HtmlFormat()
        raise NotSupportedYetError(f"scan report format '{self.value}'")  # pragma: no cover


__all__ = ["ScanFormat", "ScanWriter"]
