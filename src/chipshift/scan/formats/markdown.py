"""Markdown report: per repository and target, then the findings with their fixes."""

from __future__ import annotations

from chipshift.scan.formats.interface import ScanFormat
from chipshift.scan.model import ScanResult
from chipshift.scan.rules import load_rules
from chipshift.scan.summary import fix_text, model_text, rule_help_url, summarise


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


class MarkdownFormat(ScanFormat):
    """A report to paste into an issue or a review."""

    def format(self, result: ScanResult) -> str:
        """Markdown text."""
        lines = ["# chipshift scan: CUDA lock-in", ""]
        for summary in summarise(result):
            lines += [f"## {summary.root}", "", f"{summary.findings} findings, {summary.skipped} skipped files.", ""]
            lines += ["| target | lock-in score | effort (person-days) | top blockers |", "| --- | ---: | ---: | --- |"]
            for target, estimate in summary.efforts.items():
                blockers = ", ".join(f"{b.rule_id} ×{b.count} ({b.support.value})" for b in estimate.blockers[:5])
                lines.append(
                    f"| {target} | {estimate.lock_in_score:.0f} | {estimate.person_days:.1f} | {blockers or '—'} |"
                )
            categories = ", ".join(f"{k}: {v}" for k, v in summary.by_category.items()) or "none"
            lines += ["", f"By category: {categories}.", ""]
        lines += [f"Effort model: {model_text()}", "", "## Findings", ""]
        book = load_rules()
        header = "| location | rule | severity | finding | " + " | ".join(result.targets) + " |"
        lines += [header, "|" + " --- |" * (4 + len(result.targets))]
        for finding in result.findings:
            rule = book.by_id[finding.rule_id]
            link = f"[{finding.rule_id}]({rule_help_url(rule)})"
            support = " | ".join(_cell(fix_text(finding, t)) for t in result.targets)
            lines.append(
                f"| `{_cell(finding.location)}` | {link} | {finding.severity} | {_cell(finding.message)} | {support} |"
            )
        if result.skipped:
            lines += ["", "## Skipped files", ""] + [f"- `{s.path}`: {s.reason}" for s in result.skipped]
        return "\n".join(lines) + "\n"
