"""Inline SVG charts drawn in Python: no script, no CDN, nothing fetched. Each function returns one ``<svg>``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf")
WIDTH = 640
FONT = 'font-family="sans-serif" font-size="11"'


def _svg(height: int, body: list[str], title: str) -> str:
    return (
        f'<figure class="chart"><figcaption>{escape(title)}</figcaption>'
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg></figure>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", color: str = "#333") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{color}" {FONT}>{escape(text)}</text>'


@dataclass(frozen=True)
class Series:
    """One named line of values (None: no point)."""

    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class TargetMark:
    """A target level drawn from one x position to the end."""

    label: str
    start: int
    level: float


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    targets: Sequence[TargetMark] = (),
    *,
    percent: bool = True,
) -> str:
    """Lines over categories (years), with dashed target levels; values 0..1 shown as percent."""
    height, left, right, top, bottom = 260, 48, 150, 20, 30
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    step = plot_w / max(1, len(labels) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i * step, top + plot_h * (1 - v)

    body = [f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#ccc"/>']
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        _, y = xy(0, tick)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
        body.append(_text(left - 4, y + 4, f"{tick:.0%}" if percent else f"{tick:g}", "end"))
    for i, label in enumerate(labels):
        body.append(_text(xy(i, 0)[0], height - 10, label, "middle"))
    for k, t in enumerate(targets):
        x0, y = xy(t.start, t.level)
        color = PALETTE[(k + 5) % len(PALETTE)]
        body.append(
            f'<line class="target" x1="{x0:.1f}" x2="{left + plot_w:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{color}" stroke-dasharray="5,4"/>'
        )
        body.append(_text(left + plot_w + 4, y + 4, t.label, color=color))
    for k, s in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        points = [xy(i, v) for i, v in enumerate(s.values) if v is not None]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline class="series" points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
            body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>' for x, y in points]
        body.append(_text(left + 8 + 90 * k, top + 12, s.name, color=color))
    return _svg(height, body, title)


def bar_chart(title: str, items: Sequence[tuple[str, float]], *, unit: str = "", highlight: str | None = None) -> str:
    """Horizontal bars, one per item, longest = largest value."""
    row, left = 22, 170
    height = 20 + row * max(1, len(items))
    top_value = max((v for _, v in items), default=0.0) or 1.0
    body = []
    for i, (label, value) in enumerate(items):
        y = 10 + i * row
        w = (WIDTH - left - 90) * max(0.0, value) / top_value
        color = PALETTE[1] if label == highlight else PALETTE[0]
        body.append(_text(left - 6, y + 13, label, "end"))
        body.append(f'<rect class="bar" x="{left}" y="{y}" width="{w:.1f}" height="{row - 6}" fill="{color}"/>')
        body.append(_text(left + w + 4, y + 13, f"{value:,.3g}{unit}"))
    return _svg(height, body, title)


def range_chart(title: str, items: Sequence[tuple[str, float, float, float]]) -> str:
    """Per row a range [low, high] on 0..1 and a marker at the current value (weight sensitivity)."""
    row, left = 26, 110
    height = 34 + row * max(1, len(items))
    plot_w = WIDTH - left - 30
    body = [_text(left, 12, "0"), _text(left + plot_w, 12, "1", "end")]
    for i, (label, value, low, high) in enumerate(items):
        y = 20 + i * row
        body.append(_text(left - 6, y + 14, label, "end"))
        body.append(f'<rect x="{left}" y="{y + 6}" width="{plot_w}" height="6" fill="#eee"/>')
        body.append(
            f'<rect class="bar" x="{left + plot_w * low:.1f}" y="{y + 3}" width="{plot_w * (high - low):.1f}" '
            f'height="12" fill="{PALETTE[2]}" opacity="0.7"/>'
        )
        body.append(f'<circle cx="{left + plot_w * value:.1f}" cy="{y + 9}" r="5" fill="{PALETTE[1]}"/>')
    return _svg(height, body, title)


def stacked_bars(title: str, labels: Sequence[str], stacks: Mapping[str, Sequence[float]], *, unit: str = "") -> str:
    """Vertical stacked bars per category (chips bought per year, by chip)."""
    height, left, bottom, top = 260, 60, 30, 20
    plot_h, legend_w = height - top - bottom, 170
    slot = (WIDTH - left - legend_w) / max(1, len(labels))
    totals = [sum(v[i] for v in stacks.values()) for i in range(len(labels))]
    top_value = max(totals, default=0.0) or 1.0
    body = [_text(left - 4, top + 4, f"{top_value:,.0f}{unit}", "end"), _text(left - 4, top + plot_h, "0", "end")]
    for i, label in enumerate(labels):
        x, base = left + i * slot + slot * 0.2, float(top + plot_h)
        for k, values in enumerate(stacks.values()):
            h = plot_h * values[i] / top_value
            if h > 0:
                body.append(
                    f'<rect class="bar" x="{x:.1f}" y="{base - h:.1f}" width="{slot * 0.6:.1f}" '
                    f'height="{h:.1f}" fill="{PALETTE[k % len(PALETTE)]}"/>'
                )
            base -= h
        body.append(_text(x + slot * 0.3, height - 10, label, "middle"))
        body.append(_text(x + slot * 0.3, base - 4, f"{totals[i]:,.0f}", "middle"))
    for k, name in enumerate(stacks):
        y = top + 14 * k
        body.append(
            f'<rect x="{WIDTH - legend_w + 8}" y="{y}" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>'
        )
        body.append(_text(WIDTH - legend_w + 22, y + 9, name))
    return _svg(height, body, title)


def histogram(title: str, values: Sequence[float], *, bins: int = 12, scale: float = 1.0, unit: str = "") -> str:
    """Counts of values in equal bins (Monte Carlo outcomes)."""
    if not values:
        return _svg(40, [_text(10, 24, "-")], title)
    low, high = min(values), max(values)
    width = (high - low) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - low) / width))] += 1
    height, left, plot_h = 200, 40, 150
    slot = (WIDTH - left - 20) / bins
    body = []
    for i, n in enumerate(counts):
        h = plot_h * n / max(counts)
        body.append(
            f'<rect class="bar" x="{left + i * slot:.1f}" y="{20 + plot_h - h:.1f}" width="{slot - 2:.1f}" '
            f'height="{h:.1f}" fill="{PALETTE[0]}"/>'
        )
    body.append(_text(left, height - 12, f"{low / scale:,.1f}{unit}"))
    body.append(_text(WIDTH - 20, height - 12, f"{high / scale:,.1f}{unit}", "end"))
    return _svg(height, body, title)


@dataclass(frozen=True)
class TornadoRow:
    """One input of a tornado: the outcome at its low and high value around the base."""

    label: str
    low: float
    high: float
    low_label: str
    high_label: str
    alarm: bool = False
    """Drawn in the warning colour (the input can make a target or demand go unmet)."""


def tornado_chart(title: str, rows: Sequence[TornadoRow], base: float, *, scale: float = 1.0, unit: str = "") -> str:
    """Horizontal bars from the base outcome to each input's low and high outcome, largest swing first."""
    row, left, right = 24, 210, 110
    height = 40 + row * max(1, len(rows))
    span = max((abs(v - base) for r in rows for v in (r.low, r.high)), default=0.0) or 1.0
    half = (WIDTH - left - right) / 2
    centre = left + half
    body = [
        f'<line x1="{centre:.1f}" x2="{centre:.1f}" y1="14" y2="{height - 20}" stroke="#999"/>',
        _text(centre, 12, f"{base / scale:,.1f}{unit}", "middle"),
    ]
    for i, r in enumerate(rows):
        y = 20 + i * row
        body.append(_text(left - 6, y + 13, r.label, "end", PALETTE[1] if r.alarm else "#333"))
        for value, label, color in ((r.low, r.low_label, PALETTE[2]), (r.high, r.high_label, PALETTE[1])):
            x = centre + half * (value - base) / span
            start, width = (x, centre - x) if x < centre else (centre, x - centre)
            body.append(
                f'<rect class="bar" x="{start:.1f}" y="{y}" width="{max(width, 0.5):.1f}" height="{row - 8}" '
                f'fill="{color}" opacity="0.8"/>'
            )
            anchor, shift = ("end", -4) if x < centre else ("start", 4)
            body.append(_text(x + shift, y + 12, f"{label}: {value / scale:,.1f}{unit}", anchor))
    return _svg(height, body, title)
