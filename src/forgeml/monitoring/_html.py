"""The drift report as one self-contained HTML page: inline CSS, inline SVG charts, no scripts,
nothing fetched from the network."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from forgeml.monitoring._drift import FeatureDrift

if TYPE_CHECKING:
    from forgeml.monitoring._report import DriftReport

CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:1em 0}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}.yes{color:#b00020;font-weight:bold}.no{color:#2e7d32}
.chart{display:inline-block;margin:0 1.5em 1.5em 0;vertical-align:top}.legend span{margin-right:1em}
.ref{fill:#607d8b}.live{fill:#ff9800}.sw{display:inline-block;width:10px;height:10px;margin-right:4px}
"""

_W, _H, _PAD = 420, 170, 28


def _svg(f: FeatureDrift) -> str:
    """Grouped bars: reference (grey) vs live (orange) share per bucket."""
    n = max(1, len(f.labels))
    top = max([*f.reference, *f.live, 1e-9])
    slot = (_W - _PAD) / n
    bar = max(1.0, slot * 0.4)
    parts = [
        f'<svg width="{_W}" height="{_H + 40}" role="img" '
        f'aria-label="{escape(f.name)}: reference vs live distribution">',
        f'<line x1="{_PAD}" y1="{_H}" x2="{_W}" y2="{_H}" stroke="#999"/>',
        f'<text x="0" y="12" font-size="10">{top:.0%}</text>',
    ]
    for i, label in enumerate(f.labels):
        x = _PAD + i * slot
        for j, (share, cls) in enumerate(((f.reference[i], "ref"), (f.live[i], "live"))):
            h = (_H - 16) * share / top
            parts.append(
                f'<rect class="{cls}" x="{x + j * bar:.1f}" y="{_H - h:.1f}" width="{bar:.1f}" height="{h:.1f}">'
                f"<title>{escape(label)} {cls}: {share:.1%}</title></rect>"
            )
        parts.append(
            f'<text font-size="9" transform="translate({x + bar:.1f},{_H + 6}) rotate(40)">{escape(label[:14])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _row(f: FeatureDrift) -> str:
    verdict = '<span class="yes">yes</span>' if f.drifted else '<span class="no">no</span>'
    return (
        f"<tr><td>{escape(f.name)}</td><td>{escape(f.role)}</td><td>{escape(f.statistic)}</td>"
        f'<td class="num">{f.value:.4g}</td><td class="num">{f.threshold:g}</td><td>{verdict}</td>'
        f'<td class="num">{f.psi:.3f}</td><td class="num">{f.missing_rate_reference:.1%}</td>'
        f'<td class="num">{f.missing_rate_live:.1%}</td></tr>'
    )


def section(title: str, items: list[FeatureDrift]) -> str:
    if not items:
        return ""
    head = "".join(
        f"<th>{h}</th>"
        for h in ("feature", "role", "statistic", "value", "threshold", "drift", "PSI", "missing ref", "missing live")
    )
    charts = "".join(
        f'<div class="chart"><h3>{escape(f.name)} {"⚠" if f.drifted else ""}</h3>{_svg(f)}</div>' for f in items
    )
    rows = "".join(_row(f) for f in items)
    return f"<h2>{title}</h2><table><tr>{head}</tr>{rows}</table>{charts}"


def render_html(report: DriftReport) -> str:
    """The page for ``report``: summary, a table sorted by drift, one chart per feature and prediction."""
    t = report.thresholds
    verdict = '<span class="yes">yes</span>' if report.dataset_drift else '<span class="no">no</span>'
    title = f"Drift report{': ' + escape(report.model) if report.model else ''}"
    summary = (
        f"<p>Dataset drift: {verdict} — {len(report.drifted_features)} of {len(report.features)} features drifted "
        f"({report.share_drifted:.0%}; threshold {t.dataset_share:.0%}). Live rows: {report.n_rows:,}; "
        f"reference rows: {report.n_reference:,}. Below {t.small_sample:,} live rows tests are used "
        f"(KS, chi-square; p &lt; {t.p_value:g}), otherwise distances (Wasserstein/std &gt; {t.wasserstein:g}, "
        f"Jensen-Shannon &gt; {t.jensenshannon:g}, PSI &gt; {t.psi:g}).</p>"
        '<p class="legend"><span><i class="sw ref" style="background:#607d8b"></i>reference</span>'
        '<span><i class="sw live" style="background:#ff9800"></i>live</span></p>'
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{CSS}</style></head><body><h1>{title}</h1>{summary}"
        f"{section('Features', report.features)}{section('Predictions', report.predictions)}</body></html>"
    )
