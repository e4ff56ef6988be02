"""Inline SVG charts drawn in Python: no script, no CDN, nothing fetched. Each function returns one ``<figure>``.

Every chart takes its words (caption, axis titles, legend) from the caller, already in the report's language, and
sizes its margins from the width of its labels (:func:`text_width`, wide for CJK characters) so no label is cut.
Series differ by dash and marker as well as colour, so overlapping lines stay visible and the chart reads in grey.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

from chipshift.report.marks import tag, unmarked

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf")
WIDTH = 900
FONT_SIZE = 12
FONT = f'font-family="system-ui, Noto Sans CJK SC, sans-serif" font-size="{FONT_SIZE}"'
DASHES = ("", "7,4", "2,3")
"""Dash patterns of successive line series (solid, dashed, dotted)."""
MARKERS = ("circle", "square", "triangle")
TARGET_DASH = "12,4,2,4"
"""Target levels: dash-dot, unlike any series."""


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Width of a label in pixels, estimated: CJK characters a full em, others about 0.62 em (no font metrics)."""
    return sum(size * (1.0 if ord(ch) >= 0x2E80 else 0.62) for ch in unmarked(text))


def wrap(text: str, width: float, size: float = FONT_SIZE) -> list[str]:
    """A label broken into lines no wider than ``width`` (at spaces, or anywhere in CJK text)."""
    lines, line = [], ""
    for piece in _pieces(text):
        if line and text_width(line + piece, size) > width:
            lines.append(line.rstrip())
            line = piece.lstrip()
        else:
            line += piece
    return [*lines, line.rstrip()] if line.strip() else lines or [""]


def _pieces(text: str) -> list[str]:
    pieces, word = [], ""
    for ch in text:
        if ord(ch) >= 0x2E80:
            pieces += [word, ch] if word else [ch]
            word = ""
        elif ch == " ":
            pieces.append(word + ch)
            word = ""
        else:
            word += ch
    return [*pieces, word] if word else pieces


def _figure(height: float, body: list[str], caption: str) -> str:
    label = escape(unmarked(caption))
    return (
        f'<figure class="chart"><svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
        f'{height:.0f}" width="{WIDTH}" height="{height:.0f}" role="img" aria-label="{label}">'
        + "".join(body)
        + f"</svg><figcaption>{label}</figcaption></figure>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", color: str = "#333", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{color}" {FONT}{extra}>'
        f"{tag(escape(text), 'tspan')}</text>"
    )


def _lines(x: float, y: float, lines: Sequence[str], anchor: str = "end", color: str = "#333") -> list[str]:
    """Text lines centred on ``y``."""
    top = y - (len(lines) - 1) * (FONT_SIZE + 2) / 2
    return [_text(x, top + i * (FONT_SIZE + 2) + 4, line, anchor, color) for i, line in enumerate(lines)]


def _vertical_title(x: float, y: float, text: str) -> str:
    return _text(x, y, text, "middle", "#555", f' transform="rotate(-90 {x:.1f} {y:.1f})"')


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(f for f in (1, 2, 2.5, 5, 10) if f * step >= raw)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def _marker(shape: str, x: float, y: float, color: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{color}"/>'
    if shape == "triangle":
        return f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}" fill="{color}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{color}"/>'


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


LegendEntry = tuple[str, str, str, str | None]
"""A legend entry: label, colour, dash pattern, marker shape (None: a line only)."""


@dataclass(frozen=True)
class Legend:
    """Legend entries under a chart, in rows that fit its width."""

    entries: Sequence[LegendEntry]

    def draw(self, top: float, left: float = 10) -> tuple[list[str], float]:
        """The entries in rows that fit the width, and the height they take."""
        body, x, y = [], left, top + 14
        for label, color, dash, marker in self.entries:
            width = 44 + text_width(label)
            if x + width > WIDTH - 10 and x > left:
                x, y = left, y + 20
            body.append(
                f'<line x1="{x:.1f}" x2="{x + 28:.1f}" y1="{y - 4:.1f}" y2="{y - 4:.1f}" stroke="{color}" '
                f'stroke-width="2.5" stroke-dasharray="{dash}"/>'
            )
            if marker:
                body.append(_marker(marker, x + 14, y - 4, color))
            body.append(_text(x + 34, y, label))
            x += width + 16
        return body, y - top + 10


