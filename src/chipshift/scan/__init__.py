"""chipshift.scan: static analysis of code for CUDA lock-in, with per-target support and porting effort.

``scan_paths`` is the one entry point; rules live in ``scan/rules/*.yaml``; report formats in ``scan/formats``; the
porting targets come from the catalog (:func:`porting_targets`).
"""

from chipshift.scan.effort import EffortEstimate, estimate_effort
from chipshift.scan.engine import scan_paths
from chipshift.scan.finding import Finding, Severity, Support
from chipshift.scan.model import ScanResult, SkippedFile
from chipshift.scan.rules import Rule, RuleBook, load_rules
from chipshift.scan.targets import porting_targets

__all__ = [
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
    "porting_targets",
    "scan_paths",
]
