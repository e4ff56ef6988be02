"""The report's charts, drawn from the assessment data in the report's language, ids marked (for the HTML writer).

Each caption says what is drawn and in which unit, and differs from the heading of the section it sits in.
"""

from __future__ import annotations

from chipshift.report.charts import (
    Legend,
    Series,
    TargetMark,
    TornadoRow,
    bar_chart,
    histogram,
    line_chart,
    range_chart,
    stacked_bars,
    tornado_chart,
)
from chipshift.report.marks import mark
from chipshift.report.model import ReportData
from chipshift.report.numbers import money_unit
from chipshift.report.words import ratio_target_phrase, risk_phrase, term

METRICS = ("count", "compute", "value")


def ratio_chart(data: ReportData, m: dict[str, str]) -> str | None:
    """Domestic share now and per plan year, by metric, with the targets."""
    path = data.ratio_path
    if not path:
        return None
    labels = [m["now"] if p.label == "now" else p.label for p in path]
    series = [
        Series(m["chart_share_line"].format(metric=m["metric_" + k]), [getattr(p, k) for p in path]) for k in METRICS
    ]
    marks = []
    for t in data.targets:
        start = next((i for i, p in enumerate(path) if p.label == str(t.year)), None)
        if start is not None:
            scope = t.scope.site or t.scope.sector
            label = m["chart_target_line"].format(target=ratio_target_phrase(t.metric, t.min_share, m), year=t.year)
            marks.append(TargetMark(label + (m["paren"].format(text=mark(scope)) if scope else ""), start, t.min_share))
    return line_chart(m["chart_ratio"], labels, series, marks, y_title=m["chart_ratio_axis"])


def ranking_chart(data: ReportData, m: dict[str, str]) -> str | None:
    """TOPSIS scores, best first."""
    comparison = data.comparison
    scores = {c.id: c.topsis for c in comparison.candidates}
    if not scores:
        return None
    order = comparison.topsis_order
    items = [(mark(cid), scores[cid]) for cid in order]
    return bar_chart(m["chart_ranking"], items, highlight=mark(order[0]) if order else None)


def sensitivity_chart(data: ReportData, m: dict[str, str]) -> str | None:
    """Weight range per dimension within which the top candidate holds."""
    rows = data.comparison.sensitivity
    if not rows:
        return None
    items = [(term(m, "dimension", r.dimension), r.weight, r.low, r.high) for r in rows]
    legend = Legend([(m["chart_weight_range"], "#2ca02c", "", None), (m["chart_weight_now"], "#d62728", "", "circle")])
    return range_chart(m["chart_sensitivity"], items, legend)


def purchases_chart(data: ReportData, m: dict[str, str]) -> str | None:
    """Chips bought or leased per year, stacked by candidate."""
    if not data.plan or not data.plan.years:
        return None
    years = data.plan.years
    chips = sorted({p.option for y in years for p in y.purchases})
    if not chips:
        return None
    stacks = {mark(c): [float(sum(p.chips for p in y.purchases if p.option == c)) for y in years] for c in chips}
    return stacked_bars(m["chart_purchases"], [str(y.year) for y in years], stacks, y_title=m["chart_chips_axis"])


def spend_chart(data: ReportData, m: dict[str, str]) -> str | None:
    """Capex and running costs per year, stacked, in the report's money unit."""
    if not data.plan or not data.plan.years:
        return None
    years = data.plan.years
    unit, divisor = money_unit(data.currency, m)
    stacks = {
        m["capex"]: [y.money.capex / divisor for y in years],
        m["running_cost"]: [y.money.opex / divisor for y in years],
    }
    caption = m["chart_spend"].format(unit=unit)
    return stacked_bars(caption, [str(y.year) for y in years], stacks, y_title=unit)


def tornado_figure(data: ReportData, m: dict[str, str]) -> str | None:
    """The sweep's tornado: plan cost at each input's low and high value."""
    if not data.monte_carlo or not data.monte_carlo.tornado:
        return None
    bars = data.monte_carlo.tornado[:12]
    rows = [
        TornadoRow(risk_phrase(b, m, mark), b.npv_low, b.npv_high, b.low_label, b.high_label, b.misses) for b in bars
    ]
    unit, divisor = money_unit(data.currency, m)
    heads = (m["chart_tornado_low"], m["chart_tornado_base"].format(unit=unit), m["chart_tornado_high"])
    return tornado_chart(m["chart_tornado"].format(unit=unit), rows, bars[0].base_npv, scale=divisor, heads=heads)


def effort_chart(data: ReportData, m: dict[str, str]) -> str | None:
    """Porting effort per scan target."""
    if not data.scan or not data.scan.effort_person_days:
        return None
    items = [(mark(t), days) for t, days in sorted(data.scan.effort_person_days.items(), key=lambda kv: -kv[1])]
    return bar_chart(m["chart_effort"], items, unit=" " + m["person_days"])


def monte_carlo_chart(data: ReportData, m: dict[str, str]) -> str | None:
    """Distribution of the recommended plan's cost over the futures."""
    if not data.monte_carlo or not data.monte_carlo.npv:
        return None
    unit, divisor = money_unit(data.currency, m)
    return histogram(
        m["chart_histogram"].format(runs=len(data.monte_carlo.npv)),
        data.monte_carlo.npv,
        scale=divisor,
        x_title=m["chart_histogram_x"].format(unit=unit),
        y_title=m["chart_histogram_y"],
    )


def all_figures(data: ReportData, m: dict[str, str]) -> dict[str, str | None]:
    """Every chart by name."""
    return {
        "ratio": ratio_chart(data, m),
        "ranking": ranking_chart(data, m),
        "sensitivity": sensitivity_chart(data, m),
        "purchases": purchases_chart(data, m),
        "spend": spend_chart(data, m),
        "effort": effort_chart(data, m),
        "monte_carlo": monte_carlo_chart(data, m),
        "tornado": tornado_figure(data, m),
    }
