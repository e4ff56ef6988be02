"""The effort model's calibration: public porting pull requests, their sizes and scan features, the fit and its
leave-one-out check (``scan/data/effort_calibration.yaml``, ``scripts/fit_effort.py``).

A case's size is the changed lines of the port (added + deleted) without tests, docs and examples, and its features
are the scan of the tree just before the port with the same paths left out (:func:`in_scope`). The ports were
written by hand, so a case is predicted with :data:`chipshift.scan.effort.HAND_FACTOR` (auto counts as equivalent).
"""

from __future__ import annotations

import math
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chipshift.scan.effort import (
    HAND_FACTOR,
    FamilyUse,
    Features,
    KernelFile,
    Parameters,
    predicted_lines,
    translated,
)
from chipshift.scan.finding import Support

CALIBRATION_FILE = Path(__file__).parent / "data" / "effort_calibration.yaml"
OUT_OF_SCOPE = re.compile(
    r"(^|/)(tests?|docs?|examples?|benchmarks?)/|(^|/)test_[^/]*$|_test\.py$|\.(md|rst|txt)$|(^|/)\.gitignore$"
    r"|(^|/)README|(^|/)(\.github|\.circleci|docker)/|(^|/)Dockerfile"
)
"""Paths outside a port's size and features: tests, docs, examples, benchmarks, prose, CI and containers (none of
the calibration's pull requests changed them)."""
INTEGRATION_CATEGORIES = frozenset({"cuda-library", "dependency", "container", "ci"})
"""Rule categories left out of a case's features: optional integrations of third-party CUDA libraries (FastChat's
flash-attn and vLLM paths, accelerate's Megatron and Transformer Engine, timm's apex) stayed CUDA-only in every
calibration port, so the ports say nothing of their cost."""


@dataclass(frozen=True)
class Case:
    """One public porting effort."""

    project: str
    target: str
    url: str
    lines: int
    """Changed lines of the port, in scope."""
    features: Features


def in_scope(path: str, root: str, category: str = "") -> bool:
    """Whether a finding at ``path`` under ``root`` (of a rule ``category``) counts for a port's features."""
    if category in INTEGRATION_CATEGORIES:
        return False
    relative = posixpath.relpath(path, root) if root not in ("", ".") else path
    return not OUT_OF_SCOPE.search(relative)


def load_cases(path: Path = CALIBRATION_FILE) -> list[Case]:
    """The calibration cases as shipped, without those recorded as left out (``left_out``: the reason)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [_case(item) for item in data["cases"] if not item.get("left_out")]


def _case(item: dict[str, Any]) -> Case:
    families = {name: FamilyUse(int(sites), Support(support)) for name, (support, sites) in item["families"].items()}
    cuda = translated(item["target"], "CS401")  # the pre-port trees are CUDA
    kernels = [KernelFile(p, int(n), Support(s), tuple(f), cuda) for p, n, s, f in item.get("kernels") or []]
    return Case(item["project"], item["target"], item["url"], int(item["size"]["lines"]), Features(families, kernels))


def predict(case: Case, params: Parameters) -> float:
    """The model's size of a hand port of ``case``."""
    return predicted_lines(case.features, params, HAND_FACTOR)


def _from_logs(logs: Any) -> Parameters:
    return Parameters(*(float(math.exp(v)) for v in logs))


def fit_parameters(cases: list[Case]) -> Parameters:
    """Parameters minimising the squared log ratio of predicted to actual size over ``cases``."""
    from scipy.optimize import least_squares

    def residuals(logs: Any) -> list[float]:
        params = _from_logs(logs)
        return [math.log(predict(c, params) / c.lines) for c in cases]

    fitted = least_squares(residuals, [math.log(10.0), math.log(2.0), math.log(20.0)], bounds=(-5.0, 8.0))
    return _from_logs(fitted.x)


def leave_one_out(cases: list[Case]) -> list[float]:
    """Each case's size predicted by a fit on all the others."""
    return [predict(case, fit_parameters(cases[:i] + cases[i + 1 :])) for i, case in enumerate(cases)]


def write_parameters(params: Parameters, path: Path = CALIBRATION_FILE) -> None:
    """Store ``params`` in the calibration file, its comments and cases kept."""
    block = (
        f"parameters:\n  family_lines: {params.family_lines:.3f}\n  site_lines: {params.site_lines:.3f}\n"
        f"  kernel_lines: {params.kernel_lines:.3f}\n"
    )
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^parameters:\n(?:  .*\n)+", block, text, count=1, flags=re.MULTILINE)
    path.write_text(text, encoding="utf-8")


def raw_cases(path: Path = CALIBRATION_FILE) -> list[dict[str, Any]]:
    """Every case as stored (left-out ones too), for :func:`write_cases`."""
    cases: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    return cases


def write_cases(cases: list[dict[str, Any]], path: Path = CALIBRATION_FILE) -> None:
    """Store ``cases`` (as :func:`raw_cases` gives them) in the calibration file, its comments and parameters kept."""
    text = path.read_text(encoding="utf-8")
    head = text[: text.index("\ncases:\n") + 1]
    path.write_text(head + "cases:\n" + "".join(_case_text(item) for item in cases), encoding="utf-8")


def _case_text(item: dict[str, Any]) -> str:
    lines = []
    for key, value in item.items():
        if key == "families":
            lines.append("    families:" + ("" if value else " {}"))
            lines += [f"      {name}: [{support}, {sites}]" for name, (support, sites) in value.items()]
        elif key == "kernels":
            lines.append("    kernels:" + ("" if value else " []"))
            lines += [f"      - {_flow(row)}" for row in value]
        else:
            lines.append(f"    {key}: {_flow(value)}")
    lines[0] = "  - " + lines[0].lstrip()
    return "\n".join(lines) + "\n"


def _flow(value: Any) -> str:
    return (
        yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True).strip().removesuffix("\n...")
    )
