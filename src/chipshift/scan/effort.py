"""The effort model: porting work per kernel and per API family, in changed lines and person-days, with the working.

Host and Python code costs per distinct API family (``scan/data/effort_families.yaml``: torch.cuda memory API,
AMP, NCCL, cuBLAS, CUTLASS, Triton, apex ...); CUDA kernels cost per kernel (a ``__global__`` definition, CS401),
scaled by the hard features used in their folder (a kernel's
warp helpers often sit in a header beside it) (warp intrinsics, tensor cores, inline PTX), never by token counts:

    lines(family) = factor(support) x (FAMILY_LINES + SITE_LINES x sqrt(sites))
    lines(kernel) = factor(support) x K(target) x (1 + FEATURE_WEIGHT x hard features in its folder)
    person-days  = sum of lines / LINES_PER_DAY

``support`` is the family's least supported rule on the target; factor: native 0, auto 0.1 (the rewrite is
reviewed), equivalent 1, unsupported 3 (design work). The three ``*_LINES`` parameters are fitted to public porting
pull requests (``scan/data/effort_calibration.yaml``, ``scripts/fit_effort.py``); the factors, the feature weight
and the productivity are documented assumptions. A package that already ships a backend for the target
(:mod:`chipshift.scan.backends`) costs :data:`CONFIGURATION_DAYS` instead of its findings. The lock-in score
saturates with the hours: ``100 x (1 - exp(-hours / SCORE_SCALE_HOURS))``.
"""

from __future__ import annotations

import functools
import math
import posixpath
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from chipshift.scan.backends import ShippedBackend, covering_backend
from chipshift.scan.finding import Finding, Support
from chipshift.scan.rules import RuleBook, load_rules

SUPPORT_FACTOR: dict[Support, float] = {
    Support.NATIVE: 0.0,
    Support.AUTO: 0.1,
    Support.EQUIVALENT: 1.0,
    Support.UNSUPPORTED: 3.0,
}
"""Share of a hand port's work left after what the target gives for free (an assumption, not fitted)."""
HAND_FACTOR: dict[Support, float] = {**SUPPORT_FACTOR, Support.AUTO: 1.0}
"""The factors of a port written by hand, as the calibration's upstream pull requests were: auto is equivalent."""
FEATURE_WEIGHT = 1.0
"""Each distinct hard feature in a kernel's folder (warp intrinsics, tensor cores, inline PTX) adds a kernel's work."""
TRANSLATING_TARGETS: dict[str, frozenset[str]] = {
    "hygon-dcu": frozenset({"CS401", "CS481"}),  # hipify (DTK) for CUDA; HIP runs as it is
    "musa": frozenset({"CS401"}),  # musify reads CUDA, not HIP
}
"""Targets whose toolchain translates a kernel mechanically, with the kernel rules it translates. Their kernel cost
is the fitted ``kernel_lines`` (the calibration's HIP ports: the kernels were hipified at build time, the work was the
build and a few constructs)."""
REWRITE_KERNEL_LINES = 50.0
"""Changed lines to write one kernel anew, before the support factor, on a target with no translator (Ascend C, BANG
C, a PyTorch reference for portable): an assumption, 2 person-days a kernel (the 16 h the rule data gave CS401). No
public port in the calibration rewrites CUDA kernels in another kernel language, so nothing fits it."""
LINES_PER_DAY = 25.0
"""Changed lines of a port per person-day, including reading, building and testing on the target (assumption)."""
HOURS_PER_DAY = 8.0
CONFIGURATION_DAYS = 2.0
"""Person-days to install, configure and check a backend the package already ships for the target (assumption)."""
SCORE_SCALE_HOURS = 40.0
"""Porting hours at which the lock-in score reaches 63 (1 - 1/e)."""


@dataclass(frozen=True)
class Parameters:
    """The fitted parameters of the model, in changed lines."""

    family_lines: float
    """Fixed lines to port one API family the code uses."""
    site_lines: float
    """Lines per square root of the family's sites."""
    kernel_lines: float
    """Lines to port one kernel without hard features."""


@dataclass(frozen=True)
class FamilyUse:
    """What the code uses of one API family: its sites and how the target supports it."""

    sites: int
    support: Support
    rule_ids: tuple[str, ...] = ()
    replacement: str | None = None


@dataclass(frozen=True)
class KernelFile:
    """The kernels of one file and the hard features used in its folder."""

    path: str
    kernels: int
    support: Support
    features: tuple[str, ...] = ()
    translated: bool = True
    """The target's toolchain translates these kernels (:data:`TRANSLATING_TARGETS`); else they are written anew."""


@dataclass(frozen=True)
class Features:
    """What the model reads of a scan: API families and kernel files (stored per case in the calibration data)."""

    families: dict[str, FamilyUse]
    kernels: list[KernelFile]


