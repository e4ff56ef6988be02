"""report: the assessment as one self-contained HTML file (inline SVG charts), JSON or Markdown, in English or Chinese.

Writers take one typed :class:`ReportData` (filled by :func:`chipshift.assess.report_data`) and return text.
"""

from chipshift.report.formats.interface import ReportFormat, render, writer_for
from chipshift.report.i18n import Language, messages
from chipshift.report.model import ReportData

__all__ = ["Language", "ReportData", "ReportFormat", "messages", "render", "writer_for"]
