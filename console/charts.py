"""Small inline SVG charts rendered on the server (no JavaScript, no chart library)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar (e.g. "11-25")
    parts: tuple[tuple[str, int], ...]  # stacked (css class, value), bottom first
    title: str  # tooltip


def bar_chart(bars: Sequence[Bar], *, width: int = 640, height: int = 200, caption: str = "") -> str:
    """A stacked bar chart as an SVG string that scales to its container (viewBox)."""
    top, bottom, left = 16, 28, 8
    plot_h = height - top - bottom
    n = max(len(bars), 1)
    slot = (width - left * 2) / n
    bar_w = max(slot * 0.7, 2)
    peak = max((sum(v for _, v in b.parts) for b in bars), default=0) or 1
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(caption)}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{width - left}" y2="{top + plot_h}"/>',
        f'<text class="peak" x="{left}" y="{top - 4}">{peak}</text>',
    ]
    label_every = max(1, round(n / 8))
    for i, b in enumerate(bars):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        out.append(f"<g><title>{escape(b.title)}</title>")
        for css, value in b.parts:
            h = plot_h * value / peak
            y -= h
            if value:
                out.append(f'<rect class="{escape(css)}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}"/>')
        out.append("</g>")
        if i % label_every == 0:
            out.append(
                f'<text class="label" x="{x + bar_w / 2:.1f}" y="{height - 8}" text-anchor="middle">'
                f"{escape(b.label)}</text>"
            )
    out.append("</svg>")
    return "".join(out)
