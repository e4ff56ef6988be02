"""SARIF 2.1.0 report: one run, every rule as a reportingDescriptor with its fix and per-target support.

Code-scanning services take a bounded run (GitHub: 25,000 results, of which it shows 5,000; 10 MB gzipped), so a run
holds at most :data:`MAX_RESULTS` results, the most severe first; when findings were left out, one more result
(rule ``CS000``) and a notification say how many, and the JSON report has them all. ``scan -f sarif -o x.sarif.gz``
writes it gzipped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from chipshift import __version__
from chipshift.scan.formats.interface import ScanWriter
from chipshift.scan.model import ScanResult
from chipshift.scan.rules import Rule, load_rules
from chipshift.scan.summary import rule_help_url

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
_SECURITY_SEVERITY = {"critical": "9.0", "high": "7.0", "medium": "5.0", "low": "3.0", "info": "1.0"}
_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
MAX_RESULTS = 5000
"""Results per SARIF run, at most (what GitHub code scanning shows of a run)."""
TRUNCATED_RULE = "CS000"


class SarifFormat(ScanWriter):
    """SARIF 2.1.0 for code-scanning tools (GitHub code scanning, IDE viewers)."""

    def __init__(self, max_results: int = MAX_RESULTS) -> None:
        self.max_results = max_results

    def format(self, result: ScanResult) -> str:
        """SARIF JSON text."""
        book = load_rules()
        ranked = sorted(result.findings, key=lambda f: _RANK.get(f.severity, 5))
        kept, left_out = ranked[: self.max_results], ranked[self.max_results :]
        kept.sort(key=lambda f: (f.path, f.cell or 0, f.line, f.column, f.rule_id))
        used = sorted({f.rule_id for f in kept})
        index = {rule_id: i for i, rule_id in enumerate(used)}
        descriptors = [_descriptor(book.by_id[rule_id], result.targets) for rule_id in used]
        results = [_result(f, index[f.rule_id], book.by_id[f.rule_id], result.targets) for f in kept]
        notes = [{"level": "note", "message": {"text": f"skipped {s.path}: {s.reason}"}} for s in result.skipped]
        if left_out:
            text = _truncation_text(len(left_out), len(ranked), self.max_results)
            descriptors.append(_truncation_descriptor())
            results.append(_truncation_result(left_out[0], len(descriptors) - 1, text))
            notes.append({"level": "warning", "message": {"text": text}})
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": "chipshift",
                    "version": __version__,
                    "informationUri": "https://github.com/chipshift/chipshift",
                    "rules": descriptors,
                }
            },
            "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri() + "/"}},
            "results": results,
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notes}],
        }
        return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, ensure_ascii=False, indent=2)


def _truncation_text(left_out: int, total: int, cap: int) -> str:
    return (
        f"{left_out:,} of {total:,} findings are not in this SARIF run (at most {cap:,} results, the most severe "
        "first, as code-scanning services take); `chipshift scan -f json` lists them all"
    )


def _truncation_descriptor() -> dict[str, Any]:
    return {
        "id": TRUNCATED_RULE,
        "name": "results-left-out",
        "shortDescription": {"text": "findings left out of this SARIF run"},
        "defaultConfiguration": {"level": "note"},
    }


def _truncation_result(first: Any, rule_index: int, text: str) -> dict[str, Any]:
    region = {"startLine": first.line, "startColumn": first.column}
    return {
        "ruleId": TRUNCATED_RULE,
        "ruleIndex": rule_index,
        "level": "note",
        "message": {"text": text},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(first.path), "region": region}}],
    }


def _support_lines(rule: Rule, targets: list[str]) -> list[str]:
    lines = []
    for target in targets:
        support = rule.support(target)
        replacement = f" → {support.replacement}" if support.replacement else ""
        note = f" ({support.note})" if support.note else ""
        lines.append(f"- {target}: {support.support.value}{replacement}{note}")
    return lines


def _descriptor(rule: Rule, targets: list[str]) -> dict[str, Any]:
    support = "\n".join(_support_lines(rule, targets))
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": f"{rule.title}. {rule.fix}"},
        "help": {"text": f"{rule.fix}\n{support}", "markdown": f"**Fix:** {rule.fix}\n\n{support}"},
        "helpUri": rule_help_url(rule),
        "defaultConfiguration": {"level": _LEVEL[rule.severity.label]},
        "properties": {
            "category": rule.category,
            "severity": rule.severity.label,
            "confidence": rule.confidence,
            "precision": {"low": "low", "medium": "medium", "high": "high"}[rule.confidence],
            "security-severity": _SECURITY_SEVERITY[rule.severity.label],
            "effort_hours": rule.effort_hours,
            "tags": ["cuda-lock-in", rule.category],
        },
    }


def _result(finding: Any, rule_index: int, rule: Rule, targets: list[str]) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": finding.line, "startColumn": finding.column}
    if finding.snippet:
        region["snippet"] = {"text": finding.snippet}
    location: dict[str, Any] = {"physicalLocation": {"artifactLocation": _artifact(finding.path), "region": region}}
    if finding.cell is not None:
        location["logicalLocations"] = [{"name": f"cell {finding.cell}", "kind": "member"}]
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": f"{finding.message}. {rule.fix}"},
        "locations": [location],
        "partialFingerprints": {"chipshift/v1": f"{finding.rule_id}:{_uri(finding.path)}:{finding.snippet}"},
        "properties": {
            "category": finding.category,
            "confidence": finding.confidence,
            "cell": finding.cell,
            "targets": {t: rule.support(t).support.value for t in targets},
        },
    }


def _uri(path: str) -> str:
    return path.removeprefix("./")


SRCROOT = "%SRCROOT%"
"""Base of relative artifact URIs: the folder the scan ran in (code-scanning services expect repository-relative
paths with a base id)."""


def _artifact(path: str) -> dict[str, str]:
    """A repository-relative URI under ``%SRCROOT%`` where possible, else an absolute ``file://`` URI."""
    given = Path(path)
    if not given.is_absolute():
        return {"uri": quote(_uri(given.as_posix())), "uriBaseId": SRCROOT}
    try:
        return {"uri": quote(given.relative_to(Path.cwd()).as_posix()), "uriBaseId": SRCROOT}
    except ValueError:
        return {"uri": given.as_uri()}
