"""chipshift.scan: static analysis of code for CUDA lock-in, with per-target support and porting effort.

``scan_paths`` is the one entry point; rules live in ``scan/rules/*.yaml``; report formats in ``scan/formats``.
"""

from chipshift.scan.effort import EffortEstimate, estimate_effort
from chipshift.scan.engine import scan_paths
from chipshift.scan.finding import ALL_TARGETS, Finding, Severity, Support
from chipshift.scan.model import ScanResult, SkippedFile
from chipshift.scan.rules import Rule, RuleBook, load_rules

__all__ = [
    "ALL_TARGETS",
    "EffortEstimate",
    "Finding",
    "Rule",
    "RuleBook",
    "ScanResult",
    "Severity",
    "SkippedFile",
    "Support",
    "estimate_effort",
    "load_rules",
    "scan_paths",
]
