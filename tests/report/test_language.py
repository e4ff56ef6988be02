"""The report in both languages: nothing left in English in the Chinese report (by the rule in ``visible_text``),
units on every money and figure column, readable names instead of ids, and charts whose words say what they show."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from visible_text import html_runs, markdown_runs, untranslated

from chipshift.report import Language, ReportData, ReportFormat, messages, render
from chipshift.report.charts import WIDTH, text_width
from chipshift.report.marks import unmarked
from chipshift.report.model import Exclusion, TopRule

FORMATS = (ReportFormat.HTML, ReportFormat.MARKDOWN)


def _runs(data: ReportData, fmt: ReportFormat, lang: Language) -> list[str]:
    text = render(data, fmt, lang)
    return html_runs(text) if fmt is ReportFormat.HTML else markdown_runs(text, data)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_chinese_report_has_no_untranslated_text(example_data: ReportData, fmt: ReportFormat) -> None:
    runs = _runs(example_data, fmt, Language.ZH)
    assert len(runs) > 300  # the check reads the whole report, not an empty page
    assert untranslated(runs) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_check_finds_english_left_in_a_chinese_report(example_data: ReportData, fmt: ReportFormat) -> None:
    """An engine's note, a scan rule no one translated and a gate without a code are English, and are found."""
    assert example_data.scan is not None
    rule = TopRule(rule="CS999", count=1, message="Warp-level frobnication: x", title="Warp-level frobnication")
    data = example_data.model_copy(
        update={
            "notes": ["cambricon-mlu590: 2 rule changes left out of the draws"],
            "scan": example_data.scan.model_copy(update={"top_rules": [rule]}),
            "comparison": example_data.comparison.model_copy(
                update={"excluded": [Exclusion(id="x-chip", reason="refused by a reviewer")]}
            ),
        }
    )
    found = " ".join(untranslated(_runs(data, fmt, Language.ZH)))
    for english in ("rule changes left out", "frobnication", "refused by a reviewer"):
        assert english in found
    assert len(untranslated(_runs(example_data, fmt, Language.EN))) > 200  # and English is English
    text = render(data, fmt, Language.ZH)
    assert "CS999" in text and messages(Language.ZH)["english_only"] in text  # the rule id, said to be English


class _Cells(HTMLParser):
    """Text of every th, figcaption and heading, children included."""

    WANTED = ("th", "td", "figcaption", "h1", "h2", "h3")

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, list[str]] = {tag: [] for tag in self.WANTED}
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.WANTED:
            self._open.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            name, parts = self._open.pop()
            self.cells[name].append(" ".join("".join(parts).split()))

    def handle_data(self, data: str) -> None:
        for _, parts in self._open:
            parts.append(data)


def _cells(html: str) -> dict[str, list[str]]:
    parser = _Cells()
    parser.feed(html)
    return parser.cells


UNIT_HEADERS = {
    Language.EN: (
        "Cost (M CNY)", "Resale (M CNY)", "Capex (M CNY)", "Budget (M CNY)", "Running costs (M CNY)",
        "Price per chip (CNY)", "Power (W)", "Porting effort (person-days)", "Cost (CNY per million tokens)",
        "Throughput per chip (tokens/s)", "Unit",
    ),
    Language.ZH: (
        "金额（万元）", "出售收入（万元）", "资本支出（万元）", "预算（万元）", "运行成本（万元）",
        "单芯片价格（元）", "功耗（W）", "迁移工作量（人天）", "成本（元/百万 token）", "单芯片吞吐（token/秒）",
        "单位",
    ),
}  # fmt: skip


@pytest.mark.parametrize("lang", list(Language))
def test_money_and_figure_columns_name_their_unit(example_data: ReportData, lang: Language) -> None:
    html = render(example_data, ReportFormat.HTML, lang)
    headers = _cells(html)["th"]
    for header in UNIT_HEADERS[lang]:
        assert header in headers, header
    markdown = render(example_data, ReportFormat.MARKDOWN, lang)
    for header in UNIT_HEADERS[lang]:
        assert f"{header} |" in markdown, header


