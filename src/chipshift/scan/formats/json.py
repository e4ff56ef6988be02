"""JSON report: the scan result, each finding with its per-target support and fix link, and the summaries."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from chipshift.scan.formats.interface import ScanWriter
from chipshift.scan.model import ScanResult
from chipshift.scan.rules import load_rules
from chipshift.scan.summary import model_text, rule_help_url, summarise


class JsonFormat(ScanWriter):
    """Machine-readable report; ``ScanResult.from_dict`` reads its ``result`` part back."""

    def format(self, result: ScanResult) -> str:
        """JSON text."""
        book = load_rules()
        data = result.to_dict()
        for finding in data["findings"]:
            rule = book.by_id[finding["rule_id"]]
            finding["help_url"] = rule_help_url(rule)
            finding["fix"] = rule.fix
            finding["targets"] = {t: rule.support(t).model_dump(mode="json", exclude_none=True) for t in result.targets}
        return json.dumps(
            {"chipshift_scan": 1, "result": data, "repositories": _repositories(result), "effort_model": model_text()},
            ensure_ascii=False,
            indent=2,
        )


def _repositories(result: ScanResult) -> list[dict[str, Any]]:
    out = []
    for summary in summarise(result):
        efforts = {}
        for target, estimate in summary.efforts.items():
            efforts[target] = {
                "lock_in_score": estimate.lock_in_score,
                "effort_person_days": estimate.person_days,
                "effort_hours": estimate.hours,
                "findings_by_support": estimate.by_support,
                "predicted_changed_lines": estimate.lines,
                "top_blockers": [asdict(b) for b in estimate.blockers[:10]],
                "working": [asdict(item) for item in estimate.items],
            }
        out.append(
            {
                "root": summary.root,
                "findings": summary.findings,
                "skipped": summary.skipped,
                "by_category": summary.by_category,
                "by_severity": summary.by_severity,
                "targets": efforts,
            }
        )
    return out
