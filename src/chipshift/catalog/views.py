"""Plain-data views of catalog records for listing, showing and comparing chips.

These functions take catalog records and return rows of plain values; the CLI decides how to print them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chipshift.catalog.classify import Classification, classify_chip
from chipshift.catalog.loader import Catalog
from chipshift.catalog.schema import Chip, ChipKind, Figure, Precision, ThroughputBasis

LIST_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "vendor",
    "country",
    "kind",
    "bf16_tflops",
    "fp8_tflops",
    "int8_tops",
    "memory_gb",
    "memory_bw_gb_s",
    "tdp_w",
    "export_class",
)

COMPARE_FIELDS: tuple[tuple[str, str], ...] = (
    ("dense_tflops.fp64", "FP64 TFLOPS, dense"),
    ("dense_tflops.fp32", "FP32 TFLOPS, dense"),
    ("dense_tflops.tf32", "TF32 TFLOPS, dense"),
    ("dense_tflops.bf16", "BF16 TFLOPS, dense"),
    ("dense_tflops.fp16", "FP16 TFLOPS, dense"),
    ("dense_tflops.fp8", "FP8 TFLOPS, dense"),
    ("dense_tflops.int8", "INT8 TOPS, dense"),
    ("dense_tflops.fp4", "FP4 TFLOPS, dense"),
    ("dense_tflops.int4", "INT4 TOPS, dense"),
    ("marketed_tops.fp8", "FP8 TFLOPS, marketed"),
    ("marketed_tops.int8", "INT8 TOPS, marketed"),
    ("marketed_tops.fp4", "FP4 TFLOPS, marketed"),
    ("memory.capacity_gb", "Memory GB"),
    ("memory.bandwidth_gb_s", "Memory GB/s"),
    ("scale_up.bandwidth_gb_s", "Scale-up GB/s"),
    ("scale_up.domain_size", "Scale-up domain"),
    ("tdp_w", "TDP W"),
    ("die_area_mm2", "Die mm²"),
)


@dataclass(frozen=True)
class ChipFilter:
    """Which chips ``chips list`` shows; None means any."""

    vendor: str | None = None
    country: str | None = None
    kind: ChipKind | None = None

    def accepts(self, chip: Chip) -> bool:
        """Whether the chip passes every filter (vendor matches as a case-insensitive substring)."""
        if self.vendor and self.vendor.lower() not in chip.vendor.lower():
            return False
        if self.country and self.country.upper() != chip.designer_country.upper():
            return False
        return not (self.kind and chip.kind is not self.kind)


def _value(figure: Figure | None) -> float | None:
    return None if figure is None else figure.value


def chip_row(chip: Chip) -> dict[str, Any]:
    """One row of ``chips list``: headline figures and the computed export class."""
    return {
        "id": chip.id,
        "name": chip.name,
        "vendor": chip.vendor,
        "country": chip.designer_country,
        "kind": chip.kind.value,
        "bf16_tflops": chip.tflops(Precision.BF16) or chip.tflops(Precision.FP16),
        "fp8_tflops": chip.tflops(Precision.FP8),
        "int8_tops": chip.tflops(Precision.INT8),
        "memory_gb": _value(chip.memory.capacity_gb),
        "memory_bw_gb_s": _value(chip.memory.bandwidth_gb_s),
        "tdp_w": _value(chip.tdp_w),
        "export_class": classify_chip(chip).export_class.value,
    }


def list_chips(catalog: Catalog, chip_filter: ChipFilter) -> list[dict[str, Any]]:
    """Rows for every chip that passes the filter, sorted by vendor then id."""
    chips = sorted(catalog.chips.values(), key=lambda c: (c.vendor.lower(), c.id))
    return [chip_row(chip) for chip in chips if chip_filter.accepts(chip)]


def figure_lines(chip: Chip, catalog: Catalog) -> list[dict[str, Any]]:
    """Every sourced figure of a chip with its source title, date, confidence and (for throughput) basis."""
    lines = []
    for path, figure in chip.figures().items():
        source = catalog.source(figure.source)
        lines.append(
            {
                "field": path,
                "value": figure.value,
                "basis": figure_basis(path, figure),
                "confidence": figure.confidence.value,
                "as_of": figure.as_of,
                "source": figure.source,
                "source_title": source.title if source else None,
                "note": figure.note,
            }
        )
    return lines


def classification_dict(result: Classification) -> dict[str, Any]:
    """A classification as plain data."""
    return {
        "chip": result.chip_id,
        "export_class": result.export_class.value,
        "tpp": result.tpp,
        "tpp_precision": result.tpp_precision.value if result.tpp_precision else None,
        "tpp_confidence": result.tpp_confidence.value if result.tpp_confidence else None,
        "tpp_source": result.tpp_source,
        "tpp_upper_bound": result.tpp_upper_bound,
        "performance_density": result.performance_density,
        "datacenter": result.datacenter,
        "working": result.working,
        "unknowns": result.unknowns,
    }


def figure_basis(path: str, figure: Figure | None) -> str | None:
    """The basis a compared figure is on: ``dense`` for dense throughput, the marketed figure's own basis, or None
    for figures that are not throughput (memory, power)."""
    if figure is None:
        return None
    if path.startswith("dense_tflops."):
        return ThroughputBasis.DENSE.value
    return figure.basis.value if figure.basis else None


def _comparable(base: str | None, other: str | None) -> bool:
    return base == other and base != ThroughputBasis.UNSTATED.value


def _figure_row(path: str, label: str, chips: list[Chip]) -> dict[str, Any] | None:
    values = [chip.figures().get(path) for chip in chips]
    if all(v is None for v in values):
        return None
    base_basis = figure_basis(path, values[0])
    base = _value(values[0])
    cells = []
    for figure in values:
        value, basis = _value(figure), figure_basis(path, figure)
        alike = value is not None and bool(base) and _comparable(base_basis, basis)
        cells.append(
            {
                "value": value,
                "ratio": value / base if alike and value is not None and base else None,
                "confidence": figure.confidence.value if figure else None,
                "basis": basis,
            }
        )
    return {"field": path, "label": label, "cells": cells}


def _tpp_row(results: list[Classification]) -> dict[str, Any]:
    cells = []
    for result in results:
        ratio = result.tpp / results[0].tpp if result.tpp and results[0].tpp else None
        bound = result.tpp_upper_bound if result.tpp is None else None
        cells.append(
            {
                "value": result.tpp,
                "ratio": ratio,
                "confidence": result.tpp_confidence.value if result.tpp_confidence else None,
                "basis": "dense" if result.tpp is not None else ("upper bound" if bound else None),
                "upper_bound": bound,
            }
        )
    return {"field": "tpp", "label": "TPP (computed)", "cells": cells}


def comparison(chips: list[Chip]) -> list[dict[str, Any]]:
    """Side-by-side figures with the ratio of each chip to the first, and the basis of every throughput figure.

    A ratio is given only between figures on the same basis (dense with dense, sparse with sparse): a marketed figure
    of unstated basis is never set against another figure.
    """
    rows = [row for path, label in COMPARE_FIELDS if (row := _figure_row(path, label, chips)) is not None]
    results = [classify_chip(chip) for chip in chips]
    rows.append(_tpp_row(results))
    rows.append(
        {
            "field": "export_class",
            "label": "Export class",
            "cells": [
                {"value": r.export_class.value, "ratio": None, "confidence": None, "basis": None} for r in results
            ],
        }
    )
    return rows
