"""The report-format interface: :class:`ReportData` in, text out. Writers never reach into engines."""

from __future__ import annotations

import enum
from typing import Protocol

from chipshift.report.i18n import Language
from chipshift.report.model import ReportData


class Writer(Protocol):
    """Turns the assessment data into one document."""

    def __call__(self, data: ReportData, lang: Language) -> str:
        """The document's text."""
        ...


class ReportFormat(enum.StrEnum):
    """Formats a user can choose with ``--format``."""

    HTML = "html"
    JSON = "json"
    MARKDOWN = "markdown"

    @property
    def suffix(self) -> str:
        """File suffix."""
        return {"html": ".html", "json": ".json", "markdown": ".md"}[self.value]


def writer_for(fmt: ReportFormat | str) -> Writer:
    """The writer of a format."""
    fmt = ReportFormat(fmt)
    if fmt is ReportFormat.HTML:
        from chipshift.report.formats.html import write_html

        return write_html
    if fmt is ReportFormat.JSON:
        from chipshift.report.formats.json import write_json

        return write_json
    from chipshift.report.formats.markdown import write_markdown

    return write_markdown


def render(data: ReportData, fmt: ReportFormat | str, lang: Language | str = Language.EN) -> str:
    """The report in one format and language."""
    return writer_for(fmt)(data, Language(lang))
