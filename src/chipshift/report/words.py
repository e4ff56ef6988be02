"""Phrases built from the report's structured data in the report's language (HTML, Markdown and the CLI share them).

The data carries ids, numbers and codes; the words come from the message catalog ``m`` (``messages/en.yaml``,
``messages/zh.yaml``), so nothing English leaks into a Chinese report through a pre-formatted string. Ids (sites,
candidates, rules, workloads) pass through ``mark``: the HTML writer tags them, Markdown puts them in code spans, the
CLI leaves them as they are. A code the catalog has no words for is shown as the id it is, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from chipshift.report.model import (
    Binding,
    CriterionInfo,
    Exclusion,
    RatioTarget,
    Reason,
    Risk,
    RuleApplied,
    RuleChange,
    SourceLine,
    TargetOutlook,
    TopRule,
    Violation,
    WorkloadFit,
)
from chipshift.report.numbers import number, percent

Mark = Callable[[str], str]
"""How a phrase shows an id: tagged in HTML, a code span in Markdown, as it is in the CLI."""


def plain(text: str) -> str:
    """An id as it is (the CLI's mark)."""
    return text


def in_chinese(m: Mapping[str, str]) -> bool:
    """Whether ``m`` is the Chinese catalog."""
    return m.get("language") == "zh"


def pick(m: Mapping[str, str], english: str, chinese: str) -> str:
    """The Chinese text in a Chinese report when there is one, else the English."""
    return chinese if in_chinese(m) and chinese else english


def slug(text: str) -> str:
    """A catalog key part from free words (``Time limit reached`` -> ``time_limit_reached``)."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def term(m: Mapping[str, str], group: str, code: str, mark: Mark = plain) -> str:
    """A code in the report's words (``plan_status`` ``optimal`` -> ``optimal``, ``最优``), looked up as it is or
    as a :func:`slug` (``not covered`` -> ``export_class_not_covered``); one the catalog lacks: the code, marked."""
    return m.get(f"{group}_{code}") or m.get(f"{group}_{slug(code)}") or mark(code)


def unit(m: Mapping[str, str], text: str, name: str) -> str:
    """A header with its unit: ``Cost (M CNY)``, ``金额（万元）``."""
    return text + m["unit_paren"].format(unit=name)


def currency_name(currency: str, m: Mapping[str, str]) -> str:
    """``CNY`` in English, ``元`` in Chinese."""
    return m.get(f"currency_{currency.lower()}", f" {currency}").strip()


def target_phrase(t: TargetOutlook, m: Mapping[str, str], mark: Mark = plain) -> str:
    """``fleet: count ≥ 80%`` in the report's words."""
    scope = m["scope_fleet"] if t.scope == "fleet" else mark(t.scope)
    return f"{scope}{m['colon']}{term(m, 'metric', t.metric)} ≥ {percent(t.required)}"


def ratio_target_phrase(metric: str, share: float, m: Mapping[str, str]) -> str:
    """``count ≥ 80.0%`` in the report's words."""
    return f"{term(m, 'metric', metric)} ≥ {percent(share)}"


def risk_phrase(r: Risk, m: Mapping[str, str], mark: Mark = plain) -> str:
    """The tornado input in the report's words (``price of cloudmatrix-384``)."""
    named = m["risk_" + r.kind].format(subject=mark(r.subject))
    return f"{named} {m['change_' + r.change]}" if r.change else named


def _rule_list(ids: Sequence[str], m: Mapping[str, str], rules: Sequence[RuleApplied], mark: Mark) -> str:
    titles = {r.id: pick(m, r.title, r.title_zh) for r in rules}
    return m["list_sep"].join(f"{titles[i]} [{mark(i)}]" if i in titles else mark(i) for i in ids)


def reason_phrase(
    w: Reason,
    m: Mapping[str, str],
    rules: Sequence[RuleApplied],
    currency: str,
    *,
    mark: Mark = plain,
    gates: Sequence[Exclusion] = (),
    fits: Mapping[str, Sequence[WorkloadFit]] | None = None,
) -> str:
    """Why a candidate is or is not in the plan, with its figures, in the report's words (``gates`` and ``fits``
    word a gated candidate's gate; without them its gate's English detail is shown)."""
    text = m["reason_" + w.code]
    money_unit = currency_name(currency, m)
    gate = next((g for g in gates if g.id == w.candidate), None)
    if w.code == "bought" and w.units is not None:
        units = m["reason_units_one" if w.units == 1 else "reason_units"].format(units=w.units)
        return text + m["paren"].format(text=units + _tco(w.tco_per_mtok, m, money_unit))
    if w.code == "costlier" and w.tco_per_mtok is not None and w.against_tco_per_mtok is not None:
        against = m["reason_against"].format(
            tco=f"{w.tco_per_mtok:,.2f} {money_unit}",
            against=mark(w.against or ""),
            against_tco=f"{w.against_tco_per_mtok:,.2f} {money_unit}",
        )
        return text + m["paren"].format(text=against)
    if gate is not None:
        return text + m["paren"].format(text=gate_phrase(gate, m, rules, (fits or {}).get(gate.id, ()), mark))
    if w.rules:
        return text + m["paren"].format(text=_rule_list(w.rules, m, rules, mark))
    if w.detail:
        return text + m["paren"].format(text=english(w.detail, m))
    return text


def _tco(value: float | None, m: Mapping[str, str], money_unit: str) -> str:
    return "" if value is None else m["list_sep"] + m["reason_tco"].format(tco=f"{value:,.2f} {money_unit}")


def english(text: str, m: Mapping[str, str]) -> str:
    """An engine's English sentence: as it is in English, said to be English in another language."""
    return text if not in_chinese(m) else m["in_english"].format(text=text)


def gate_phrase(
    e: Exclusion, m: Mapping[str, str], rules: Sequence[RuleApplied], fits: Sequence[WorkloadFit], mark: Mark = plain
) -> str:
    """Which hard gate removed a candidate, and why, in the report's words."""
    if e.code == "other":
        return english(e.reason, m)
    text = m[f"gate_{e.code}"].format(given=e.given or "", field=mark("candidates[].price"))
    if e.code == "blocked" and e.rules:
        return text + m["colon"] + _rule_list(e.rules, m, rules, mark)
    if e.code == "no-workload":
        return text + m["colon"] + fit_problems(fits or (), m, mark)
    return text


def fit_problems(fits: Sequence[WorkloadFit], m: Mapping[str, str], mark: Mark = plain) -> str:
    """The workloads that do not fit, grouped by why."""
    groups: dict[str, list[str]] = {}
    for f in fits:
        if not f.fits:
            groups.setdefault(fit_phrase(f, m), []).append(mark(f.workload))
    return m["list_sep"].join(f"{m['list_sep_short'].join(names)}{m['colon']}{why}" for why, names in groups.items())


def precision_note(f: WorkloadFit, precision_of: Mapping[str, str]) -> str | None:
    """The precision a candidate runs a workload at, when it is not the workload's own (an accepted alternative)."""
    if not f.fits or f.precision is None or f.precision == precision_of.get(f.workload, f.precision).lower():
        return None
    return f.precision


def fit_phrase(f: WorkloadFit, m: Mapping[str, str]) -> str:
    """Why a candidate cannot serve a workload: the performance model's sentence in English, its code's words in
    another language (the training search's "on up to 1,048,576 x" is worded plainly in both)."""
    if f.problem is None:
        return ""
    if f.problem == "training-time" or (in_chinese(m) and f.problem != "other"):
        figure = term(m, "figure", slug(f.missing_figure or ""), lambda text: f.missing_figure or text)
        return m[f"fit_{f.problem}"].format(figure=figure)
    return english(f.reason or f.problem, m)


def solver_phrase(message: str, m: Mapping[str, str]) -> str:
    """The solver's own status (``Optimal``) in the report's words; one the catalog lacks, said to be English."""
    return m.get(f"solver_{slug(message)}") or english(f"HiGHS: {message}", m)


def units_phrase(units: int, kind: str, m: Mapping[str, str]) -> str:
    """``1 system``, ``7 servers``, ``7 台服务器``."""
    return f"{units} {m['unit_' + kind + ('_one' if units == 1 else '')]}"


def rule_change_phrase(c: RuleChange, m: Mapping[str, str], mark: Mark = plain) -> str:
    """``Title [rule-id] ends`` in the report's words."""
    title = pick(m, c.title, c.title_zh)
    named = mark(title) if title == c.subject else f"{title} [{mark(c.subject)}]"
    return f"{named}{m['colon']}{m['change_' + c.change]}"


def rule_change_why(c: RuleChange, m: Mapping[str, str], mark: Mark = plain) -> str:
    """Why the chance: the rule's outlook (with its confidence), or the scenario's own figure."""
    if c.why_kind != "outlook":
        return m[f"why_{c.why_kind}"].format(field=mark(_SCENARIO_FIELD[c.why_kind]))
    if not in_chinese(m):
        return c.why
    confidence = m["paren"].format(text=term(m, "confidence", c.confidence, mark)) if c.confidence else ""
    return f"{c.why_zh}{confidence}"


_SCENARIO_FIELD = {"scenario-chance": "monte_carlo.outlook_probability", "scenario-event": "monte_carlo.events"}


def chances_phrase(c: RuleChange) -> str:
    """``15% a year, 2026-2027`` as language-neutral figures (``15% (2026–2027)``)."""
    years = sorted(c.chances)
    values = {c.chances[y] for y in years}
    if len(values) == 1:
        span = str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
        return f"{percent(values.pop())} ({span})"
    return ", ".join(f"{y}: {percent(c.chances[y])}" for y in years)


def criterion_name(c: CriterionInfo, m: Mapping[str, str], mark: Mark = plain) -> str:
    """A decision criterion's readable name (``workloads_covered`` -> ``Workloads it can run``)."""
    return term(m, "criterion", c.id, mark)


def criterion_unit(c: CriterionInfo, m: Mapping[str, str], currency: str) -> str:
    """A criterion's unit in the report's words, the currency named."""
    return m.get(f"criterion_unit_{c.id}", c.unit).format(currency=currency_name(currency, m))


def criterion_value(c: CriterionInfo, value: float) -> str:
    """A criterion's value as its unit reads: shares as percentages, scores 0-1 with two decimals."""
    if c.id == "workloads_covered":
        return f"{value:.0%}"
    if c.unit == "0-1":
        return f"{value:.2f}"
    if c.id == "tco_per_mtok":
        return f"{value:,.2f}"
    return number(value)


def scan_rule_title(r: TopRule, m: Mapping[str, str]) -> tuple[str, bool]:
    """A scan rule's title in the report's language, and whether it is the English one (no translation)."""
    translated = m.get(f"scan_rule_{r.rule}") if in_chinese(m) else None
    if translated:
        return translated, False
    return r.title or r.message, in_chinese(m)


def violation_subject(v: Violation, m: Mapping[str, str], targets: Sequence[TargetOutlook], mark: Mark = plain) -> str:
    """What a shortfall is about: the target in words, the workload, or the budget."""
    if v.kind == "target":
        found = next((t for t in targets if t.target == v.subject), None)
        return target_phrase(found, m, mark) if found else mark(v.subject)
    if v.kind == "budget":
        return m["capex"]
    return mark(v.subject)


def violation_amount(v: Violation, m: Mapping[str, str], money: Callable[[float], str]) -> str:
    """By how much, with its unit."""
    if v.unit == "share":
        return percent(v.amount)
    if v.unit == "money":
        return money(v.amount)
    return f"{number(v.amount)} {term(m, 'amount_unit', slug(v.unit))}"


def binding_amount(b: Binding, value: float, m: Mapping[str, str], money: Callable[[float], str]) -> str:
    """A limit's use or size, with its unit (money for the budget, kW for power, units for supply)."""
    if b.kind == "budget":
        return money(value)
    return f"{number(value)} {term(m, 'binding_unit', b.kind)}"


def source_line(
    s: SourceLine,
    m: Mapping[str, str],
    export_status: Mapping[str, str],
    rules: Sequence[RuleApplied] = (),
    mark: Mark = plain,
) -> tuple[str, str, bool]:
    """One line of the sources list: what it is the source of, the source, and whether that is as written (the
    scenario's or the catalog's own words) rather than the report's."""
    label = m[f"source_{s.kind}"].format(subject=mark(s.subject or ""))
    if s.kind == "export":
        if not in_chinese(m):
            return label, s.text or m["unknown"], False
        status = term(m, "export_status", export_status.get(s.subject or "", ""), mark)
        return label, status + (m["colon"] + _rule_list(s.rules, m, rules, mark) if s.rules else ""), False
    if s.origin == "chipshift":
        return label, m[f"source_{s.kind}_text"].format(**s.figures), False
    if s.origin == "catalog":
        confidence = term(m, "confidence", s.confidence or "", mark)
        return label, m["source_catalog"].format(ref=mark(s.text or ""), confidence=confidence, as_of=s.as_of), False
    if s.text is None:
        return label, m["unknown"], False
    return label, s.text, s.origin == "scenario"


def target_source_line(t: RatioTarget, m: Mapping[str, str], mark: Mark = plain) -> tuple[str, str, bool]:
    """The sources list's line for one target: the target in words and its source as written."""
    scope = t.scope.site or t.scope.sector
    label = m["source_target"].format(target=ratio_target_phrase(t.metric, t.min_share, m), year=t.year)
    if scope:
        label += m["paren"].format(text=mark(scope))
    return label, t.source or m["not_given"], t.source is not None