def line_chart(
    caption: str,
    labels: Sequence[str],
    series: Sequence[Series],
    targets: Sequence[TargetMark] = (),
    *,
    y_title: str = "",
) -> str:
    """Shares (0..1, shown as percent) over categories, dashed target levels, a legend under the plot."""
    left, right, top, plot_h = 70, 30, 16, 240
    plot_w = WIDTH - left - right
    step = plot_w / max(1, len(labels) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i * step, top + plot_h * (1 - v)

    body = [f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#ccc"/>']
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        _, y = xy(0, tick)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        body.append(_text(left - 6, y + 4, f"{tick:.0%}", "end"))
    body.append(_vertical_title(18, top + plot_h / 2, y_title))
    for i, label in enumerate(labels):
        anchor = "start" if i == 0 else "end" if i == len(labels) - 1 else "middle"
        body.append(_text(xy(i, 0)[0], top + plot_h + 18, label, anchor))
    entries: list[LegendEntry] = []
    for k, t in enumerate(targets):
        x0, y = xy(t.start, t.level)
        x0 = max(float(left), x0 - step / 2)  # from half a year before: a target of the last year stays visible
        color = PALETTE[(k + 4) % len(PALETTE)]
        body.append(
            f'<line class="target" x1="{x0:.1f}" x2="{left + plot_w:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{color}" stroke-width="1.5" stroke-dasharray="{TARGET_DASH}"/>'
        )
        entries.append((t.label, color, TARGET_DASH, None))
    for k, s in reversed(list(enumerate(series))):
        body += _series(k, s, xy)
    entries = [_series_entry(k, s) for k, s in enumerate(series)] + entries
    legend, legend_h = Legend(entries).draw(top + plot_h + 30)
    return _figure(top + plot_h + 30 + legend_h, body + legend, caption)


def _series_entry(k: int, s: Series) -> LegendEntry:
    return s.name, PALETTE[k % len(PALETTE)], DASHES[k % len(DASHES)], MARKERS[k % len(MARKERS)]


def _series(k: int, s: Series, xy: Callable[[int, float], tuple[float, float]]) -> list[str]:
    """One line: the first series widest and underneath, the others thinner, dashed and on top."""
    color, dash, marker = PALETTE[k % len(PALETTE)], DASHES[k % len(DASHES)], MARKERS[k % len(MARKERS)]
    points = [xy(i, v) for i, v in enumerate(s.values) if v is not None]
    if not points:
        return []
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    width = 5 if k == 0 else 2
    body = [
        f'<polyline class="series" points="{path}" fill="none" stroke="{color}" stroke-width="{width}" '
        f'stroke-dasharray="{dash}" opacity="{0.55 if k == 0 else 1}"/>'
    ]
    return body + [_marker(marker, x, y, color) for x, y in points]


def bar_chart(caption: str, items: Sequence[tuple[str, float]], *, unit: str = "", highlight: str | None = None) -> str:
    """Horizontal bars, one per item, longest = largest value; labels as wide as they need."""
    row = 26
    left = 16 + max((text_width(label) for label, _ in items), default=0.0)
    value_w = 16 + max((text_width(f"{v:,.3g}{unit}") for _, v in items), default=0.0)
    height = 16 + row * max(1, len(items))
    top_value = max((v for _, v in items), default=0.0) or 1.0
    body = []
    for i, (label, value) in enumerate(items):
        y = 8 + i * row
        w = (WIDTH - left - value_w) * max(0.0, value) / top_value
        color = PALETTE[1] if label == highlight else PALETTE[0]
        body.append(_text(left - 8, y + 15, label, "end"))
        body.append(f'<rect class="bar" x="{left:.1f}" y="{y}" width="{w:.1f}" height="{row - 8}" fill="{color}"/>')
        body.append(_text(left + w + 6, y + 15, f"{value:,.3g}{unit}"))
    return _figure(height, body, caption)


def range_chart(caption: str, items: Sequence[tuple[str, float, float, float]], legend: Legend) -> str:
    """Per row a range [low, high] on 0..1 and a marker at the current value (weight sensitivity)."""
    row, top = 28, 24
    left = 16 + max((text_width(label) for label, *_ in items), default=0.0)
    plot_w = WIDTH - left - 30
    body = []
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + plot_w * tick
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{top + row * len(items)}" stroke="#e5e5e5"/>')
        body.append(_text(x, top - 8, f"{tick:g}", "middle"))
    for i, (label, value, low, high) in enumerate(items):
        y = top + i * row
        body.append(_text(left - 8, y + 14, label, "end"))
        body.append(f'<rect x="{left:.1f}" y="{y + 7}" width="{plot_w:.1f}" height="6" fill="#eee"/>')
        body.append(
            f'<rect class="bar" x="{left + plot_w * low:.1f}" y="{y + 3}" width="{plot_w * (high - low):.1f}" '
            f'height="14" fill="{PALETTE[2]}" opacity="0.7"/>'
        )
        body.append(_marker("circle", left + plot_w * value, y + 10, PALETTE[1]))
    drawn, legend_h = legend.draw(top + row * len(items) + 4)
    return _figure(top + row * len(items) + 4 + legend_h, body + drawn, caption)


def stacked_bars(
    caption: str, labels: Sequence[str], stacks: Mapping[str, Sequence[float]], *, y_title: str = ""
) -> str:
    """Vertical stacked bars per category (chips bought per year, by candidate), a value axis, a legend under."""
    left, top, plot_h = 80, 20, 220
    totals = [sum(v[i] for v in stacks.values()) for i in range(len(labels))]
    ticks = nice_ticks(max(totals, default=0.0))
    slot = (WIDTH - left - 20) / max(1, len(labels))
    body = [_vertical_title(18, top + plot_h / 2, y_title)]
    for tick in ticks:
        y = top + plot_h * (1 - tick / ticks[-1])
        body.append(f'<line x1="{left}" x2="{WIDTH - 20}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        body.append(_text(left - 6, y + 4, f"{tick:,.0f}", "end"))
    for i, label in enumerate(labels):
        x, base = left + i * slot + slot * 0.25, float(top + plot_h)
        for k, values in enumerate(stacks.values()):
            h = plot_h * values[i] / ticks[-1]
            if h > 0:
                body.append(
                    f'<rect class="bar" x="{x:.1f}" y="{base - h:.1f}" width="{slot * 0.5:.1f}" height="{h:.1f}" '
                    f'fill="{PALETTE[k % len(PALETTE)]}"/>'
                )
            base -= h
        body.append(_text(x + slot * 0.25, top + plot_h + 18, label, "middle"))
        body.append(_text(x + slot * 0.25, base - 5, f"{totals[i]:,.0f}", "middle"))
    legend, legend_h = Legend([(name, PALETTE[k % len(PALETTE)], "", "square") for k, name in enumerate(stacks)]).draw(
        top + plot_h + 28
    )
    return _figure(top + plot_h + 28 + legend_h, body + legend, caption)


def histogram(
    caption: str, values: Sequence[float], *, bins: int = 12, scale: float = 1.0, x_title: str = "", y_title: str = ""
) -> str:
    """Counts of values in equal bins (Monte Carlo outcomes), with both axes labelled."""
    if not values:
        return _figure(40, [_text(10, 24, "—")], caption)
    low, high = min(values), max(values)
    width = (high - low) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - low) / width))] += 1
    left, top, plot_h, right = 80, 14, 180, 30
    plot_w = WIDTH - left - right
    ticks = nice_ticks(max(counts))
    body = [_vertical_title(18, top + plot_h / 2, y_title)]
    for tick in ticks:
        y = top + plot_h * (1 - tick / ticks[-1])
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        body.append(_text(left - 6, y + 4, f"{tick:,.0f}", "end"))
    slot = plot_w / bins
    for i, n in enumerate(counts):
        h = plot_h * n / ticks[-1]
        body.append(
            f'<rect class="bar" x="{left + i * slot + 1:.1f}" y="{top + plot_h - h:.1f}" width="{slot - 2:.1f}" '
            f'height="{h:.1f}" fill="{PALETTE[0]}"/>'
        )
    for i in range(0, bins + 1, 3):
        x = left + i * slot
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + plot_h}" y2="{top + plot_h + 5}" stroke="#999"/>')
        body.append(_text(x, top + plot_h + 19, f"{(low + i * width) / scale:,.1f}", "middle"))
    body.append(_text(left + plot_w / 2, top + plot_h + 40, x_title, "middle", "#555"))
    return _figure(top + plot_h + 50, body, caption)


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


