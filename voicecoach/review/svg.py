"""Small inline SVG charts for the HTML report (no JavaScript, no libraries, no URLs)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

W, H = 520, 180
PAD_L, PAD_R, PAD_T, PAD_B = 44, 12, 14, 30


def _nice_step(v: float) -> float:
    """The smallest of 1, 2, 2.5, 5 (times a power of ten) that is at least ``v``."""
    if v <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if v <= m * mag * (1 + 1e-9):
            return m * mag
    return 10 * mag


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 10 or v == int(v) else f"{v:.1f}".rstrip("0")


def line_chart(
    points: Sequence[tuple[float | str, float | None]],
    title: str,
    unit: str,
    band: tuple[float, float] | None = None,
    ref: float | None = None,
    x_unit: str = "s",
    color: str = "#0969da",
    css_class: str = "chart",
    x_max: float | None = None,
    ref_label: str = "",
) -> str:
    """A line chart of (x, y) points; x numeric (seconds, axis 0..x_max) or labels (weeks).

    The title is drawn above the plot; ``ref_label`` names the dashed ``ref`` line in a small
    legend. With one or two points (a first week of practice) each point is drawn large and
    labelled with its value, so the chart still says something.

    ``band`` shades a target range (e.g. a comfortable pace), ``ref`` draws a dashed line.
    Points with y None are skipped. Every point has a tooltip (<title>)."""
    pts = [(x, y) for x, y in points if y is not None]
    esc = html.escape
    head = (
        f'<svg class="{esc(css_class)}" viewBox="0 0 {W} {H}" role="img" '
        f'aria-label="{esc(title)}"><title>{esc(title)}</title>'
    )
    if not pts:
        return (
            head + f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle" class="axis">'
            f"no data</text></svg>"
        )
    labels = not all(isinstance(x, int | float) for x, _ in pts)
    if labels:
        xs: list[float] = [float(i) for i in range(len(pts))]
        x_lo, x_hi = -0.5, len(pts) - 0.5
    else:
        xs = [float(x) for x, _ in pts]
        x_lo, x_hi = 0.0, max([x_max or 0.0, *xs]) or 1.0
    ys = [float(y) for _, y in pts if y is not None]
    y_top = max(ys + [band[1] if band else 0, ref or 0]) * 1.05
    y_step = _nice_step(y_top / 4)
    y_hi = y_step * max(1, math.ceil(y_top / y_step - 1e-9))
    pw, ph = W - PAD_L - PAD_R, H - PAD_T - PAD_B

    def sx(x: float) -> float:
        return round(PAD_L + (x - x_lo) / (x_hi - x_lo) * pw, 1)

    def sy(y: float) -> float:
        return round(PAD_T + ph - y / y_hi * ph, 1)

    out = [head]
    if band:
        out.append(
            f'<rect class="band" x="{PAD_L}" y="{sy(band[1])}" width="{pw}" '
            f'height="{round(sy(band[0]) - sy(band[1]), 1)}"><title>target '
            f"{_fmt(band[0])}-{_fmt(band[1])} {esc(unit)}</title></rect>"
        )
    for k in range(int(round(y_hi / y_step)) + 1):
        v = y_step * k
        out.append(
            f'<line class="grid" x1="{PAD_L}" x2="{W - PAD_R}" y1="{sy(v)}" '
            f'y2="{sy(v)}"/><text class="axis" x="{PAD_L - 4}" y="{sy(v) + 4}" '
            f'text-anchor="end">{_fmt(v)}</text>'
        )
    if ref is not None:
        out.append(
            f'<line class="ref" x1="{PAD_L}" x2="{W - PAD_R}" y1="{sy(ref)}" '
            f'y2="{sy(ref)}"><title>{_fmt(ref)} {esc(unit)}</title></line>'
        )
    step = max(1, len(pts) // 8)
    for i, (x, _) in enumerate(pts):
        if labels and i % step == 0:
            out.append(
                f'<text class="axis" x="{sx(xs[i])}" y="{H - 10}" '
                f'text-anchor="middle">{esc(str(x))}</text>'
            )
    if not labels:
        x_step = _nice_step(x_hi / 5)
        for k in range(int(x_hi / x_step + 1e-9) + 1):
            v = x_step * k
            out.append(
                f'<text class="axis" x="{sx(v)}" y="{H - 10}" text-anchor="middle">'
                f"{_fmt(v)}{esc(x_unit)}</text>"
            )
    poly = " ".join(f"{sx(x)},{sy(y)}" for x, y in zip(xs, ys, strict=True))
    out.append(f'<polyline class="line" fill="none" stroke="{color}" points="{poly}"/>')
    few = len(pts) <= 2
    for (x0, y), x in zip(pts, xs, strict=True):
        xl = x0 if labels else f"{_fmt(float(x0))} {x_unit}"
        out.append(
            f'<circle class="dot" cx="{sx(x)}" cy="{sy(y)}" r="{6 if few else 3}" '
            f'fill="{color}"><title>{esc(str(xl))}: {_fmt(y)} {esc(unit)}</title></circle>'
        )
        if few:
            out.append(
                f'<text class="value" x="{sx(x)}" y="{sy(y) - 10}" '
                f'text-anchor="middle">{_fmt(y)}</text>'
            )
    out.append(
        f'<text class="title" x="{W / 2}" y="11" text-anchor="middle">{esc(title)}'
        f'</text><text class="unit" x="{PAD_L}" y="11">{esc(unit)}</text>'
    )
    if ref is not None and ref_label:
        x0 = W - PAD_R - 150
        out.append(
            f'<line class="ref" x1="{x0}" x2="{x0 + 18}" y1="{PAD_T + 6}" '
            f'y2="{PAD_T + 6}"/><text class="axis" x="{x0 + 22}" y="{PAD_T + 10}">'
            f"{esc(ref_label)}</text>"
        )
    out.append("</svg>")
    return "".join(out)