@dataclass(frozen=True)
class EffortItem:
    """One row of the working: an API family, the kernels of one file, or a backend the package already ships."""

    kind: str
    """``family``, ``kernels`` or ``backend``."""
    name: str
    """The family's name, the kernels' file, or the package that ships the backend."""
    count: int
    """Sites of the family, kernels in the file, findings set aside for the backend."""
    support: Support
    hours: float
    lines: float
    """Predicted changed lines (0 for a shipped backend: configuration, not code)."""
    rule_ids: tuple[str, ...] = ()
    replacement: str | None = None
    note: str = ""
    """Hard features of a kernel file, or the evidence of a shipped backend."""

    @property
    def label(self) -> str:
        """The row in a few words: ``AMP ×12``, ``3 kernels in a.cu`` (the file's name; :attr:`name` has its path),
        ``ships a backend for ascend (PROJECT)``."""
        if self.kind == "kernels":
            features = f" with {self.note}" if self.note else ""
            return f"{self.count} kernel{'s' if self.count != 1 else ''} in {posixpath.basename(self.name)}{features}"
        if self.kind == "backend":
            return f"{self.note.split(':', 1)[0]} ({self.name})"
        return f"{self.name} ×{self.count}"


@dataclass(frozen=True)
class EffortEstimate:
    """Effort and lock-in on one target, with the working per family, kernel file and shipped backend."""

    target: str
    hours: float
    person_days: float
    lock_in_score: float
    by_support: dict[str, int]
    """Number of findings per support level."""
    items: list[EffortItem] = field(default_factory=list)
    """The working, largest first."""

    @property
    def lines(self) -> float:
        """Predicted changed lines of the port."""
        return round(sum(item.lines for item in self.items), 1)

    @property
    def blockers(self) -> list[EffortItem]:
        """Rows that cost the most, unsupported first."""
        costly = [r for r in self.items if r.hours > 0]
        return sorted(costly, key=lambda r: (r.support is not Support.UNSUPPORTED, -r.hours))


@dataclass(frozen=True)
class FamilyTable:
    """The family of each rule (``scan/data/effort_families.yaml``)."""

    kernel_rules: frozenset[str]
    """The rules of a kernel definition: CUDA's ``__global__`` (CS401) and HIP's (CS481)."""
    kernel_features: dict[str, str]
    """Rule id -> the hard feature it shows."""
    absorbed: frozenset[str]
    """Kernel-body and header rules, costed with the kernels and calls beside them."""
    family_of: dict[str, str]
    at_least: dict[tuple[str, str], Support] = field(default_factory=dict)
    """(family, target) -> the least support the family has there, whatever its rules say (``support_floor``)."""

    def family(self, rule_id: str, title: str) -> str:
        """The family a rule belongs to: listed, else its own title."""
        return self.family_of.get(rule_id, title)


@functools.cache
def family_table() -> FamilyTable:
    """The shipped family table."""
    data = _data("effort_families.yaml")
    features = {rule: name for name, rules in data["kernel_features"].items() for rule in rules}
    family_of = {rule: name for name, rules in data["families"].items() for rule in rules}
    absorbed = frozenset(data["kernel_body"]) | frozenset(data["headers"])
    floors = data.get("support_floor") or {}
    at_least = {
        (name, target): Support(level) for name, item in floors.items() for target, level in item["targets"].items()
    }
    return FamilyTable(frozenset(data["kernel_rules"]), features, absorbed, family_of, at_least)


@functools.cache
def shipped_parameters() -> Parameters:
    """The parameters fitted by ``scripts/fit_effort.py``, as shipped in the calibration data."""
    return Parameters(**_data("effort_calibration.yaml")["parameters"])


