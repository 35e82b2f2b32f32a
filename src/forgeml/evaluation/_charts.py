"""Charts for the HTML report, drawn with matplotlib (no pyplot, no global backend change) and
returned as inline ``<svg>`` text: the page needs no script and nothing from the network.

Example:
    >>> svg = bar_chart(["a", "b"], [0.3, 0.1], title="importance")
    >>> svg.startswith("<svg") and "</svg>" in svg
    True
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from html import escape
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

__all__ = [
    "bar_chart",
    "calibration_chart",
    "confusion_chart",
    "curve_chart",
    "histogram_chart",
    "interval_chart",
    "scatter_chart",
]

_STYLE: dict[str, Any] = {
    "svg.fonttype": "none",  # text stays text: small files, searchable, selectable
    "svg.hashsalt": "forgeml",  # stable ids, so the same report gives the same page
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_BLUE, _ORANGE, _GREY = "#3b6ea5", "#e07b39", "#888888"
_PALETTE = ["#3b6ea5", "#e07b39", "#4c9a5b", "#b54a4a", "#7d5ba6", "#8c6d31", "#c9579c", "#5f6b73"]


def _context() -> Any:
    return matplotlib.rc_context(_STYLE)  # type: ignore[arg-type]


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    with _context():
        fig.savefig(buf, format="svg")
    text = buf.getvalue()
    start = text.find("<svg")
    return re.sub(r"\s+$", "", text[start:])


def _figure(width: float = 5.0, height: float = 3.2) -> Figure:
    with _context():
        return Figure(figsize=(width, height), layout="constrained")


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    errors: Sequence[float] | None = None,
    title: str = "",
    xlabel: str = "",
) -> str:
    """Horizontal bars, first label on top (optionally with error bars)."""
    n = max(1, len(labels))
    with _context():
        fig = _figure(5.6, 0.9 + 0.24 * n)
        ax = fig.add_subplot()
        y = np.arange(len(labels))[::-1]
        ax.barh(y, values, xerr=errors, color=_BLUE, ecolor=_GREY, capsize=2)
        ax.set_yticks(y, [str(lab)[:32] for lab in labels])
        ax.axvline(0.0, color=_GREY, linewidth=0.6)
        ax.set_title(title, loc="left")
        ax.set_xlabel(xlabel)
        return _svg(fig)


def interval_chart(
    labels: Sequence[str],
    means: Sequence[float],
    spreads: Sequence[float] | np.ndarray,
    *,
    title: str = "",
    xlabel: str = "",
) -> str:
    """One point per label with a ``± spread`` bar (or ``(2, n)`` spreads below and above), first
    label on top; the axis fits the values (not from zero), so close scores stay apart."""
    n = max(1, len(labels))
    with _context():
        fig = _figure(5.6, 0.9 + 0.24 * n)
        ax = fig.add_subplot()
        y = np.arange(len(labels))[::-1]
        ax.errorbar(means, y, xerr=spreads, fmt="o", color=_BLUE, ecolor=_GREY, capsize=3, markersize=5)
        ax.set_yticks(y, [str(lab)[:32] for lab in labels])
        ax.set_ylim(-0.7, len(labels) - 0.3)
        ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
        ax.set_title(title, loc="left")
        ax.set_xlabel(xlabel)
        return _svg(fig)


def curve_chart(
    curves: Sequence[tuple[str, np.ndarray, np.ndarray]],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    diagonal: bool = False,
) -> str:
    """Lines ``(label, x, y)``, e.g. ROC or precision-recall curves."""
    with _context():
        fig = _figure(4.2, 3.6)
        ax = fig.add_subplot()
        for i, (label, x, y) in enumerate(curves):
            ax.plot(x, y, color=_PALETTE[i % len(_PALETTE)], linewidth=1.6, label=label)
        if diagonal:
            ax.plot([0, 1], [0, 1], color=_GREY, linestyle="--", linewidth=0.8)
        ax.set_xlim(-0.01, 1.01)
        ax.set_ylim(-0.01, 1.01)
        ax.set_title(title, loc="left")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(loc="lower right", fontsize=7, frameon=False)
        return _svg(fig)


def calibration_chart(
    curves: Sequence[tuple[str, np.ndarray, np.ndarray, np.ndarray]], *, title: str, xlabel: str, ylabel: str
) -> str:
    """Reliability diagram: ``(label, mean predicted, observed, counts)`` per bin, the diagonal
    being perfect calibration; marker size grows with the rows in a bin."""
    with _context():
        fig = _figure(4.2, 3.6)
        ax = fig.add_subplot()
        lo = min(
            [
                0.0,
                *[float(np.min(c[1])) for c in curves if len(c[1])],
                *[float(np.min(c[2])) for c in curves if len(c[2])],
            ]
        )
        hi = max(
            [
                1.0,
                *[float(np.max(c[1])) for c in curves if len(c[1])],
                *[float(np.max(c[2])) for c in curves if len(c[2])],
            ]
        )
        ax.plot([lo, hi], [lo, hi], color=_GREY, linestyle="--", linewidth=0.8, label="perfect")
        for i, (label, pred, obs, counts) in enumerate(curves):
            size = 12 + 60 * np.asarray(counts, float) / max(1.0, float(np.max(counts, initial=1)))
            color = _PALETTE[i % len(_PALETTE)]
            ax.plot(pred, obs, color=color, linewidth=1.4, label=label)
            ax.scatter(pred, obs, s=size, color=color, zorder=3)
        ax.set_title(title, loc="left")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(loc="upper left", fontsize=7, frameon=False)
        return _svg(fig)


def confusion_chart(matrix: np.ndarray, labels: Sequence[str], *, title: str = "Confusion matrix") -> str:
    """Heat map of counts, rows true classes, columns predicted ones, each cell labelled."""
    k = len(labels)
    m = np.asarray(matrix, dtype=float)
    with _context():
        fig = _figure(1.6 + 0.55 * k, 1.3 + 0.5 * k)
        ax = fig.add_subplot()
        share = m / np.maximum(m.sum(axis=1, keepdims=True), 1.0)
        ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
        for i in range(k):
            for j in range(k):
                ax.text(
                    j, i, f"{int(m[i, j])}", ha="center", va="center", color="white" if share[i, j] > 0.6 else "black"
                )
        names = [str(lab)[:14] for lab in labels]
        ax.set_xticks(range(k), names, rotation=30, ha="right")
        ax.set_yticks(range(k), names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(title, loc="left")
        return _svg(fig)


def scatter_chart(
    x: np.ndarray, y: np.ndarray, *, title: str, xlabel: str, ylabel: str, diagonal: bool = False, zero: bool = False
) -> str:
    """Points, with the ``y = x`` line (``diagonal``) or the ``y = 0`` line (``zero``)."""
    with _context():
        fig = _figure(4.2, 3.6)
        ax = fig.add_subplot()
        ax.scatter(x, y, s=8, alpha=0.6, color=_BLUE, edgecolors="none")
        if diagonal and len(x):
            lo, hi = float(min(np.min(x), np.min(y))), float(max(np.max(x), np.max(y)))
            ax.plot([lo, hi], [lo, hi], color=_GREY, linestyle="--", linewidth=0.8)
        if zero:
            ax.axhline(0.0, color=_GREY, linestyle="--", linewidth=0.8)
        ax.set_title(title, loc="left")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        return _svg(fig)


def histogram_chart(
    labels: Sequence[str], counts: Sequence[float], *, title: str, width: float = 3.4, height: float = 2.0
) -> str:
    """Vertical bars of ``counts`` per labelled bucket (a profile's bins or categories), as a small
    hand-written SVG (dozens of these are cheap, unlike a matplotlib figure each); ``width`` and
    ``height`` in inches at 96 pixels an inch."""
    w, h = int(width * 96), int(height * 96)
    left, top, bottom = 34, 18, 34
    n = max(1, len(labels))
    peak = max([float(c) for c in counts] + [1e-12])
    slot = (w - left - 6) / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<text x="2" y="12" font-size="11" font-family="sans-serif">{escape(title[:48])}</text>',
        f'<path d="M{left} {top} L{left} {h - bottom} L{w - 4} {h - bottom}" stroke="#888" fill="none"/>',
        f'<text x="{left - 3}" y="{top + 8}" font-size="9" text-anchor="end" font-family="sans-serif">'
        f"{peak:.3g}</text>",
    ]
    step = max(1, n // 6)
    for i, (label, count) in enumerate(zip(labels, counts, strict=True)):
        bar = (h - top - bottom) * float(count) / peak
        x = left + i * slot + slot * 0.08
        y = h - bottom - bar
        parts.append(
            f'<path d="M{x:.1f} {h - bottom} L{x:.1f} {y:.1f} L{x + slot * 0.84:.1f} {y:.1f} '
            f'L{x + slot * 0.84:.1f} {h - bottom} Z" fill="{_BLUE}">'
            f"<title>{escape(str(label))}: {count:g}</title></path>"
        )
        if i % step == 0:
            parts.append(
                f'<text font-size="9" font-family="sans-serif" transform="translate({x + slot * 0.4:.1f},'
                f'{h - bottom + 10}) rotate(30)">{escape(str(label)[:10])}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
