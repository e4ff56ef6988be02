"""What a reader of a report sees, as text runs, and which of them are untranslated English (for the zh checks).

The rule, for HTML and Markdown alike. A visible text run may hold Latin letters only as:

- ids: ``class="id"`` in HTML, code spans in Markdown (sites, candidates, workloads, porting targets, policy and scan
  rule ids), and ``<code>`` in HTML (the code a scan rule matched, the scenario's field names);
- what the data gives as written: chip and system names (``class="name"``), sources and the scenario's own words
  about them (``class="source"``), the scenario's title (``class="given"``); in Markdown the same strings, known from
  the data (Markdown has no classes);
- units and proper names: a token with a digit (``H20``, ``3A090.a``, ``BF16``, ``2025-07``), a token in capitals
  (``CUDA``, ``TOPSIS``, ``AHP``, ``ECCN``, ``TFLOPS``, ``CNY``, ``UTC``, ``GB``), or one of :data:`ALLOWED`.

Any other word in Latin letters is English a Chinese reader cannot read: the run is untranslated. An engine's English
sentence shown in a Chinese report (said to be English) still counts: the example must have none.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from chipshift.report import ReportData

ALLOWED = frozenset({"chipshift", "token", "tokens/s", "GB/s", "kW", "ms", "HiGHS", "Ray"})
"""Units and proper names in lower or mixed case that a Chinese technical text writes as they are."""

SKIPPED_TAGS = frozenset({"script", "style", "title", "code", "pre", "head"})
KEPT_AS_WRITTEN = frozenset({"id", "name", "source", "given"})
VOID = frozenset({"br", "meta", "link", "img", "input", "hr", "wbr", "col", "area", "base", "source"})
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9./+_-]*")


class _Runs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, bool]] = []
        self.runs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        self.open.append((tag, tag in SKIPPED_TAGS or bool(classes & KEPT_AS_WRITTEN)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """``<rect .../>`` in SVG opens nothing."""

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if data.strip() and not any(skip for _, skip in self.open):
            self.runs.append(" ".join(data.split()))


def html_runs(document: str) -> list[str]:
    """The visible text runs of an HTML report, ids, code and as-written text set aside."""
    parser = _Runs()
    parser.feed(document)
    return parser.runs


def as_written(data: ReportData) -> list[str]:
    """The strings a report shows as the data gives them (title, names, sources), longest first."""
    found = {data.title}
    found |= {c.name for c in data.candidates + data.fleet_chips}
    if data.recommendation:
        r = data.recommendation
        found |= {line.name for line in r.purchases + r.leases + r.retirements + r.moves}
    found |= {s.text for s in data.sources if s.origin == "scenario" and s.text}
    found |= {t.source for t in data.targets if t.source}
    found |= {r.source for r in data.rules}
    return sorted(found, key=len, reverse=True)


def markdown_runs(document: str, data: ReportData) -> list[str]:
    """The visible text runs of a Markdown report: code spans, as-written strings and Markdown syntax set aside."""
    text = html.unescape(document)
    for given in as_written(data):
        text = text.replace(given, " ")
    text = re.sub(r"`[^`\n]*`", " ", text)
    runs = []
    for line in text.splitlines():
        if re.fullmatch(r"\|?(\s*-+\s*\|)+\s*", line):
            continue
        for cell in line.split("|"):
            cell = re.sub(r"^\s*(#+|-)\s+", "", cell).replace("**", "")
            if cell.strip():
                runs.append(" ".join(cell.split()))
    return runs


def english_words(run: str) -> list[str]:
    """The words of a run that are neither units nor proper names by the rule above."""
    words = []
    for token in _TOKEN.findall(run):
        token = token.rstrip("./-")
        if token in ALLOWED or any(ch.isdigit() for ch in token):
            continue
        if all(part.isupper() or any(ch.isdigit() for ch in part) for part in token.split("/") if part):
            continue
        words.append(token)
    return words


def untranslated(runs: list[str]) -> list[str]:
    """The runs with an English word in them."""
    return [run for run in runs if english_words(run)]
