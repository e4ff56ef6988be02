"""catalog: accelerators, systems, software stacks and regulatory rules, every figure sourced.

Public API: :func:`load_catalog` (shipped data plus user directories), :class:`Catalog` (lookup by id, alias or
Chinese name; :meth:`Catalog.porting_target_of` a chip), :func:`load_policy` (the policy rules of that catalog), the
schema models (:class:`PortingTarget`: what code is ported to), and :func:`classify_chip` (US export-control class
computed from the specs).
"""

from chipshift.catalog.classify import (
    Classification,
    ExportClass,
    classify_chip,
    total_processing_performance,
)
from chipshift.catalog.domestic import DomesticBasis, DomesticRule
from chipshift.catalog.loader import Catalog, load_catalog, load_policy, parse_catalog_file
from chipshift.catalog.schema import (
    PORTABLE_TARGET,
    Chip,
    ChipKind,
    Confidence,
    Figure,
    PortingTarget,
    Precision,
    Replacement,
    SoftwareStack,
    Source,
    System,
)

__all__ = [
    "PORTABLE_TARGET",
    "Catalog",
    "Chip",
    "ChipKind",
    "Classification",
    "Confidence",
    "DomesticBasis",
    "DomesticRule",
    "ExportClass",
    "Figure",
    "PortingTarget",
    "Precision",
    "Replacement",
    "SoftwareStack",
    "Source",
    "System",
    "classify_chip",
    "load_catalog",
    "load_policy",
    "parse_catalog_file",
    "total_processing_performance",
]
