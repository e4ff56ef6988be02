"""Self-contained HTML report (no scripts, no network): summaries per repository and target, then findings.

Every text is escaped, and a Content-Security-Policy of ``default-src 'none'`` forbids scripts and requests even if
something slipped through.
"""

from __future__ import annotations

from html import escape

from chipshift.scan.formats.interface import ScanWriter
from chipshift.scan.model import ScanResult
from chipshift.scan.rules import load_rules
from chipshift.scan.summary import RepositorySummary, fix_text, model_text, rule_help_url, summarise

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f3f3}
.critical,.high{color:#b00020;font-weight:600}.medium{color:#a66a00}.low,.info{color:#555}
.bar{background:#eee;width:120px;height:10px;display:inline-block}
.bar span{background:#b00020;height:10px;display:block}
code{font-size:90%}
"""
_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


class HtmlFormat(ScanWriter):
    """One HTML file that opens offline."""

    def format(self, result: ScanResult) -> str:
        """HTML text."""
        parts = [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            f"<meta http-equiv='Content-Security-Policy' content=\"{_POLICY}\"><title>chipshift scan</title>",
            f"<style>{_STYLE}</style></head><body><h1>chipshift scan: CUDA lock-in</h1>",
        ]
        for summary in summarise(result):
            parts.append(_summary(summary))
        parts.append(f"<p><small>Effort model: {escape(model_text())}</small></p>")
        parts.append(_findings(result))
        if result.skipped:
            items = "".join(f"<li><code>{escape(s.path)}</code>: {escape(s.reason)}</li>" for s in result.skipped)
            parts.append(f"<h2>Skipped files</h2><ul>{items}</ul>")
        parts.append("</body></html>")
        return "\n".join(parts) + "\n"


def _summary(summary: RepositorySummary) -> str:
    rows = []
    for target, estimate in summary.efforts.items():
        blockers = ", ".join(f"{b.label} ({b.hours / 8:.1f} d)" for b in estimate.blockers[:5]) or "—"
        bar = f"<span class='bar'><span style='width:{estimate.lock_in_score:.0f}%'></span></span>"
        rows.append(
            f"<tr><td>{escape(target)}</td><td>{estimate.lock_in_score:.0f} {bar}</td>"
            f"<td>{estimate.person_days:.1f}</td><td>{escape(blockers)}</td></tr>"
        )
    categories = ", ".join(f"{escape(k)}: {v}" for k, v in summary.by_category.items()) or "none"
    return (
        f"<h2>{escape(summary.root)}</h2><p>{summary.findings} findings, {summary.skipped} skipped files. "
        f"By category: {categories}.</p><table><tr><th>target</th><th>lock-in score</th>"
        f"<th>effort (person-days)</th><th>top blockers</th></tr>{''.join(rows)}</table>"
    )


def _findings(result: ScanResult) -> str:
    book = load_rules()
    head = "".join(f"<th>{escape(t)}</th>" for t in result.targets)
    rows = []
    for finding in result.findings:
        rule = book.by_id[finding.rule_id]
        support = "".join(f"<td>{escape(fix_text(finding, t))}</td>" for t in result.targets)
        rows.append(
            f"<tr><td><code>{escape(finding.location)}</code></td>"
            f"<td><a href='{escape(rule_help_url(rule))}'>{escape(finding.rule_id)}</a></td>"
            f"<td class='{escape(finding.severity)}'>{escape(finding.severity)}</td><td>{escape(finding.message)}<br>"
            f"<code>{escape(finding.snippet)}</code><br><small>{escape(rule.fix)}</small></td>{support}</tr>"
        )
    return (
        f"<h2>Findings ({len(result.findings)})</h2><table><tr><th>location</th><th>rule</th><th>severity</th>"
        f"<th>finding and fix</th>{head}</tr>{''.join(rows)}</table>"
    )