def tornado_chart(
    caption: str, rows: Sequence[TornadoRow], base: float, *, scale: float = 1.0, heads: tuple[str, str, str]
) -> str:
    """Bars from the base outcome to each input's low (green) and high (red) outcome, largest swing first.

    Four columns that never overlap: the input (wrapped to two lines), the outcome at its low value, the bars around
    the base, the outcome at its high value. ``heads`` titles the low column, the base line and the high column.
    """
    row = 34
    label_w = min(280.0, 16 + max((text_width(r.label) for r in rows), default=0.0))
    values = [f"{r.low_label}: {r.low / scale:,.1f}" for r in rows] + [
        f"{r.high_label}: {r.high / scale:,.1f}" for r in rows
    ]
    value_w = 14 + max((text_width(v) for v in [*values, heads[0], heads[2]]), default=0.0)
    bars_left, bars_right = label_w + value_w, WIDTH - value_w
    centre, half = (bars_left + bars_right) / 2, (bars_right - bars_left) / 2
    span = max((abs(v - base) for r in rows for v in (r.low, r.high)), default=0.0) or 1.0
    top = 34
    height = top + row * max(1, len(rows)) + 6
    body = [
        f'<line x1="{centre:.1f}" x2="{centre:.1f}" y1="{top - 6}" y2="{height - 4}" stroke="#777"/>',
        _text(bars_left - 6, 14, heads[0], "end", "#555"),
        _text(centre, 14, heads[1], "middle", "#555"),
        _text(centre, 28, f"{base / scale:,.1f}", "middle", "#555"),
        _text(bars_right + 6, 14, heads[2], "start", "#555"),
    ]
    for i, r in enumerate(rows):
        y = top + i * row
        color = PALETTE[1] if r.alarm else "#333"
        body += _lines(label_w - 10, y + row / 2 - 3, wrap(r.label, label_w - 16)[:2], "end", color)
        bars = sorted(((r.low, PALETTE[2]), (r.high, PALETTE[1])), key=lambda bar: -abs(bar[0] - base))
        for value, fill in bars:  # the longer first, so a shorter bar on the same side stays visible
            x = centre + half * (value - base) / span
            start, width = (x, centre - x) if x < centre else (centre, x - centre)
            body.append(
                f'<rect class="bar" x="{start:.1f}" y="{y + 4}" width="{max(width, 1.0):.1f}" height="{row - 14}" '
                f'fill="{fill}" opacity="0.8"/>'
            )
        body.append(_text(bars_left - 6, y + row / 2, f"{r.low_label}: {r.low / scale:,.1f}", "end"))
        body.append(_text(bars_right + 6, y + row / 2, f"{r.high_label}: {r.high / scale:,.1f}", "start"))
    return _figure(height, body, caption)
