"""The report as Markdown (GitHub-flavoured tables): the same sections as the HTML report, without the charts.

Words come from the message catalog through :mod:`chipshift.report.words`; ids are code spans, so a reader (and the
tests) can tell an id from a word in either language.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from chipshift.report import words
from chipshift.report.i18n import Language, messages
from chipshift.report.model import Recommendation, ReportData, UnitLine, Violation, WorkloadFit
from chipshift.report.numbers import money, money_amount, money_unit
from chipshift.report.numbers import number as _num
from chipshift.report.numbers import percent as _pct

METRICS = ("count", "compute", "value")


def code(text: str) -> str:
    """An id as a code span (backticks inside it doubled away)."""
    return f"`{text.replace('`', '')}`" if text else ""


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


class _Writer:
    def __init__(self, data: ReportData, lang: Language) -> None:
        self.d = data
        self.m = messages(lang)
        self.unit = money_unit(data.currency, self.m)[0]
        self.fits = {c.id: c.fits for c in data.candidates + data.fleet_chips}
        self.precision_of = {w.id: w.precision for w in data.workloads}

    def money(self, value: float | None) -> str:
        return money(value, self.d.currency, self.m)

    def amount(self, value: float | None) -> str:
        return money_amount(value, self.d.currency, self.m)

    def hdr(self, key: str, unit: str | None = None) -> str:
        return words.unit(self.m, self.m[key], unit or self.unit)

    def term(self, group: str, value: str) -> str:
        return words.term(self.m, group, value, code)

    def recommendation(self) -> list[str]:
        m, d, r = self.m, self.d, self.d.recommendation
        lines = [f"## {m['recommendation']}", ""]
        if r is None or d.plan is None:
            return [*lines, m["not_supported"], ""]
        lines += [f"**{m['verdict_' + r.status.replace('-', '_')]}**", ""]
        lines += [
            f"- {m['npv']}{m['colon']}**{self.money(r.cost.npv)}**",
            f"- {m['capex_total']}{m['colon']}{self.money(d.plan.capex_total)}",
        ]
        if d.monte_carlo:
            lines.append(f"- {m['all_met']}{m['colon']}**{_pct(d.monte_carlo.all_met_share)}**")
        path = d.ratio_path
        if path:
            lines.append(f"- {m['share_now_end']}{m['colon']}{_pct(path[0].count)} → {_pct(path[-1].count)}")
        lines += ["", f"### {m['what_to_buy']}", ""]
        header = [m["year"], m["site"], m["candidate"], m["units"], m["chips"], self.hdr("cost")]
        rows = [self._unit_row(p, p.unit_kind) for p in r.purchases + r.leases]
        lines += _table(header, rows) if rows else [m["nothing_to_buy"], ""]
        lines += [f"### {m['what_to_retire']}", ""]
        header = [m["year"], m["site"], m["candidate"], m["units"], m["chips"], self.hdr("resale")]
        retired = [self._unit_row(x, "server") for x in r.retirements]
        lines += _table(header, retired) if retired else [m["nothing_to_retire"], ""]
        if r.moves:
            moves = [
                (x.year, code(x.site), code(x.destination or ""), x.name, words.units_phrase(x.units, "server", m))
                for x in r.moves
            ]
            lines += [f"### {m['what_to_move']}", ""]
            lines += _table([m["year"], m["site"], m["destination"], m["candidate"], m["units"]], moves)
        for port in r.ports:
            line = m["port_line"].format(target=code(port.target), cost=self.money(port.cost), year=port.ready_year)
            lines += [f"- {line}", ""]
        return lines + self.money_and_outlook(r)

    def _unit_row(self, line: UnitLine, kind: str) -> tuple[object, ...]:
        units = words.units_phrase(line.units, kind, self.m)
        return line.year, code(line.site), line.name, units, _num(line.chips), self.amount(line.money)

    def money_and_outlook(self, r: Recommendation) -> list[str]:
        return [
            *self._money(r),
            *self._targets(r),
            *self._years(r),
            *self._risks(r),
            *self._shortfalls(r),
            *self._why(r),
        ]

    def _money(self, r: Recommendation) -> list[str]:
        m, amount, hdr = self.m, self.amount, self.hdr
        header = [m["year"], hdr("capex"), hdr("budget"), hdr("running_cost"), hdr("resale"), hdr("porting_cost")]
        rows = [
            (y.year, amount(y.capex), amount(y.budget), amount(y.opex), amount(y.resale), amount(y.porting))
            for y in r.money
        ]
        c = r.cost
        parts = {
            k: self.money(getattr(c, k)) for k in ("capex", "opex", "risk", "porting", "moves", "resale", "residual")
        }
        return [
            f"### {m['money_by_year']}",
            "",
            *_table(header, rows),
            m["npv_parts"].format(**parts, npv=self.money(c.npv)),
            "",
        ]

    def _targets(self, r: Recommendation) -> list[str]:
        m = self.m
        if not r.targets:
            return []
        header = [
            m["target"],
            m["year"],
            m["required"],
            m["planned"],
            m["met"],
            m["probability"],
            m["expected_shortfall"],
        ]
        rows = [
            (words.target_phrase(t, m, code), t.year, _pct(t.required), _pct(t.planned),
             m["answer_yes"] if t.met else m["answer_no"], _pct(t.probability), _pct(t.expected_shortfall))
            for t in r.targets
        ]  # fmt: skip
        return [f"### {m['targets_outlook']}", "", *_table(header, rows)]

    def _years(self, r: Recommendation) -> list[str]:
        m = self.m
        rows = [(y.year, _pct(y.demand_probability), _pct(y.budget_probability)) for y in r.years]
        return [f"### {m['years_outlook']}", "", *_table([m["year"], m["p_demand"], m["p_budget"]], rows)]

    def _risks(self, r: Recommendation) -> list[str]:
        m = self.m
        if not r.risks:
            return []
        header = [m["input"], m["low_value"], m["high_value"], m["npv_range"], m["target_or_demand"]]
        rows = [
            (words.risk_phrase(k, m, code), k.low_label, k.high_label,
             f"{self.money(k.npv_low)} → {self.money(k.npv_high)}", m["causes_miss"] if k.misses else "")
            for k in r.risks
        ]  # fmt: skip
        return [f"### {m['risks']}", "", *_table(header, rows)]

    def _shortfalls(self, r: Recommendation) -> list[str]:
        if not r.shortfalls:
            return []
        return [f"### {self.m['shortfalls']}", "", *self._violations(r.shortfalls)]

    def _violations(self, violations: Sequence[Violation]) -> list[str]:
        m, targets = self.m, self.d.recommendation.targets if self.d.recommendation else []
        rows = [
            (self.term("violation_kind", v.kind), v.year, words.violation_subject(v, m, targets, code),
             words.violation_amount(v, m, self.money), _pct(v.relative))
            for v in violations
        ]  # fmt: skip
        return _table([m["violation_kind"], m["year"], m["subject"], m["amount"], m["relative"]], rows)

    def _why(self, r: Recommendation) -> list[str]:
        m, d = self.m, self.d
        lines = [f"### {m['why']}", "", m["top_ranked_note"], ""]
        for w in r.why:
            why = words.reason_phrase(w, m, d.rules, d.currency, mark=code, gates=d.comparison.excluded, fits=self.fits)
            text = f"- **{code(w.candidate)}**{m['colon']}{why}"
            if w.forced_npv_delta is not None:
                text += m["list_sep"] + m["forced_cost"].format(delta=self.money(w.forced_npv_delta))
            lines.append(text)
        return [*lines, ""]

    def fleet(self) -> list[str]:
        m, d = self.m, self.d
        lines = [f"## {m['fleet']}", ""]
        ratios = d.fleet.ratios
        if ratios:
            rows = []
            for k, s in ratios.overall.items():
                if k == "value":
                    rows.append(
                        (
                            self.term("metric", k),
                            self.unit,
                            self.amount(s.domestic),
                            self.amount(s.total),
                            _pct(s.ratio),
                        )
                    )
                else:
                    unit = self.term("fleet_unit", ratios.units.get(k, ""))
                    rows.append((self.term("metric", k), unit, _num(s.domestic), _num(s.total), _pct(s.ratio)))
            lines += _table([m["metric"], m["unit"], m["domestic"], m["total"], m["domestic_share"]], rows)
            by = [m["domestic_share_by"].format(metric=m["metric_" + k]) for k in METRICS]
            site_rows = [
                (code(site), *(_pct(shares[k].ratio) for k in METRICS)) for site, shares in ratios.by_site.items()
            ]
            lines += _table([m["site"], *by], site_rows)
        else:
            lines += [m["fleet_none"], ""]
        if d.ratio_path:
            by = [m["domestic_share_by"].format(metric=m["metric_" + k]) for k in METRICS]
            path_rows = [
                (m["now"] if p.label == "now" else p.label, *(_pct(getattr(p, k)) for k in METRICS))
                for p in d.ratio_path
            ]
            lines += _table([m["year"], *by], path_rows)
        targets = [
            (words.ratio_target_phrase(t.metric, t.min_share, m), t.year,
             code(t.scope.site or t.scope.sector or "") or m["scope_fleet"], t.source or m["not_given"])
            for t in d.targets
        ]  # fmt: skip
        return lines + _table([m["target"], m["from_year"], m["scope"], m["source"]], targets)

    def comparison(self) -> list[str]:
        m, c = self.m, self.d.comparison
        lines = [f"## {m['comparison']}", ""]
        if c.excluded:
            lines += [f"### {m['excluded']}", ""]
            rows = [
                (code(e.id), words.gate_phrase(e, m, self.d.rules, self.fits.get(e.id, ()), code)) for e in c.excluded
            ]
            lines += _table([m["candidate"], m["reason"]], rows)
        weights = m["list_sep_short"].join(f"{self.term('dimension', k)} {v:.2f}" for k, v in c.weights.items())
        cr = c.consistency_ratio
        cr_text = f" · {m['consistency_ratio']} {cr:.3f}" if cr is not None else ""
        method = self.term("weights_method", c.weights_method)
        lines += [f"{m['weights_method']}{m['colon']}{method}{cr_text} · {m['weights']}{m['colon']}{weights}", ""]
        return lines + self._matrix() + self._sensitivity() + self.candidates()

    def _matrix(self) -> list[str]:
        m, c = self.m, self.d.comparison
        rows_by_id = {row.id: row for row in c.candidates}
        order = c.topsis_order
        header = [
            m["criterion"],
            m["dimension"],
            m["unit"],
            m["better"],
            *(f"{i}. {code(cid)}" for i, cid in enumerate(order, 1)),
        ]
        rows: list[Sequence[object]] = [
            (m["topsis"], "", m["score_unit"], m["better_more"], *(f"{rows_by_id[i].topsis:.3f}" for i in order)),
            (
                m["weighted_sum"],
                "",
                m["score_unit"],
                m["better_more"],
                *(f"{rows_by_id[i].weighted_sum:.3f}" for i in order),
            ),
        ]
        rows += [
            (words.criterion_name(k, m, code), self.term("dimension", k.dimension),
             words.criterion_unit(k, m, self.d.currency), m["better_more"] if k.benefit else m["better_less"],
             *(words.criterion_value(k, rows_by_id[i].criteria[k.id]) for i in order))
            for k in c.criteria
        ]  # fmt: skip
        return [f"### {m['criteria_table']}", "", *_table(header, rows)]

    def _sensitivity(self) -> list[str]:
        m = self.m
        sens = [
            (self.term("dimension", r.dimension), f"{r.weight:.2f}", f"{r.low:.2f}", f"{r.high:.2f}",
             code(r.below or "") or "—", code(r.above or "") or "—")
            for r in self.d.comparison.sensitivity
        ]  # fmt: skip
        header = [m["dimension"], m["weight"], m["low"], m["high"], m["below"], m["above"]]
        return [f"### {m['sensitivity']}", "", m["sensitivity_note"], "", *_table(header, sens)]

    def candidates(self) -> list[str]:
        m, d = self.m, self.d
        currency = words.currency_name(d.currency, m)
        header = [m["candidate"], m["export_class"], m["export_status"], self.hdr("price_per_chip", currency),
                  self.hdr("power", "W"), self.hdr("porting_effort", m["person_days"])]  # fmt: skip
        everyone = d.candidates + d.fleet_chips
        rows = [
            (code(e.id), self.term("export_class", e.export_class), self.term("export_status", e.export_status),
             _num(e.price_per_chip), _num(e.power_w), _num(e.porting_person_days))
            for e in everyone
        ]  # fmt: skip
        per_mtok = m["per_mtok"].format(currency=currency)
        header_w = [m["candidate"]]
        for w in d.workloads:
            header_w += [f"{code(w.id)}{m['colon']}{self.hdr('throughput_per_chip', m['tokens_per_s'])}",
                         f"{code(w.id)}{m['colon']}{self.hdr('tco_short', per_mtok)}"]  # fmt: skip
        rows_w = [(code(e.id), *(cell for f in e.fits for cell in self._fit_cells(f))) for e in everyone]
        return [f"### {m['candidates_facts']}", "", *_table(header, rows), f"### {m['candidates_workloads']}", "",
                *_table(header_w, rows_w), m["candidates_workloads_note"], ""]  # fmt: skip

    def _fit_cells(self, f: WorkloadFit) -> tuple[str, str]:
        if not f.fits:
            return "✗ " + words.fit_phrase(f, self.m), "—"
        note = words.precision_note(f, self.precision_of)
        rate = _num(f.tokens_per_s_per_chip) + ("" if note is None else f" ({code(note)})")
        return rate, "—" if f.tco_per_mtok is None else f"{f.tco_per_mtok:,.2f}"

    def plan(self) -> list[str]:
        m, plan = self.m, self.d.plan
        lines = [f"## {m['plan']}", ""]
        if not plan:
            return [*lines, m["not_supported"], ""]
        gap = f" · {m['gap']} {_pct(plan.gap)}" if plan.gap is not None else ""
        solver = m["paren"].format(text=words.solver_phrase(plan.message, m)) if plan.message else ""
        phases = " → ".join(self.term("phase", p) for p in plan.phases)
        lines += [
            f"{m['status']}{m['colon']}**{self.term('plan_status', plan.status)}** · {m['method']}{m['colon']}"
            f"{self.term('plan_method', plan.method)}{solver} · {m['phases']}{m['colon']}{phases}{gap} · "
            f"{m['solve_time']} {plan.solve_s:.1f} {m['seconds']}",
            "",
        ]
        rows = [
            (y.year, self._lines(y.purchases, units=True), self._lines(y.retirements, units=False),
             self.amount(y.money.capex), self.amount(y.money.opex), self.amount(y.money.resale),
             *(_pct(y.domestic_share.get(k)) for k in METRICS))
            for y in plan.years
        ]  # fmt: skip
        header = [m["year"], m["purchases"], m["retirements"], self.hdr("capex"), self.hdr("opex"), self.hdr("resale")]
        lines += _table(header + [m["domestic_share_by"].format(metric=m["metric_" + k]) for k in METRICS], rows)
        lines += [f"### {m['violations']}", ""]
        lines += self._violations(plan.violations) if plan.violations else [m["no_violations"], ""]
        if plan.binding:
            cash = self.money
            rows = [
                (self.term("binding_kind", b.kind), b.year, m["capex"] if b.kind == "budget" else code(b.subject),
                 words.binding_amount(b, b.used, m, cash), words.binding_amount(b, b.limit, m, cash))
                for b in plan.binding
            ]  # fmt: skip
            header = [m["limit_kind"], m["year"], m["subject"], m["used"], m["limit"]]
            lines += [f"### {m['binding']}", "", *_table(header, rows)]
        return lines

    def _lines(self, lines: list[UnitLine], *, units: bool) -> str:
        m = self.m
        return (
            m["list_sep"].join(
                f"{code(line.site)}{m['colon']}"
                + (
                    words.units_phrase(line.units, line.unit_kind, m)
                    if units
                    else m["chips_of"].format(chips=line.chips)
                )
                + f" × {code(line.option)}"
                for line in lines
            )
            or "—"
        )

    def monte_carlo(self) -> list[str]:
        m, mc = self.m, self.d.monte_carlo
        lines = [f"## {m['monte_carlo']}", ""]
        if not mc:
            return [*lines, m["mc_none"], ""]
        lines += [m[f"mc_fix_{mc.fix}"], ""]
        rows: list[tuple[str, object]] = [
            (m["runs"], mc.runs),
            (m["seed"], mc.seed),
            (m["executor"], self.term("executor", mc.executor)),
            (m["all_met"], _pct(mc.all_met_share)),
            (m["npv_p5"], self.money(mc.npv_p5)),
            (m["npv_p50"], self.money(mc.npv_p50)),
            (m["npv_p95"], self.money(mc.npv_p95)),
            (m["npv_mean"], self.money(mc.npv_mean)),
        ]
        lines += _table(["", ""], rows)
        if mc.tornado:
            rows_t = [
                (words.risk_phrase(k, m, code), k.low_label, k.high_label, self.money(k.npv_low),
                 self.money(k.npv_high), m["causes_miss"] if k.misses else "")
                for k in mc.tornado
            ]  # fmt: skip
            header = [m["input"], m["low_value"], m["high_value"], m["chart_tornado_low"], m["chart_tornado_high"],
                      m["target_or_demand"]]  # fmt: skip
            lines += [f"### {m['tornado']}", "", *_table(header, rows_t)]
        if mc.rule_changes:
            rows_c = [
                (words.rule_change_phrase(c, m, code), words.chances_phrase(c), _pct(c.happened_share),
                 m["list_sep_short"].join(code(x) for x in c.candidates), words.rule_change_why(c, m, code))
                for c in mc.rule_changes
            ]  # fmt: skip
            header = [m["rule_change"], m["chance_per_year"], m["happened_in"], m["can_touch"], m["why_chance"]]
            lines += [f"### {m['rule_changes']}", "", *_table(header, rows_c)]
        return lines

    def effort(self) -> list[str]:
        m, scan = self.m, self.d.scan
        lines = [f"## {m['effort']}", ""]
        if not scan:
            return [*lines, m["effort_none"], ""]
        lines += [
            f"{m['files']} {_num(scan.files)} · {m['lines']} {_num(scan.lines)} · "
            f"{m['findings']} {_num(scan.findings)}",
            "",
        ]
        rows = [(code(t), f"{days:.1f}", f"{scan.lock_in[t]:.0f}") for t, days in scan.effort_person_days.items()]
        lines += _table([m["scan_target"], self.hdr("porting_effort", m["person_days"]), m["lock_in"]], rows)
        rules = []
        for r in scan.top_rules:
            title, is_english = words.scan_rule_title(r, m)
            rules.append(
                (
                    code(r.rule),
                    r.count,
                    title + (f" {m['english_only']}" if is_english else ""),
                    code(r.matched or r.message),
                )
            )
        header = [m["rule"], m["count"], m["rule_finds"], m["first_match"]]
        return [*lines, f"### {m['top_rules']}", "", *_table(header, rules)]

    def sources(self) -> list[str]:
        m, d = self.m, self.d
        statuses = {c.id: c.export_status for c in d.candidates + d.fleet_chips}
        found = [words.source_line(s, m, statuses, d.rules, code) for s in d.sources]
        found += [words.target_source_line(t, m, code) for t in d.targets]
        lines = [f"## {m['sources']}", "", *(f"- {label}{m['colon']}{text}" for label, text, _ in found), ""]
        if d.rules:
            header = [m["effective"], m["jurisdiction"], m["rule_title"], m["rule_status"], m["confidence"],
                      m["chips_affected"], m["source"]]  # fmt: skip
            rows = [
                (r.effective + (f" – {r.ends}" if r.ends else ""), self.term("jurisdiction", r.jurisdiction),
                 f"{words.pick(m, r.title, r.title_zh)} {code(r.id)}", self.term("rule_status", r.status),
                 self.term("confidence", r.confidence), m["list_sep_short"].join(code(x) for x in r.chips), r.source)
                for r in d.rules
            ]  # fmt: skip
            lines += [f"### {m['rules_applied']}", "", *_table(header, rows)]
        return lines

    def document(self) -> str:
        d, m = self.d, self.m
        head = [
            f"# {m['report_title']}{m['colon']}{d.title}",
            "",
            f"{m['generated']}{m['colon']}{d.generated} · {d.tool} · {m['plan_years']}{m['colon']}"
            f"{', '.join(str(y) for y in d.years)} · {m['currency_label']}{m['colon']}{d.currency}",
            "",
        ]
        for note in d.notes:
            head += [words.english(note, m), ""]
        parts = [self.recommendation(), self.fleet(), self.comparison(), self.plan(), self.monte_carlo(), self.effort()]
        return "\n".join(head + [line for part in parts for line in part] + self.sources())


def write_markdown(data: ReportData, lang: Language) -> str:
    """The report as one Markdown document; any HTML in the data (titles, sites, sources) comes out inert.

    Markdown renderers pass raw HTML through, and this writer emits none of its own, so ``<``, ``>`` and ``&`` are
    escaped in the whole document: ``<script>`` from a scenario's title is shown, never run. A link written in the
    data whose target is a script or data URL (``[x](javascript:...)``) has its bracket escaped, so it shows as text.
    """
    return _UNSAFE_LINK.sub(r"\\](", html.escape(_Writer(data, lang).document(), quote=False))


_UNSAFE_LINK = re.compile(r"(?<!\\)\]\((?=\s*(?:javascript|vbscript|data|file):)", re.IGNORECASE)
"""``](`` opening a link to a URL scheme that runs or embeds something."""
