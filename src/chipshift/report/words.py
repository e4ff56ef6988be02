"""Phrases built from the report's structured data in the report's language (HTML, Markdown and the CLI share them).

The data carries ids, numbers and codes; the words come from the message catalog ``m`` (``messages/en.yaml``,
``messages/zh.yaml``), so nothing English leaks into a Chinese report through a pre-formatted string.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from chipshift.report.model import Reason, Risk, RuleApplied, RuleChange, TargetOutlook
from chipshift.report.numbers import percent


def target_phrase(t: TargetOutlook, m: Mapping[str, str]) -> str:
    """``fleet: count ≥ 80%`` in the report's words."""
    scope = m["scope_fleet"] if t.scope == "fleet" else t.scope
    return f"{scope}: {m['metric_' + t.metric]} ≥ {percent(t.required)}"


def risk_phrase(r: Risk, m: Mapping[str, str]) -> str:
    """The tornado input in the report's words (``price of cloudmatrix-384``)."""
    return m["risk_" + r.kind].format(subject=r.subject)


def reason_phrase(w: Reason, m: Mapping[str, str], rules: Sequence[RuleApplied], currency: str) -> str:
    """Why a candidate is or is not in the plan, with its figures, in the report's words."""
    text = m["reason_" + w.code]
    unit = m.get(f"currency_{currency.lower()}", f" {currency}").strip()
    if w.code == "bought" and w.units is not None:
        units = m["reason_units_one" if w.units == 1 else "reason_units"].format(units=w.units)
        text += " (" + units + _tco(w.tco_per_mtok, m, unit) + ")"
    elif w.code == "costlier" and w.tco_per_mtok is not None and w.against_tco_per_mtok is not None:
        text += (
            " ("
            + m["reason_against"].format(
                tco=f"{w.tco_per_mtok:,.2f} {unit}",
                against=w.against,
                against_tco=f"{w.against_tco_per_mtok:,.2f} {unit}",
            )
            + ")"
        )
    elif w.rules:
        zh = m.get("money_style") == "wan"
        titles = {r.id: (r.title_zh if zh else r.title) for r in rules}
        text += " (" + "; ".join(f"{titles.get(rule, rule)} [{rule}]" for rule in w.rules) + ")"
    elif w.detail:
        text += f" ({w.detail})"
    return text


def _tco(value: float | None, m: Mapping[str, str], unit: str) -> str:
    return "" if value is None else "; " + m["reason_tco"].format(tco=f"{value:,.2f} {unit}")


def units_phrase(units: int, kind: str, m: Mapping[str, str]) -> str:
    """``1 system``, ``7 servers``, ``7 台服务器``."""
    return f"{units} {m['unit_' + kind + ('_one' if units == 1 else '')]}"


def rule_change_phrase(c: RuleChange, m: Mapping[str, str]) -> str:
    """``Title [rule-id] ends`` in the report's words."""
    zh = m.get("money_style") == "wan"
    title = c.title_zh if zh else c.title
    named = title if title == c.subject else f"{title} [{c.subject}]"
    return f"{named}: {m['change_' + c.change]}"


def chances_phrase(c: RuleChange) -> str:
    """``15% a year, 2026-2027`` as language-neutral figures (``15% (2026–2027)``)."""
    years = sorted(c.chances)
    values = {c.chances[y] for y in years}
    if len(values) == 1:
        span = str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
        return f"{percent(values.pop())} ({span})"
    return ", ".join(f"{y}: {percent(c.chances[y])}" for y in years)
