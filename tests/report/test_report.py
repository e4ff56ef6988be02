"""The report writers on the example assessment: self-contained HTML, both languages, JSON and Markdown."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from importlib import resources

import pytest
import yaml

from chipshift.report import Language, ReportData, ReportFormat, render
from chipshift.report.model import Scope, SourceLine
from chipshift.scan.rules import load_rules

SECTIONS = ("recommendation", "fleet", "comparison", "plan", "monte-carlo", "effort", "sources")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_html_is_self_contained(example_data: ReportData) -> None:
    html = render(example_data, ReportFormat.HTML)
    tags = _tags(html)
    assert not [t for t, _ in tags if t in ("script", "link", "iframe", "object", "embed")]
    for _, attrs in tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or value.startswith(("#", "data:")), (name, value)
    assert "default-src 'none'" in html  # the page's own policy forbids fetching anything


def test_html_has_every_section_and_its_charts(example_data: ReportData) -> None:
    html = render(example_data, ReportFormat.HTML)
    ids = {attrs.get("id") for _, attrs in _tags(html)}
    assert set(SECTIONS) <= ids
    charts = re.findall(r'<svg class="chart"', html)
    assert len(charts) == 8  # ratio path, ranking, sensitivity, purchases, spend, effort, Monte Carlo, tornado
    assert "nvidia-h200-sxm" in html and "huawei-ascend-910b" in html
    assert "38.5%" in html  # domestic share now, by count (320 of 832)


def test_html_escapes_scenario_text(example_data: ReportData) -> None:
    data = example_data.model_copy(update={"title": "<script>alert(1)</script>"})
    html = render(data, ReportFormat.HTML)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_markdown_escapes_html_from_every_scenario_field(example_data: ReportData) -> None:
    attack = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    data = example_data.model_copy(
        update={
            "title": attack,
            "sources": [SourceLine(kind="cost", origin="scenario", text=attack)],
            "workloads": [w.model_copy(update={"id": attack}) for w in example_data.workloads],
            "targets": [t.model_copy(update={"scope": Scope(site=attack)}) for t in example_data.targets],
        }
    )
    markdown = render(data, ReportFormat.MARKDOWN)
    assert "<script" not in markdown and "<img" not in markdown
    assert markdown.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4  # title, source, workload, site
    assert "≥" in markdown  # only HTML's own characters are touched


def test_chinese_report_is_chinese(example_data: ReportData) -> None:
    html = render(example_data, ReportFormat.HTML, Language.ZH)
    assert '<html lang="zh-CN">' in html
    assert "国产化率" in html
    english = render(example_data, ReportFormat.HTML, Language.EN)
    assert "国产化率" not in english


def test_every_message_is_translated() -> None:
    folder = resources.files("chipshift.report") / "messages"
    en = yaml.safe_load((folder / "en.yaml").read_text(encoding="utf-8"))
    zh = yaml.safe_load((folder / "zh.yaml").read_text(encoding="utf-8"))
    assert set(en) == set(zh)
    same = [k for k in en if en[k] == zh[k] and re.search("[a-z]{4}", en[k])]
    assert not same, same
    fields = [k for k in en if set(re.findall(r"\{(\w*)\}", en[k])) != set(re.findall(r"\{(\w*)\}", zh[k]))]
    assert not fields, fields  # a placeholder one language lacks would fail at run time


def test_json_round_trips(example_data: ReportData) -> None:
    data = json.loads(render(example_data, ReportFormat.JSON))
    assert data["plan"]["status"] == "optimal"
    assert data["comparison"]["topsis_order"] == example_data.comparison.topsis_order
    assert data["fleet"]["ratios"]["overall"]["count"]["total"] == 832


def test_markdown_has_the_sections_as_tables(example_data: ReportData) -> None:
    text = render(example_data, ReportFormat.MARKDOWN)
    headings = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
    assert len(headings) == len(SECTIONS)
    for year in example_data.years:
        assert re.search(rf"^\| {year} \|", text, flags=re.MULTILINE)
    tables = [block.splitlines() for block in text.split("\n\n") if block.startswith("|")]
    assert len(tables) >= 10
    for table in tables:  # every row has as many cells as the header: pipes inside cells are escaped
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in table}
        assert len(widths) == 1, table


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_every_format_renders_a_report_without_a_plan(example_data: ReportData, fmt: ReportFormat) -> None:
    data = example_data.model_copy(update={"plan": None, "monte_carlo": None, "scan": None, "recommendation": None})
    text = render(data, fmt, Language.ZH)
    assert len(text) > 1000


def test_every_scan_rule_has_a_chinese_title_and_no_stale_one() -> None:
    text = (resources.files("chipshift.report") / "messages" / "scan_rules.zh.yaml").read_text(encoding="utf-8")
    titles = yaml.safe_load(text)
    rules = {rule.id for rule in load_rules().rules}
    assert set(titles) == rules
    assert all(title.count("`") % 2 == 0 for title in titles.values())  # code spans closed
