"""One self-contained HTML file: inline CSS and SVG, no script, nothing fetched (many users are air-gapped)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined

from chipshift.report.figures import all_figures
from chipshift.report.i18n import Language, messages
from chipshift.report.model import ReportData
from chipshift.report.numbers import money, number, percent
from chipshift.report.words import (
    chances_phrase,
    reason_phrase,
    risk_phrase,
    rule_change_phrase,
    target_phrase,
    units_phrase,
)


def _template() -> Any:
    text = (resources.files("chipshift.report") / "templates" / "report.html.j2").read_text(encoding="utf-8")
    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(text)


def _share(data: ReportData, index: int) -> float | None:
    return data.ratio_path[index].count if data.ratio_path else None


def write_html(data: ReportData, lang: Language) -> str:
    """The report as one HTML document."""
    m = messages(lang)
    now = _share(data, 0) if data.fleet.ratios else None
    return str(
        _template().render(
            d=data,
            m=m,
            lang="zh-CN" if lang is Language.ZH else "en",
            figures=all_figures(data, m),
            rows={row.id: row for row in data.comparison.candidates},
            ratio_now=now,
            ratio_end=_share(data, -1),
            assumptions=yaml.safe_dump(data.assumptions, allow_unicode=True, sort_keys=False),
            num=number,
            pct=percent,
            money=lambda v: money(v, data.currency, m),
            units=lambda n, kind: units_phrase(n, kind, m),
            target_phrase=lambda t: target_phrase(t, m),
            risk_phrase=lambda r: risk_phrase(r, m),
            rule_change_phrase=lambda c: rule_change_phrase(c, m),
            chances_phrase=chances_phrase,
            reason_phrase=lambda w: reason_phrase(w, m, data.rules, data.currency),
        )
    )
