"""The report as Markdown (GitHub-flavoured tables): the same sections as the HTML report, without the charts."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence

from chipshift.report.i18n import Language, messages
from chipshift.report.model import ReportData
from chipshift.report.numbers import money
from chipshift.report.numbers import number as _num
from chipshift.report.numbers import percent as _pct

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
        return money(value, self.d.currency)

    def summary(self) -> list[str]:
        m, d = self.m, self.d
        order = d.comparison.topsis_order
        path = d.ratio_path
        lines = [f"## {m['summary']}", "", f"- {m['summary_top']}: **{order[0] if order else m['unknown']}**"]
        if d.plan:
            lines += [
                f"- {m['summary_plan']}: **{d.plan.status}**",
                f"- {m['summary_capex']}: {self.money(d.plan.capex_total)}",
                f"- {m['summary_cost']}: {self.money(d.plan.objective)}",
            ]
        if d.fleet.ratios and path:
            lines.append(f"- {m['summary_ratio_now']}: {_pct(path[0].count)}")
        if path:
            lines.append(f"- {m['summary_ratio_end']}: {_pct(path[-1].count)}")
        lines += [f"- **{note}**" for note in d.notes]
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
            f"{m['status']}: **{plan.status}**; {m['method']}: {plan.method} ({plan.message}){gap}; "
            f"{m['solve_time']} {plan.solve_s:.1f} s",
            "",
        ]
        rows = [
            (y.year, _moves(y.buy), _moves(y.retire), self.money(y.capex), self.money(y.opex),
             self.money(y.write_off), *(_pct(y.domestic_share.get(k)) for k in METRICS))
            for y in plan.years
        ]  # fmt: skip
        header = [m["year"], m["purchases"], m["retirements"], m["capex"], m["opex"], m["write_off"]]
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
        rows: list[tuple[str, object]] = [
            (m["runs"], mc.runs),
            (m["seed"], mc.seed),
            (m["executor"], mc.executor),
            (m["feasible_share"], _pct(mc.feasible_share)),
            (m["cost_p5"], self.money(mc.cost_p5)),
            (m["cost_p50"], self.money(mc.cost_p50)),
            (m["cost_p95"], self.money(mc.cost_p95)),
        ]
        rows += [(f"{m['violations']}: {kind}", n) for kind, n in mc.infeasible_causes.items()]
        return lines + _table(["", ""], rows)

    def effort(self) -> list[str]:
        m, scan = self.m, self.d.scan
        lines = [f"## {m['effort']}", ""]
        if not scan:
            return [*lines, m["effort_none"], ""]
        lines += [f"{m['files']} {scan.files}; {m['lines']} {scan.lines}; {m['findings']} {scan.findings}", ""]
        rows = [(t, f"{days:.1f}", f"{scan.lock_in[t]:.0f}") for t, days in scan.effort_person_days.items()]
        lines += _table(["target", m["porting_person_days"], m["lock_in"]], rows)
        rules = [(r.rule, r.count, r.message) for r in scan.top_rules]
        return lines + _table([m["rule"], m["count"], m["message"]], rules)

    def sources(self) -> list[str]:
        m = self.m
        return [f"## {m['sources']}", "", *(f"- {s}" for s in self.d.sources), ""]

    def document(self) -> str:
        d, m = self.d, self.m
        head = [f"# {m['report_title']}: {d.title}", "", f"{m['generated']}: {d.generated}; {d.tool}", ""]
        parts = [self.summary(), self.fleet(), self.comparison(), self.plan(), self.monte_carlo(), self.effort()]
        return "\n".join(head + [line for part in parts for line in part] + self.sources())


def _moves(per_site: Mapping[str, Mapping[str, float]]) -> str:
    return "; ".join(f"{site}: {n:.0f} × {chip}" for site, per in per_site.items() for chip, n in per.items()) or "—"


def write_markdown(data: ReportData, lang: Language) -> str:
    """The report as one Markdown document; any HTML in the data (titles, sites, sources) comes out inert.

    Markdown renderers pass raw HTML through, and this writer emits none of its own, so ``<``, ``>`` and ``&`` are
    escaped in the whole document: ``<script>`` from a scenario's title is shown, never run.
    """
    return html.escape(_Writer(data, lang).document(), quote=False)
