"""report: the assessment as one self-contained HTML file (inline SVG charts), JSON or Markdown, in English or Chinese.

Writers take plain data (see :func:`chipshift.decide.report_data.assessment_data`) and return text.
"""

from chipshift.report.formats.interface import ReportFormat, render, writer_for
from chipshift.report.i18n import Language, messages

__all__ = ["Language", "ReportFormat", "messages", "render", "writer_for"]
