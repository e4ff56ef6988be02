"""The report's charts, drawn from the assessment data (shared by the HTML writer)."""

from __future__ import annotations

from chipshift.report.charts import (
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
from chipshift.report.model import ReportData
from chipshift.report.numbers import money_unit
from chipshift.report.words import risk_phrase

METRICS = ("count", "compute", "value")


def ratio_chart(data: ReportData, m: dict[str, str]) -> str | None:
    """Domestic share now and per plan year, by metric, with the targets."""
    path = data.ratio_path
    if not path:
        return None
    labels = [p.label for p in path]
    series = [Series(f"{m['share']}: {metric}", [getattr(p, metric) for p in path]) for metric in METRICS]
    marks = []
    for t in data.targets:
        start = next((i for i, label in enumerate(labels) if label == str(t.year)), None)
        if start is not None:
            scope = t.scope.site or t.scope.sector or ""
            marks.append(TargetMark(f"{t.metric} {t.min_share:.0%} {scope}".strip(), start, t.min_share))
    return line_chart(m["fleet"], labels, series, marks)


def ranking_chart(data: ReportData, m: dict[str, str]) -> str | None:
    """TOPSIS scores, best first."""
    comparison = data.comparison
    scores = {c.id: c.topsis for c in comparison.candidates}
    if not scores:
        return None
    order = comparison.topsis_order
    return bar_chart(m["topsis"], [(cid, scores[cid]) for cid in order], highlight=order[0] if order else None)


def sensitivity_chart(data: ReportData, m: dict[str, str]) -> str | None:
    """Weight range per dimension within which the top candidate holds."""
    rows = data.comparison.sensitivity
    if not rows:
        return None
    return range_chart(m["sensitivity"], [(r.dimension, r.weight, r.low, r.high) for r in rows])


def purchases_chart(data: ReportData, m: dict[str, str]) -> str | None:
    """Chips bought or leased per year, stacked by candidate."""
    if not data.plan or not data.plan.years:
        return None
    years = data.plan.years
    chips = sorted({p.option for y in years for p in y.purchases})
    if not chips:
        return None
    stacks = {c: [float(sum(p.chips for p in y.purchases if p.option == c)) for y in years] for c in chips}
    return stacked_bars(m["chips_bought"], [str(y.year) for y in years], stacks)


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
    return stacked_bars(f"{m['money_by_year']} ({unit})", [str(y.year) for y in years], stacks)


def tornado_figure(data: ReportData, m: dict[str, str]) -> str | None:
    """The sweep's tornado: plan cost at each input's low and high value."""
    if not data.monte_carlo or not data.monte_carlo.tornado:
        return None
    bars = data.monte_carlo.tornado[:12]
    rows = [TornadoRow(risk_phrase(b, m), b.npv_low, b.npv_high, b.low_label, b.high_label, b.misses) for b in bars]
    unit, divisor = money_unit(data.currency, m)
    return tornado_chart(m["tornado"], rows, bars[0].base_npv, scale=divisor, unit=f" {unit}")


def effort_chart(data: ReportData, m: dict[str, str]) -> str | None:
    """Porting effort per scan target."""
    if not data.scan or not data.scan.effort_person_days:
        return None
    items = sorted(data.scan.effort_person_days.items(), key=lambda kv: -kv[1])
    return bar_chart(m["porting_person_days"], items, unit=" d")


def monte_carlo_chart(data: ReportData, m: dict[str, str]) -> str | None:
    """Distribution of the recommended plan's cost over the futures."""
    if not data.monte_carlo or not data.monte_carlo.npv:
        return None
    unit, divisor = money_unit(data.currency, m)
    return histogram(m["npv_histogram"], data.monte_carlo.npv, scale=divisor, unit=f" {unit}")


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
