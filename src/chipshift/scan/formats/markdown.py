"""Markdown report: per repository and target, then the findings with their fixes.

Every text that comes from the scanned files (paths, messages, skip reasons) is escaped for Markdown and HTML, so
that a file named ``<script>.py`` or a line holding ``[x](javascript:...)`` shows as what it is.
"""

from __future__ import annotations

from chipshift.scan.formats.escape import markdown_code, markdown_text
from chipshift.scan.formats.interface import ScanWriter
from chipshift.scan.model import ScanResult
from chipshift.scan.rules import load_rules
from chipshift.scan.summary import fix_text, model_text, rule_help_url, summarise


class MarkdownFormat(ScanWriter):
    """A report to paste into an issue or a review."""

    def format(self, result: ScanResult) -> str:
        """Markdown text."""
        lines = ["# chipshift scan: CUDA lock-in", ""]
        for summary in summarise(result):
            lines += [
                f"## {markdown_text(summary.root)}",
                "",
                f"{summary.findings} findings, {summary.skipped} skipped files.",
            ]
            lines.append("")
            lines += ["| target | lock-in score | effort (person-days) | top blockers |", "| --- | ---: | ---: | --- |"]
            for target, estimate in summary.efforts.items():
                blockers = ", ".join(
                    f"{b.label} ({b.support.value}, {b.hours / 8:.1f} d)" for b in estimate.blockers[:5]
                )
                lines.append(
                    f"| {markdown_text(target)} | {estimate.lock_in_score:.0f} | {estimate.person_days:.1f} | "
                    f"{markdown_text(blockers or '—')} |"
                )
            categories = markdown_text(", ".join(f"{k}: {v}" for k, v in summary.by_category.items()) or "none")
            lines += ["", f"By category: {categories}.", ""]
        lines += [f"Effort model: {model_text()}", "", "## Findings", ""]
        book = load_rules()
        header = "| location | rule | severity | finding | " + " | ".join(map(markdown_text, result.targets)) + " |"
        lines += [header, "|" + " --- |" * (4 + len(result.targets))]
        for finding in result.findings:
            rule = book.by_id[finding.rule_id]
            link = f"[{markdown_text(rule.id)}]({rule_help_url(rule)})"
            support = " | ".join(markdown_text(fix_text(finding, t)) for t in result.targets)
            lines.append(
                f"| {markdown_code(finding.location)} | {link} | {markdown_text(finding.severity)} | "
                f"{markdown_text(finding.message)} | {support} |"
            )
        if result.skipped:
            lines += ["", "## Skipped files", ""]
            lines += [f"- {markdown_code(s.path)}: {markdown_text(s.reason)}" for s in result.skipped]
        return "\n".join(lines) + "\n"
