"""Choices of the command line that name an engine's vocabulary, as copies light enough to build the app with.

Typer reads every command's option types when the app is built, for ``chipshift --help`` as for any command. The
engines' own enums sit in packages that import pydantic models, SQLAlchemy, scipy or LibCST, so the options use these
copies, and a command turns a copy into the engine's enum (``engine_enum(Copy.X)``) when it runs.
``tests/cli/test_choices.py`` keeps every copy equal to its original; nothing else may be added here.
"""

from __future__ import annotations

import enum
from typing import TypeVar

Original = TypeVar("Original", bound=enum.Enum)


class ChipKind(enum.StrEnum):
    """Copy of :class:`chipshift.catalog.ChipKind` (``chips list --kind``)."""

    DATACENTER_TRAINING = "datacenter-training"
    DATACENTER_INFERENCE = "datacenter-inference"
    AUTOMOTIVE = "automotive"
    CONSUMER = "consumer"
    WORKSTATION = "workstation"


class DomesticBasis(enum.StrEnum):
    """Copy of :class:`chipshift.catalog.DomesticBasis` (``fleet status|history --rule``)."""

    DESIGNER = "designer"
    FAB = "fab"
    DESIGNER_AND_FAB = "designer-and-fab"
    DESIGNER_OR_FAB = "designer-or-fab"


class Breakdown(enum.StrEnum):
    """Copy of :class:`chipshift.fleet.views.Breakdown` (``fleet status --by``)."""

    OVERALL = "overall"
    SITE = "site"
    SECTOR = "sector"
    BUSINESS_UNIT = "business_unit"


class ExecutorKind(enum.StrEnum):
    """Copy of :class:`chipshift.plan.ExecutorKind` (``plan|assess --executor``)."""

    LOCAL = "local"
    RAY = "ray"


class ScanFormat(enum.StrEnum):
    """Copy of :class:`chipshift.scan.formats.ScanFormat` (``scan --format``)."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    HTML = "html"


class ReportFormat(enum.StrEnum):
    """Copy of :class:`chipshift.report.ReportFormat` (``assess --format``)."""

    HTML = "html"
    JSON = "json"
    MARKDOWN = "markdown"


class Language(enum.StrEnum):
    """Copy of :class:`chipshift.report.Language` (``assess --lang``)."""

    EN = "en"
    ZH = "zh"


SEVERITY_LABELS = ("info", "low", "medium", "high", "critical")
"""Copy of the labels of :class:`chipshift.scan.Severity`, lowest first (``scan --fail-on``)."""


def engine_enum(original: type[Original], copy: enum.Enum) -> Original:
    """The member of the engine's enum ``original`` that ``copy`` stands for."""
    return original(copy.value)