@pytest.mark.parametrize("lang", list(Language))
def test_headers_and_names_are_words_not_ids(example_data: ReportData, lang: Language) -> None:
    """No snake_case header or criterion; the fleet table's metrics and units in words; shares as percentages."""
    html = render(example_data, ReportFormat.HTML, lang)
    cells = _cells(html)
    snake = re.compile(r"\b[a-z]+_[a-z_]+\b")
    assert [h for h in cells["th"] if snake.search(h)] == []
    assert [c for c in cells["td"] if re.fullmatch(r"[a-z]+(_[a-z]+)+", c)] == []  # criteria, metrics
    m = messages(lang)
    row = html[html.index(m["criterion_workloads_covered"]) :].split("</tr>")[0]
    assert re.findall(r">(\d+%)<", row) == ["100%"] * len(example_data.comparison.topsis_order)
    assert m["fleet_unit_devices"] in cells["td"] and m["metric_equivalent_count"] in cells["td"]
    for gone in ("workloads_covered", "tco_per_mtok", "equivalent_count", "inventory-planning anchors", "Part 3"):
        assert gone not in html


@pytest.mark.parametrize("lang", list(Language))
def test_chart_captions_say_what_is_drawn_once(example_data: ReportData, lang: Language) -> None:
    html = render(example_data, ReportFormat.HTML, lang)
    cells = _cells(html)
    captions = cells["figcaption"]
    assert len(captions) == 8 and len(set(captions)) == 8
    assert not set(captions) & set(cells["h1"] + cells["h2"] + cells["h3"])
    assert "<svg" in html and not re.search(r"<svg[^>]*>\s*<title>", html)  # no second, hidden title


def test_share_lines_differ_by_dash_and_marker(example_data: ReportData) -> None:
    """Count, compute and value lie on top of each other in the example: each has its own dash and marker."""
    html = render(example_data, ReportFormat.HTML)
    ratio = html[html.index('id="fleet"') :].split("</figure>")[0]
    dashes = re.findall(r'class="series"[^>]*stroke-dasharray="([^"]*)"', ratio)
    assert len(dashes) == 3 and len(set(dashes)) == 3
    assert "<circle" in ratio and "<polygon" in ratio and 'width="8" height="8"' in ratio  # circle, triangle, square
    targets = re.findall(r'class="target" x1="([\d.]+)" x2="([\d.]+)"', ratio)
    assert len(targets) == len(example_data.targets)
    assert all(float(x2) - float(x1) > 20 for x1, x2 in targets)  # a target of the last year is drawn, not a dot


@pytest.mark.parametrize("lang", list(Language))
def test_the_histogram_has_both_axes(example_data: ReportData, lang: Language) -> None:
    m = messages(lang)
    html = render(example_data, ReportFormat.HTML, lang)
    figure = html[html.index('id="monte-carlo"') :].split("</figure>")[0]
    assert f">{m['chart_histogram_y']}</text>" in figure
    ticks = re.findall(r'text-anchor="end"[^>]*>([\d,]+)</text>', figure)
    assert ticks[0] == "0" and len(ticks) >= 3


@pytest.mark.parametrize("lang", list(Language))
def test_chart_labels_fit_their_chart_by_estimate(example_data: ReportData, lang: Language) -> None:
    """Every label, at its estimated width, inside the chart (the browser test measures the real one)."""
    html = render(example_data, ReportFormat.HTML, lang)
    labels = re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="(\w+)"([^>]*)>(.*?)</text>', html)
    for x, anchor, attributes, text in labels:
        if "rotate" in attributes:  # an axis title along the side, centred on its axis
            continue
        width = text_width(unmarked(re.sub(r"<[^>]+>", "", text)))
        left = float(x) - {"start": 0.0, "middle": width / 2, "end": width}[anchor]
        assert left >= 0 and left + width <= WIDTH, (text, x, anchor)


def test_plan_cost_wording_is_plain(example_data: ReportData) -> None:
    html = render(example_data, ReportFormat.HTML)
    assert "capex less salvage" not in html
    assert re.search(r"capex [\d.]+ M CNY \+ running costs [\d.]+ M CNY \+ risk charge", html)


@pytest.mark.parametrize("lang", list(Language))
def test_a_training_run_too_big_is_said_plainly(example_data: ReportData, lang: Language) -> None:
    """The training search's "on up to 1,048,576 x <chip>" becomes words, in the gate and in the workload table."""
    reason = "llama-3.1-8b cannot train 1e+18 tokens in 1 days on up to 1,048,576 x Cambricon MLU590"
    chip = next(c for c in example_data.candidates if c.id == "cambricon-mlu590")
    fits = [
        f.model_copy(update={"reason": reason, "problem": "training-time", "missing_figure": None}) for f in chip.fits
    ]
    candidates = [c.model_copy(update={"fits": fits}) if c is chip else c for c in example_data.candidates]
    html = render(example_data.model_copy(update={"candidates": candidates}), ReportFormat.HTML, lang)
    assert "1,048,576" not in html and "2^20" not in html
    assert html.count(messages(lang)["fit_training-time"]) >= 2  # the gate's reason and the workload table
