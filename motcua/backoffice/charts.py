"""The dashboard's charts drawn on the server as SVG (biểu đồ), instead of 210 kB of Chart.js:
the page stays under the 100 kB budget (tests/test_budgets.py, ADR 0042), draws without
JavaScript and under the strict CSP (presentation attributes only, no inline style or script).
Each chart keeps its data table next to it for screen readers and for exact figures."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK, BRAND, SOFT, ACCENT, GRID = "#1b1f24", "#0b4a86", "#c9d1d9", "#b3261e", "#e4e8ec"
WIDTH = 640


def _number(value: float) -> str:
    """2 decimals, Vietnamese decimal comma (12,50): scores, not money."""
    return f"{float(value):.2f}".replace(".", ",")


def _svg(name: str, label: str, height: int, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 — every text in `body` went through escape()
        f'<svg id="chart-{name}" data-chart="{name}" data-drawn="1" class="mon-svg" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" preserveAspectRatio="xMinYMin meet" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="13" fill="{INK}">' + "".join(body) + "</svg>"
    )


def bars(name: str, label: str, labels, values, *, scale: float, maxes=None, low: float | None = None):
    """Horizontal bars, each with its name above it and its figure at its end; `maxes` draws the
    maximum of each row behind it (points out of max); `low` paints bars under it in the accent."""
    if not labels:
        return ""
    row, top, span = 40, 4, WIDTH - 90
    scale = scale or 1
    body = []
    for i, (text, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        body.append(f'<text x="0" y="{y + 13}">{escape(text)}</text>')
        if maxes is not None:
            body.append(
                f'<rect x="0" y="{y + 18}" width="{span * maxes[i] / scale:.1f}" height="16" fill="{SOFT}"/>'
            )
        colour = ACCENT if low is not None and value < low else BRAND
        width = max(0.0, span * (value or 0) / scale)
        body.append(f'<rect x="0" y="{y + 18}" width="{width:.1f}" height="16" fill="{colour}"/>')
        figure = _number(value or 0) + (f" / {maxes[i]:g}" if maxes is not None else "")
        end = max(width, span * maxes[i] / scale if maxes is not None else 0)
        body.append(f'<text x="{end + 6:.1f}" y="{y + 31}">{escape(figure)}</text>')
    return _svg(name, label, top + len(labels) * row, body)


def line(name: str, label: str, labels, values, *, top_value: float = 100):
    """A line over time with a 0–top_value axis (the 12-month trend of the total score)."""
    if not labels:
        return ""
    left, right, top, bottom, height = 36, 12, 10, 40, 240
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    step = plot_w / max(1, len(labels) - 1)
    body = []
    for tick in range(0, int(top_value) + 1, int(top_value) // 4 or 1):
        y = top + plot_h * (1 - tick / top_value)
        body.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{tick}</text>')
    points = []
    for i, (text, value) in enumerate(zip(labels, values, strict=True)):
        x = left + step * i if len(labels) > 1 else left + plot_w / 2
        body.append(
            f'<text x="{x:.1f}" y="{height - 22}" text-anchor="middle" font-size="11">{escape(text)}</text>'
        )
        if value is not None:
            y = top + plot_h * (1 - min(float(value), top_value) / top_value)
            points.append((x, y, value))
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _v in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{BRAND}" stroke-width="3"/>')
        for x, y, value in points:
            dot = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BRAND}">'
            body.append(f"{dot}<title>{_number(value)}</title></circle>")
    return _svg(name, label, height, body)
