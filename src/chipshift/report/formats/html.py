"""One self-contained HTML file: inline CSS and SVG, no script, nothing fetched (many users are air-gapped).

Every word comes from the message catalog (``report/messages``) through :mod:`chipshift.report.words`; what the
data gives as it is gets a class a reader's stylesheet (and the tests) can find: ids ``class="id"``, chip names
``class="name"``, sources as written ``class="source"``, the scenario's own words ``class="given"``, and an engine's
English sentence shown in a Chinese report ``lang="en"``.
"""

from __future__ import annotations

import re
from functools import partial
from importlib import resources
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined
from markupsafe import Markup, escape

from chipshift.report import words
from chipshift.report.figures import all_figures
from chipshift.report.i18n import Language, messages
from chipshift.report.marks import mark, tag
from chipshift.report.model import ReportData, Violation
from chipshift.report.numbers import money, money_amount, money_unit, number, percent


def _template() -> Any:
    text = (resources.files("chipshift.report") / "templates" / "report.html.j2").read_text(encoding="utf-8")
    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(text)


def phrase(text: str) -> Markup:
    """A phrase escaped, its marked ids tagged ``<span class="id">``."""
    return Markup(tag(str(escape(text))))


def tagged(cls: str, text: object) -> Markup:
    """Text as it is, escaped, in a span of ``cls`` (``id``, ``name``, ``source``, ``given``)."""
    return Markup('<span class="{}">{}</span>').format(cls, text)


def _code_spans(title: str, is_english: bool) -> tuple[Markup, bool]:
    """A scan rule's title, its backticked code in ``<code>`` (the Chinese titles mark code so)."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(title)))), is_english


def _as_written(line: tuple[str, str, bool]) -> tuple[Markup, Markup, bool]:
    label, text, as_written = line
    return phrase(label), (tagged("source", text) if as_written else phrase(text)), as_written


def _share(data: ReportData, index: int) -> float | None:
    return data.ratio_path[index].count if data.ratio_path else None


def _phrases(data: ReportData, m: dict[str, str]) -> dict[str, Any]:
    """The words helpers, bound to the report's catalog and tagging ids, each returning safe markup."""
    fits = {c.id: c.fits for c in data.candidates + data.fleet_chips}
    targets = data.recommendation.targets if data.recommendation else []
    cash = partial(money, currency=data.currency, m=m)
    statuses = {c.id: c.export_status for c in data.candidates + data.fleet_chips}

    def violation(v: Violation) -> Markup:
        return phrase(words.violation_subject(v, m, targets, mark))

    return {
        "target_phrase": lambda t: phrase(words.target_phrase(t, m, mark)),
        "ratio_target": lambda t: words.ratio_target_phrase(t.metric, t.min_share, m),
        "risk_phrase": lambda r: phrase(words.risk_phrase(r, m, mark)),
        "rule_change_phrase": lambda c: phrase(words.rule_change_phrase(c, m, mark)),
        "rule_change_why": lambda c: phrase(words.rule_change_why(c, m, mark)),
        "reason_phrase": lambda w: phrase(
            words.reason_phrase(w, m, data.rules, data.currency, mark=mark, gates=data.comparison.excluded, fits=fits)
        ),
        "gate_phrase": lambda e: phrase(words.gate_phrase(e, m, data.rules, fits.get(e.id, ()), mark)),
        "fit_phrase": lambda f: words.fit_phrase(f, m),
        "precision_note": partial(words.precision_note, precision_of={w.id: w.precision for w in data.workloads}),
        "violation_subject": violation,
        "violation_amount": lambda v: words.violation_amount(v, m, cash),
        "binding_amount": lambda b, value: words.binding_amount(b, value, m, cash),
        "criterion_name": lambda c: phrase(words.criterion_name(c, m, mark)),
        "criterion_unit": lambda c: words.criterion_unit(c, m, data.currency),
        "criterion_value": words.criterion_value,
        "scan_rule_title": lambda r: _code_spans(*words.scan_rule_title(r, m)),
        "t": lambda group, code: phrase(words.term(m, group, str(code), mark)),
        "english": lambda text: words.english(text, m),
        "solver": lambda message: words.solver_phrase(message, m),
        "source_line": lambda s: _as_written(words.source_line(s, m, statuses, data.rules, mark)),
        "target_source_line": lambda t: _as_written(words.target_source_line(t, m, mark)),
        "pick": lambda en, zh: words.pick(m, en, zh),
    }


def write_html(data: ReportData, lang: Language) -> str:
    """The report as one HTML document."""
    m = messages(lang)
    now = _share(data, 0) if data.fleet.ratios else None
    money_name, _ = money_unit(data.currency, m)
    return str(
        _template().render(
            d=data,
            m=m,
            lang="zh-CN" if lang is Language.ZH else "en",
            zh=lang is Language.ZH,
            figures=all_figures(data, m),
            rows={row.id: row for row in data.comparison.candidates},
            chips={c.id: c for c in data.candidates + data.fleet_chips},
            ratio_now=now,
            ratio_end=_share(data, -1),
            assumptions=yaml.safe_dump(data.assumptions, allow_unicode=True, sort_keys=False),
            num=number,
            pct=percent,
            money=lambda v: money(v, data.currency, m),
            amount=lambda v: money_amount(v, data.currency, m),
            money_unit=money_name,
            currency=words.currency_name(data.currency, m),
            hdr=lambda text, name: words.unit(m, text, name),
            units=lambda n, kind: words.units_phrase(n, kind, m),
            chances_phrase=words.chances_phrase,
            ident=partial(tagged, "id"),
            name=partial(tagged, "name"),
            source=partial(tagged, "source"),
            given=partial(tagged, "given"),
            **_phrases(data, m),
        )
    )
