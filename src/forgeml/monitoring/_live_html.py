"""The live report as one self-contained HTML page: the drift sections of the batch page (reference
vs live charts per feature), a table of windows, the performance trend as an inline SVG line chart
against the CV estimate, and the shadow comparison. No scripts, nothing fetched."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from forgeml.monitoring._html import CSS, section

if TYPE_CHECKING:
    from forgeml.monitoring._live_report import LiveReport, Performance

_W, _H, _PAD = 640, 200, 40


def _fmt(v: float | None, spec: str = ".4g") -> str:
    return "—" if v is None else format(v, spec)


def _trend(perf: Performance) -> str:
    """Metric per window (orange points and line) with the CV estimate (grey dashed line)."""
    points = [(i, w.value) for i, w in enumerate(perf.windows) if w.value is not None]
    if not points:
        return "<p>No feedback yet for the predictions in these windows.</p>"
    values = [v for _, v in points] + ([perf.cv_score] if perf.cv_score is not None else [])
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.1 or abs(hi) * 0.05 or 1.0
    lo, hi = lo - pad, hi + pad
    n = max(1, len(perf.windows) - 1)

    def x(i: int) -> float:
        return _PAD + (_W - 2 * _PAD) * (i / n if len(perf.windows) > 1 else 0.5)

    def y(v: float) -> float:
        return _H - 20 - (_H - 40) * (v - lo) / (hi - lo)

    parts = [
        f'<svg width="{_W}" height="{_H}" role="img" aria-label="{escape(perf.metric)} per window">',
        f'<line x1="{_PAD}" y1="{_H - 20}" x2="{_W - _PAD}" y2="{_H - 20}" stroke="#999"/>',
        f'<text x="2" y="{y(hi - pad) + 4:.1f}" font-size="10">{hi - pad:.3g}</text>',
        f'<text x="2" y="{y(lo + pad) + 4:.1f}" font-size="10">{lo + pad:.3g}</text>',
    ]
    if perf.cv_score is not None:
        cy = y(perf.cv_score)
        parts.append(
            f'<line x1="{_PAD}" y1="{cy:.1f}" x2="{_W - _PAD}" y2="{cy:.1f}" stroke="#607d8b" stroke-dasharray="5,4">'
            f"<title>CV estimate {perf.cv_score:.4g}</title></line>"
        )
    path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in points)
    parts.append(f'<polyline points="{path}" fill="none" stroke="#ff9800" stroke-width="2"/>')
    for i, v in points:
        w = perf.windows[i]
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="#ff9800">'
            f"<title>{escape(w.start[:16])}: {v:.4g} on {w.n_feedback} labels</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _windows(report: LiveReport) -> str:
    perf = {w.start: w for w in report.performance.windows}
    head = "".join(f"<th>{h}</th>" for h in ("window start", "rows", "dataset drift", "drifted", "labels", "metric"))
    rows = []
    for w in report.windows:
        p = perf.get(w.start)
        verdict = '<span class="yes">yes</span>' if w.dataset_drift else '<span class="no">no</span>'
        rows.append(
            f"<tr><td>{escape(w.start[:19])}</td><td class='num'>{w.n_rows:,}</td><td>{verdict}</td>"
            f"<td>{escape(', '.join(w.drifted_features)) or '—'}</td>"
            f"<td class='num'>{p.n_feedback if p else 0}</td><td class='num'>{_fmt(p.value if p else None)}</td></tr>"
        )
    return f"<h2>Windows</h2><table><tr>{head}</tr>{''.join(rows)}</table>"


def _shadow(report: LiveReport) -> str:
    s = report.shadow
    if s is None:
        return ""
    items = [
        ("shadow versions", ", ".join(map(str, s.shadow_versions))),
        ("rows compared", f"{s.n_compared:,}"),
        ("label agreement", _fmt(s.agreement, ".1%")),
        ("mean absolute difference", _fmt(s.mean_abs_diff)),
        ("rows with feedback", f"{s.n_feedback:,}"),
        (f"served model {report.performance.metric}", _fmt(s.champion_score)),
        (f"shadow model {report.performance.metric}", _fmt(s.shadow_score)),
    ]
    rows = "".join(f"<tr><td>{k}</td><td class='num'>{escape(v)}</td></tr>" for k, v in items)
    return f"<h2>Shadow model</h2><table>{rows}</table>"


def render_live_html(report: LiveReport) -> str:
    """The page for ``report`` (see the module docstring)."""
    d, p = report.drift, report.performance
    t = d.thresholds
    title = f"Live monitoring: {escape(report.model)} version {report.version}"
    span = f"from {escape(report.since[:19])} " if report.since else ""
    verdict = '<span class="yes">yes</span>' if d.dataset_drift else '<span class="no">no</span>'
    degraded = '<span class="yes">degraded</span>' if p.degraded else '<span class="no">ok</span>'
    summary = (
        f"<p>Live rows {span}to {escape(report.until[:19])}: {report.n_rows:,} in {len(report.windows)} windows. "
        f"Dataset drift: {verdict} — {len(d.drifted_features)} of {len(d.features)} features drifted "
        f"({d.share_drifted:.0%}; threshold {t.dataset_share:.0%}).</p>"
        f"<p>{escape(p.metric)} on {p.n_feedback:,} labelled predictions: {_fmt(p.value)} "
        f"(CV estimate {_fmt(p.cv_score)}): {degraded} (threshold: {p.degradation:.0%} worse than CV).</p>"
        '<p class="legend"><span><i class="sw" style="background:#607d8b"></i>reference / CV</span>'
        '<span><i class="sw" style="background:#ff9800"></i>live</span></p>'
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{CSS}</style></head><body><h1>{title}</h1>{summary}"
        f"<h2>Performance trend ({escape(p.metric)})</h2>{_trend(p)}{_windows(report)}{_shadow(report)}"
        f"{section('Features', d.features)}{section('Predictions', d.predictions)}</body></html>"
    )