def _data(name: str) -> dict[str, Any]:
    text = resources.files("chipshift.scan").joinpath("data", name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


_ORDER = (Support.NATIVE, Support.AUTO, Support.EQUIVALENT, Support.UNSUPPORTED)


def effort_features(findings: Iterable[Finding], target: str, book: RuleBook | None = None) -> Features:
    """The API families and kernel files behind ``findings`` as ``target`` supports them."""
    book, table = book or load_rules(), family_table()
    sites: Counter[str] = Counter()
    worst: dict[str, tuple[int, str]] = {}
    kernels: Counter[tuple[str, Support, bool]] = Counter()
    """(file, support, translated) -> kernels: a file may hold kernels of both CUDA and HIP (under an ``#if``)."""
    file_features: defaultdict[str, set[str]] = defaultdict(set)
    for finding in findings:
        rule = book.by_id.get(finding.rule_id)
        if rule is None:
            continue
        support = rule.support(target).support
        if finding.rule_id in table.kernel_rules:
            kernels[finding.path, support, translated(target, finding.rule_id)] += 1
        elif finding.rule_id in table.kernel_features:
            file_features[posixpath.dirname(finding.path)].add(table.kernel_features[finding.rule_id])
        elif finding.rule_id not in table.absorbed:
            name = table.family(rule.id, rule.title)
            sites[name] += 1
            rank = _ORDER.index(support)
            if name not in worst or rank > worst[name][0]:
                worst[name] = (rank, rule.id)
    families = {name: _use(name, count, worst[name][1], sites, book, target) for name, count in sites.items()}
    files = [KernelFile(p, n, support, tuple(sorted(file_features[posixpath.dirname(p)])), translated)
             for (p, support, translated), n in sorted(kernels.items(), key=lambda item: item[0][0])]  # fmt: skip
    return Features(families, files)


def translated(target: str, rule_id: str) -> bool:
    """Whether ``target``'s toolchain translates a kernel of this rule (musify reads CUDA, not HIP)."""
    return rule_id in TRANSLATING_TARGETS.get(target, ())


def _use(name: str, count: int, rule_id: str, sites: Counter[str], book: RuleBook, target: str) -> FamilyUse:
    table = family_table()
    rules = tuple(sorted({r for r in book.by_id if table.family(r, book.by_id[r].title) == name}))
    support = book.by_id[rule_id].support(target)
    floor = table.at_least.get((name, target), Support.NATIVE)
    if _ORDER.index(floor) > _ORDER.index(support.support):
        return FamilyUse(count, floor, rules, support.replacement)
    return FamilyUse(count, support.support, rules, support.replacement)


def family_lines(use: FamilyUse, params: Parameters, factors: Mapping[Support, float] = SUPPORT_FACTOR) -> float:
    """Changed lines to port one API family."""
    return factors[use.support] * (params.family_lines + params.site_lines * math.sqrt(use.sites))


def kernel_lines(kernels: KernelFile, params: Parameters, factors: Mapping[Support, float] = SUPPORT_FACTOR) -> float:
    """Changed lines to port the kernels of one file."""
    base = params.kernel_lines if kernels.translated else REWRITE_KERNEL_LINES
    per_kernel = base * (1.0 + FEATURE_WEIGHT * len(kernels.features))
    return factors[kernels.support] * kernels.kernels * per_kernel


def predicted_lines(features: Features, params: Parameters, factors: Mapping[Support, float] = SUPPORT_FACTOR) -> float:
    """Changed lines of the whole port (``HAND_FACTOR`` for a port written by hand, as in the calibration)."""
    hosts = sum(family_lines(use, params, factors) for use in features.families.values())
    return hosts + sum(kernel_lines(k, params, factors) for k in features.kernels)


def estimate_effort(
    findings: Iterable[Finding],
    target: str,
    book: RuleBook | None = None,
    backends: Sequence[ShippedBackend] = (),
) -> EffortEstimate:
    """Effort to port the code behind ``findings`` to ``target``; the findings of a package that already ships a
    backend for ``target`` (``backends``) cost its configuration instead."""
    book = book or load_rules()
    ported: list[Finding] = []
    configured: defaultdict[ShippedBackend, int] = defaultdict(int)
    by_support: Counter[str] = Counter()
    for finding in findings:
        rule = book.by_id.get(finding.rule_id)
        if rule is None:
            continue
        by_support[rule.support(target).support.value] += 1
        shipped = covering_backend(backends, finding.path, target)
        if shipped is None:
            ported.append(finding)
        else:
            configured[shipped] += 1
    items = _items(effort_features(ported, target, book), shipped_parameters())
    items += [_configuration(shipped, count) for shipped, count in configured.items()]
    items.sort(key=lambda r: (-r.hours, r.kind, r.name))
    hours = sum(item.hours for item in items)
    score = 100.0 * (1.0 - math.exp(-hours / SCORE_SCALE_HOURS))
    days = hours / HOURS_PER_DAY
    return EffortEstimate(target, round(hours, 2), round(days, 2), round(score, 1), dict(by_support), items)


def _hours(lines: float) -> float:
    return round(lines / LINES_PER_DAY * HOURS_PER_DAY, 2)


def _items(features: Features, params: Parameters) -> list[EffortItem]:
    items = []
    for name, use in features.families.items():
        lines = family_lines(use, params)
        items.append(
            EffortItem(
                "family", name, use.sites, use.support, _hours(lines), round(lines, 1), use.rule_ids, use.replacement
            )
        )
    for k in features.kernels:
        lines = kernel_lines(k, params)
        note = ", ".join((*k.features, *(() if k.translated else ("written anew",))))
        items.append(EffortItem("kernels", k.path, k.kernels, k.support, _hours(lines), round(lines, 1), note=note))
    return items


def _configuration(shipped: ShippedBackend, count: int) -> EffortItem:
    note = f"ships a backend for {shipped.target}: {shipped.evidence}; configuration, not a port"
    hours = CONFIGURATION_DAYS * HOURS_PER_DAY
    return EffortItem("backend", shipped.package, count, Support.NATIVE, hours, 0.0, note=note)


MODEL_TEXT = (
    "per API family: factor × (F + S × √sites); per kernel: factor × K × (1 + hard features in its folder), K "
    "fitted where hipify or musify translates the kernel, 50 lines where it is written anew; "
    "factor: native 0, auto 0.1, equivalent 1, unsupported 3; lines / 25 a person-day; a shipped backend for "
    "the target costs 2 person-days; lock-in score = 100 × (1 − exp(−hours / 40))"
)


def model_text() -> str:
    """The model in one line, with the shipped parameters."""
    p = shipped_parameters()
    return MODEL_TEXT.replace("F + S", f"{p.family_lines:g} + {p.site_lines:g}").replace("K ×", f"{p.kernel_lines:g} ×")
