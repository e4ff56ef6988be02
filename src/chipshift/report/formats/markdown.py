"""The report as Markdown (GitHub-flavoured tables): the same sections as the HTML report, without the charts."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from chipshift.report.i18n import Language, messages
from chipshift.report.model import Recommendation, ReportData, UnitLine
from chipshift.report.numbers import money
from chipshift.report.numbers import number as _num
from chipshift.report.numbers import percent as _pct
from chipshift.report.words import (
    chances_phrase,
    reason_phrase,
    risk_phrase,
    rule_change_phrase,
    target_phrase,
    units_phrase,
)

METRICS = ("count", "compute", "value")


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

    def money(self, value: float | None) -> str:
        return money(value, self.d.currency, self.m)

    def recommendation(self) -> list[str]:
        m, d, r = self.m, self.d, self.d.recommendation
        lines = [f"## {m['recommendation']}", ""]
        if r is None or d.plan is None:
            return [*lines, m["not_supported"], ""]
        lines += [f"**{m['verdict_' + r.status.replace('-', '_')]}**", ""]
        lines += [
            f"- {m['npv']}: **{self.money(r.cost.npv)}**",
            f"- {m['capex_total']}: {self.money(d.plan.capex_total)}",
        ]
        if d.monte_carlo:
            lines.append(f"- {m['all_met']}: **{_pct(d.monte_carlo.all_met_share)}**")
        path = d.ratio_path
        if path:
            lines.append(f"- {m['share_now_end']}: {_pct(path[0].count)} → {_pct(path[-1].count)}")
        lines += ["", f"### {m['what_to_buy']}", ""]
        header = [m["year"], m["site"], m["candidate"], m["units"], m["chips"], m["cost"]]
        rows = [
            (p.year, p.site, p.name, units_phrase(p.units, p.unit_kind, m), _num(p.chips), self.money(p.money))
            for p in r.purchases + r.leases
        ]
        lines += _table(header, rows) if rows else [m["nothing_to_buy"], ""]
        lines += [f"### {m['what_to_retire']}", ""]
        retired = [
            (x.year, x.site, x.name, units_phrase(x.units, "server", m), _num(x.chips), self.money(x.money))
            for x in r.retirements
        ]
        header = [m["year"], m["site"], m["candidate"], m["units"], m["chips"], m["resale"]]
        lines += _table(header, retired) if retired else [m["nothing_to_retire"], ""]
        if r.moves:
            moves = [(x.year, x.site, x.destination or "", x.name, units_phrase(x.units, "server", m)) for x in r.moves]
            lines += [f"### {m['what_to_move']}", ""]
            lines += _table([m["year"], m["site"], m["destination"], m["candidate"], m["units"]], moves)
        for port in r.ports:
            line = m["port_line"].format(target=port.target, cost=self.money(port.cost), year=port.ready_year)
            lines += [f"- {line}", ""]
        return lines + self.money_and_outlook(r)

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
        m, money = self.m, self.money
        header = [m["year"], m["capex"], m["budget"], m["running_cost"], m["resale"], m["porting_cost"]]
        rows = [
            (y.year, money(y.capex), money(y.budget), money(y.opex), money(y.resale), money(y.porting)) for y in r.money
        ]
        c = r.cost
        parts = {k: money(getattr(c, k)) for k in ("capex", "opex", "risk", "porting", "moves", "resale", "residual")}
        return [
            f"### {m['money_by_year']}",
            "",
            *_table(header, rows),
            m["npv_parts"].format(**parts, npv=money(c.npv)),
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
            (target_phrase(t, m), t.year, _pct(t.required), _pct(t.planned),
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
        header = [m["input"], m["low_value"], m["high_value"], m["npv_range"], ""]
        rows = [
            (risk_phrase(k, m), k.low_label, k.high_label, f"{self.money(k.npv_low)} → {self.money(k.npv_high)}",
             m["causes_miss"] if k.misses else "")
            for k in r.risks
        ]  # fmt: skip
        return [f"### {m['risks']}", "", *_table(header, rows)]

    def _shortfalls(self, r: Recommendation) -> list[str]:
        m = self.m
        if not r.shortfalls:
            return []
        rows = [(v.kind, v.year, v.subject, _num(v.amount), _pct(v.relative)) for v in r.shortfalls]
        header = [m["violation_kind"], m["year"], "", m["amount"], m["relative"]]
        return [f"### {m['shortfalls']}", "", *_table(header, rows)]

    def _why(self, r: Recommendation) -> list[str]:
        m = self.m
        lines = [f"### {m['why']}", "", m["top_ranked_note"], ""]
        for w in r.why:
            text = f"- **{w.candidate}**: {reason_phrase(w, m, self.d.rules, self.d.currency)}"
            if w.forced_npv_delta is not None:
                text += "; " + m["forced_cost"].format(delta=self.money(w.forced_npv_delta))
            lines.append(text)
        return [*lines, ""]

    def fleet(self) -> list[str]:
        m, d = self.m, self.d
        lines = [f"## {m['fleet']}", ""]
        ratios = d.fleet.ratios
        if ratios:
            rows = [(k, _num(s.domestic), _num(s.total), _pct(s.ratio)) for k, s in ratios.overall.items()]
            lines += _table([m["metric"], m["domestic"], m["total"], m["share"]], rows)
            site_rows = [(site, *(_pct(shares[k].ratio) for k in METRICS)) for site, shares in ratios.by_site.items()]
            lines += _table([m["site"], *METRICS], site_rows)
        else:
            lines += [m["fleet_none"], ""]
        if d.ratio_path:
            path_rows = [(p.label, *(_pct(getattr(p, k)) for k in METRICS)) for p in d.ratio_path]
            lines += _table([m["year"], *METRICS], path_rows)
        targets = [
            (f"{t.metric} ≥ {_pct(t.min_share)}", t.year, t.scope.site or t.scope.sector or "—", t.source or "")
            for t in d.targets
        ]
        return lines + _table([m["target"], m["from_year"], m["scope"], m["source"]], targets)

    def comparison(self) -> list[str]:
        m, c = self.m, self.d.comparison
        lines = [f"## {m['comparison']}", ""]
        if c.excluded:
            lines += [f"### {m['excluded']}", ""]
            lines += _table([m["candidate"], m["reason"]], [(e.id, e.reason) for e in c.excluded])
        weights = ", ".join(f"{k} {v:.2f}" for k, v in c.weights.items())
        cr = c.consistency_ratio
        cr_text = f"; {m['consistency_ratio']} {cr:.3f}" if cr is not None else ""
        lines += [f"{m['weights_method']}: {c.weights_method}{cr_text}; {weights}", ""]
        rows_by_id = {row.id: row for row in c.candidates}
        criteria = [k.id for k in c.criteria]
        rows = [
            (rank, cid, f"{rows_by_id[cid].topsis:.3f}", f"{rows_by_id[cid].weighted_sum:.3f}",
             *(_num(rows_by_id[cid].criteria[k]) for k in criteria))
            for rank, cid in enumerate(c.topsis_order, start=1)
        ]  # fmt: skip
        lines += _table([m["rank"], m["candidate"], m["topsis"], m["weighted_sum"], *criteria], rows)
        lines += [f"### {m['sensitivity']}", "", m["sensitivity_note"], ""]
        sens = [
            (r.dimension, f"{r.weight:.2f}", f"{r.low:.2f}", f"{r.high:.2f}", r.below or "—", r.above or "—")
            for r in c.sensitivity
        ]
        lines += _table([m["dimension"], m["weight"], m["low"], m["high"], m["below"], m["above"]], sens)
        return lines + self.candidates()

    def candidates(self) -> list[str]:
        m, d = self.m, self.d
        header = [m["candidate"], m["export_class"], m["export_status"], m["price_per_chip"], m["power_w"]]
        header += [m["porting_person_days"], *(f"{w.id}: {m['tokens_per_s_per_chip']}" for w in d.workloads)]
        rows = [
            (e.id, e.export_class, e.export_status, _num(e.price_per_chip), _num(e.power_w),
             _num(e.porting_person_days), *(_num(f.tokens_per_s_per_chip) if f.fits else "✗" for f in e.fits))
            for e in d.candidates + d.fleet_chips
        ]  # fmt: skip
        return [f"### {m['candidate']}", "", *_table(header, rows)]

    def plan(self) -> list[str]:
        m, plan = self.m, self.d.plan
        lines = [f"## {m['plan']}", ""]
        if not plan:
            return [*lines, m["not_supported"], ""]
        gap = f"; {m['gap']} {_pct(plan.gap)}" if plan.gap is not None else ""
        lines += [
            f"{m['status']}: **{plan.status}**; {m['method']}: {plan.method} ({plan.message}); {m['phases']}: "
            f"{' → '.join(plan.phases)}{gap}; {m['solve_time']} {plan.solve_s:.1f} s",
            "",
        ]
        rows = [
            (y.year, _lines(y.purchases), _lines(y.retirements), self.money(y.money.capex), self.money(y.money.opex),
             self.money(y.money.resale), *(_pct(y.domestic_share.get(k)) for k in METRICS))
            for y in plan.years
        ]  # fmt: skip
        header = [m["year"], m["purchases"], m["retirements"], m["capex"], m["opex"], m["resale"]]
        lines += _table(header + [f"{m['share']} ({k})" for k in METRICS], rows)
        lines += [f"### {m['violations']}", ""]
        if plan.violations:
            rows = [
                (v.kind, v.year, v.subject, f"{_num(v.amount)} {v.unit}", _pct(v.relative)) for v in plan.violations
            ]
            lines += _table([m["violation_kind"], m["year"], "", m["amount"], m["relative"]], rows)
        else:
            lines += [m["no_violations"], ""]
        if plan.binding:
            rows = [(b.kind, b.year, b.subject, _num(b.used), _num(b.limit)) for b in plan.binding]
            lines += [
                f"### {m['binding']}",
                "",
                *_table([m["violation_kind"], m["year"], "", m["used"], m["limit"]], rows),
            ]
        return lines

    def monte_carlo(self) -> list[str]:
        m, mc = self.m, self.d.monte_carlo
        lines = [f"## {m['monte_carlo']}", ""]
        if not mc:
            return [*lines, m["mc_none"], ""]
        lines += [m[f"mc_fix_{mc.fix}"], ""]
        rows: list[tuple[str, object]] = [
            (m["runs"], mc.runs),
            (m["seed"], mc.seed),
            (m["executor"], mc.executor),
            (m["all_met"], _pct(mc.all_met_share)),
            (m["npv_p5"], self.money(mc.npv_p5)),
            (m["npv_p50"], self.money(mc.npv_p50)),
            (m["npv_p95"], self.money(mc.npv_p95)),
            (m["npv_mean"], self.money(mc.npv_mean)),
        ]
        lines += _table(["", ""], rows)
        if mc.tornado:
            rows_t = [
                (risk_phrase(k, m), k.low_label, k.high_label, self.money(k.npv_low), self.money(k.npv_high),
                 m["causes_miss"] if k.misses else "")
                for k in mc.tornado
            ]  # fmt: skip
            header = [m["input"], m["low_value"], m["high_value"], m["low"], m["high"], ""]
            lines += [f"### {m['tornado']}", "", *_table(header, rows_t)]
        if mc.rule_changes:
            zh = m.get("money_style") == "wan"
            rows_c = [
                (rule_change_phrase(c, m), chances_phrase(c), _pct(c.happened_share), ", ".join(c.candidates),
                 c.why_zh if zh else c.why)
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
        lines += [f"{m['files']} {scan.files}; {m['lines']} {scan.lines}; {m['findings']} {scan.findings}", ""]
        rows = [(t, f"{days:.1f}", f"{scan.lock_in[t]:.0f}") for t, days in scan.effort_person_days.items()]
        lines += _table([m["scan_target"], m["porting_person_days"], m["lock_in"]], rows)
        rules = [(r.rule, r.count, r.message) for r in scan.top_rules]
        return lines + _table([m["rule"], m["count"], m["message"]], rules)

    def sources(self) -> list[str]:
        m, zh = self.m, self.m.get("money_style") == "wan"
        lines = [f"## {m['sources']}", "", *(f"- {s}" for s in self.d.sources), ""]
        if self.d.rules:
            header = [m["effective"], m["jurisdiction"], m["rule_title"], m["rule_status"], m["confidence"],
                      m["chips_affected"], m["source"]]  # fmt: skip
            rows = [
                (r.effective, r.jurisdiction, f"{r.title_zh if zh else r.title} ({r.id})", r.status, r.confidence,
                 ", ".join(r.chips), r.source)
                for r in self.d.rules
            ]  # fmt: skip
            lines += [f"### {m['rules_applied']}", "", *_table(header, rows)]
        return lines

    def document(self) -> str:
        d, m = self.d, self.m
        head = [f"# {m['report_title']}: {d.title}", "", f"{m['generated']}: {d.generated}; {d.tool}", ""]
        parts = [self.recommendation(), self.fleet(), self.comparison(), self.plan(), self.monte_carlo(), self.effort()]
        return "\n".join(head + [line for part in parts for line in part] + self.sources())


def _lines(lines: list[UnitLine]) -> str:
    return "; ".join(f"{line.site}: {line.chips} × {line.option}" for line in lines) or "—"


def write_markdown(data: ReportData, lang: Language) -> str:
    """The report as one Markdown document; any HTML in the data (titles, sites, sources) comes out inert.

    Markdown renderers pass raw HTML through, and this writer emits none of its own, so ``<``, ``>`` and ``&`` are
    escaped in the whole document: ``<script>`` from a scenario's title is shown, never run.
    """
    return html.escape(_Writer(data, lang).document(), quote=False)
