"""What a scan produces: findings, skipped files and the result of a whole run, as plain typed data."""

from __future__ import annotations

import posixpath
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from chipshift.scan.backends import ShippedBackend
from chipshift.scan.effort import EffortEstimate, estimate_effort
from chipshift.scan.finding import Finding


@dataclass(frozen=True)
class SkippedFile:
    """A file the scan could not analyse, with the reason; the scan went on."""

    path: str
    """File path as found."""
    reason: str
    """Why it was skipped, e.g. ``syntax error at line 3 (Python 2?)``."""


@dataclass(frozen=True)
class FileOutcome:
    """What analysing one file gave: findings, or a skip, and its size in lines."""

    findings: tuple[Finding, ...] = ()
    """Findings in this file."""
    skipped: SkippedFile | None = None
    """Set when the file could not be analysed."""
    lines: int = 0
    """Number of lines in the file."""
    exports: tuple[tuple[str, str], ...] = ()
    """Module-level names bound to CUDA-related qualified names (``amp`` -> ``torch.cuda.amp``), for re-exports."""


@dataclass
class ScanResult:
    """Everything one scan found over one or more repositories."""

    roots: list[str]
    """The paths given to the scan, in order."""
    targets: list[str]
    """Targets the report is for."""
    findings: list[Finding] = field(default_factory=list)
    """All findings, sorted by path, line, column, rule."""
    skipped: list[SkippedFile] = field(default_factory=list)
    """Files that could not be analysed."""
    files_scanned: int = 0
    """Files looked at (including those ruled out by the prefilter)."""
    lines_scanned: int = 0
    """Lines in the files looked at."""
    duration_s: float = 0.0
    """Wall-clock time of the scan."""
    cache_hits: int = 0
    """Files whose result came from the cache."""
    cache_rejected: int = 0
    """Cache entries found for these files but not trusted (bad shape, HMAC, rule or line), so analysed again."""
    gitignored: int = 0
    """Files left out because the ``.gitignore`` rules of the repository holding a root say so."""
    vendored: list[Finding] = field(default_factory=list)
    """Findings in vendored trees (``third_party/``, ``cutlass/`` ...) and in second copies of a file: reported apart,
    not in :attr:`findings`, not costed (``scan --include-vendored`` counts them as the project's own)."""
    backends: list[ShippedBackend] = field(default_factory=list)
    """Backends a scanned project already ships for a target (:mod:`chipshift.scan.backends`): costed as
    configuration for that target."""

    def for_root(self, root: str) -> ScanResult:
        """The part of this result under one of its roots."""
        findings = [f for f in self.findings if _under(f.path, root)]
        skipped = [s for s in self.skipped if _under(s.path, root)]
        vendored = [f for f in self.vendored if _under(f.path, root)]
        backends = [b for b in self.backends if _under(b.package, root) or _under(root, b.package)]
        return ScanResult([root], self.targets, findings, skipped, vendored=vendored, backends=backends)

    def effort(self, target: str) -> EffortEstimate:
        """Porting effort for ``target`` with its working (model in :mod:`chipshift.scan.effort`)."""
        return estimate_effort(self.findings, target, backends=self.backends)

    def effort_person_days(self, target: str) -> float:
        """Estimated porting effort for ``target`` in person-days."""
        return self.effort(target).person_days

    def lock_in_score(self, target: str) -> float:
        """0 (runs as is) to 100 (deeply tied to CUDA) for ``target``."""
        return self.effort(target).lock_in_score

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "roots": self.roots,
            "targets": self.targets,
            "files_scanned": self.files_scanned,
            "lines_scanned": self.lines_scanned,
            "duration_s": round(self.duration_s, 3),
            "cache_hits": self.cache_hits,
            "cache_rejected": self.cache_rejected,
            "gitignored": self.gitignored,
            "findings": [asdict(f) for f in self.findings],
            "skipped": [asdict(s) for s in self.skipped],
            "vendored": [asdict(f) for f in self.vendored],
            "backends": [asdict(b) for b in self.backends],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanResult:
        """Inverse of :meth:`to_dict`; extra keys (the JSON report's ``fix``, ``targets``) are ignored."""
        return cls(
            roots=list(data["roots"]),
            targets=list(data["targets"]),
            findings=[_finding(f) for f in data["findings"]],
            skipped=[SkippedFile(**s) for s in data["skipped"]],
            files_scanned=int(data.get("files_scanned", 0)),
            lines_scanned=int(data.get("lines_scanned", 0)),
            duration_s=float(data.get("duration_s", 0.0)),
            cache_hits=int(data.get("cache_hits", 0)),
            cache_rejected=int(data.get("cache_rejected", 0)),
            gitignored=int(data.get("gitignored", 0)),
            vendored=[_finding(f) for f in data.get("vendored", [])],
            backends=[
                ShippedBackend(str(b["target"]), str(b["package"]), str(b["evidence"]))
                for b in data.get("backends", [])
            ],
        )


_FINDING_FIELDS = frozenset(f.name for f in fields(Finding))


def _finding(data: dict[str, Any]) -> Finding:
    return Finding(**{k: v for k, v in data.items() if k in _FINDING_FIELDS})


def _under(path: str, root: str) -> bool:
    """Whether ``path`` lies in ``root``, both as given on the command line (``.``, ``./src`` and ``src/`` work)."""
    root, path = posixpath.normpath(root), posixpath.normpath(path)
    if root == ".":
        return not path.startswith("/") and path != ".." and not path.startswith("../")
    return path == root or path.startswith(root.rstrip("/") + "/")
