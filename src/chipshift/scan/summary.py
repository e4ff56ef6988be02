"""Plain report data built from a scan result: per repository and per target, what every format shows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from chipshift.scan.effort import EffortEstimate
from chipshift.scan.effort import model_text as effort_model_text
from chipshift.scan.finding import Finding
from chipshift.scan.model import ScanResult
from chipshift.scan.rules import Rule, load_rules

DOCS_URL = "https://github.com/chipshift/chipshift/blob/main/docs/scan.md"
"""Where each rule's fix is described (anchor = lower-case rule id)."""


def rule_help_url(rule: Rule) -> str:
    """A link to the rule's fix: its own evidence link, else its entry in docs/scan.md."""
    return rule.docs or f"{DOCS_URL}#{rule.id.lower()}"


@dataclass(frozen=True)
class RepositorySummary:
    """What one scanned path shows: counts, effort and blockers per target."""

    root: str
    findings: int
    skipped: int
    by_category: dict[str, int]
    by_severity: dict[str, int]
    efforts: dict[str, EffortEstimate]
    """Per target."""


def summarise(result: ScanResult) -> list[RepositorySummary]:
    """One summary per root of ``result``."""
    summaries = []
    for root in result.roots:
        part = result.for_root(root)
        summaries.append(
            RepositorySummary(
                root=root,
                findings=len(part.findings),
                skipped=len(part.skipped),
                by_category=dict(Counter(f.category for f in part.findings).most_common()),
                by_severity=dict(Counter(f.severity for f in part.findings).most_common()),
                efforts={t: part.effort(t) for t in result.targets},
            )
        )
    return summaries


def fix_text(finding: Finding, target: str) -> str:
    """How ``target`` supports a finding and what to do, in one line."""
    rule = load_rules().by_id[finding.rule_id]
    support = rule.support(target)
    replacement = f" → {support.replacement}" if support.replacement else ""
    return f"{support.support.value}{replacement}"


def model_text() -> str:
    """The effort model in one line."""
    return effort_model_text()
