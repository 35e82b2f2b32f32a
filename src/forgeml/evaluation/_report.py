"""The model report: one self-contained HTML page (inline CSS and SVG, no script, nothing fetched)
with the leaderboard, cross-validated scores, permutation importance and mean |contribution|,
confusion matrix, ROC and precision-recall curves (classification) or residual plots (regression),
calibration, and the training data profile.

Curves, the confusion matrix, calibration and permutation importance need labelled rows the model
has not seen: pass ``data`` (with the target column). A predictor keeps no per-row out-of-fold
predictions (only their distribution, in its profile), so without ``data`` the page says so and
shows what it can: the leaderboard, CV scores, the profile and, when ``explain_data`` is given
(unlabelled rows, e.g. the training table), mean |contribution|.

Example:
    >>> html = build_report(forgeml.load("credit-model"), data="holdout.csv")   # doctest: +SKIP
    >>> Path("report.html").write_text(html)                                     # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from forgeml._version import __version__
from forgeml.automl import AutoML
from forgeml.data import FeatureProfile, read_table
from forgeml.evaluation import _charts as charts
from forgeml.evaluation._evaluate import evaluate
from forgeml.evaluation._explain import explain
from forgeml.evaluation._importance import Labelled, labelled_rows, permutation_importance
from forgeml.evaluation._segments import clip_to_metric, fold_interval
from forgeml.predictor import Predictor

__all__ = ["CSS", "build_report", "html_page", "html_table"]

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;color:#222;max-width:1150px;padding:0 1em}
h1{margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:2px solid #3b6ea5;padding-bottom:.2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}td,th{padding:3px 9px;border-bottom:1px solid #ddd;
text-align:left;vertical-align:top}td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#666}.note{background:#f4f6f9;border-left:4px solid #3b6ea5;padding:.5em .9em;margin:.8em 0}
.charts{display:flex;flex-wrap:wrap;gap:1.2em;align-items:flex-start}.chart svg{max-width:100%;height:auto}
.small .chart svg{width:260px}.warn{color:#b00020}
"""


def html_page(title: str, body: str) -> str:
    """A complete page: the shared CSS, the title and ``body``."""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{CSS}</style></head>'
        f"<body>{body}</body></html>"
    )


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return '<td class="num muted">–</td>'
    if isinstance(v, bool):
        return f"<td>{'yes' if v else 'no'}</td>"
    if isinstance(v, int | np.integer):
        return f'<td class="num">{int(v):,}</td>'
    if isinstance(v, float | np.floating):
        return f'<td class="num">{float(v):.4g}</td>'
    return f"<td>{escape(str(v))}</td>"


def html_table(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> str:
    """``frame`` as an HTML table (numbers right-aligned, 4 significant digits)."""
    cols = list(columns or frame.columns)
    head = "".join(f"<th>{escape(str(c))}</th>" for c in cols)
    rows = "".join("<tr>" + "".join(_cell(r.get(c)) for c in cols) + "</tr>" for r in frame.to_dict("records"))
    return f"<table><tr>{head}</tr>{rows}</table>"


def _chart(svg: str) -> str:
    return f'<div class="chart">{svg}</div>'


def _sample(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    if len(frame) <= n:
        return frame
    return frame.sample(n=n, random_state=seed).sort_index()


# ---- sections ------------------------------------------------------------------------------------------
def _summary(predictor: Predictor, name: str, data_note: str) -> str:
    info = predictor.info
    cfg = info.get("config") or {}
    board = predictor.leaderboard_frame()
    cv = info.get("cv_score")
    ci = ""
    top = board.iloc[0] if len(board) else None
    if cv is not None and top is not None and top.get("score_std") is not None:
        lo, hi = fold_interval(float(cv), float(top["score_std"]), int(cfg.get("n_folds") or 5))
        lo, hi = clip_to_metric(predictor.metric, lo, hi)
        ci = f" (95% interval {lo:.4g} – {hi:.4g} over {int(cfg.get('n_folds') or 5)} folds)"
    rows = [
        ("model", name),
        ("task", f"{predictor.task} — target '{predictor.schema.target.name}'"),
        ("classes", ", ".join(map(str, predictor.classes)) or "–"),
        ("metric", predictor.metric),
        ("cross-validated score", "–" if cv is None else f"{float(cv):.5g}{ci}"),
        ("members", ", ".join(f"{m.name} ({m.weight:.2f})" for m in predictor.members)),
        ("training rows", f"{int(info['n_rows']):,}" if info.get("n_rows") is not None else "–"),
        ("features", f"{len(predictor.schema.features)} used, {len(predictor.schema.dropped)} excluded"),
        ("rows behind the plots", data_note),
    ]
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _leaderboard(predictor: Predictor) -> str:
    board = predictor.leaderboard_frame()
    if board.empty:
        return "<h2>Leaderboard</h2><p>No leaderboard was saved with this model.</p>"
    cols = [c for c in ("model", "family", "status", "score", "score_std", "fit_seconds", "weight") if c in board]
    done = board[board["status"] == "complete"].head(15)
    chart = ""
    if not done.empty:
        chart = _chart(
            charts.interval_chart(
                done["model"].tolist(),
                done["score"].astype(float).tolist(),
                done["score_std"].fillna(0.0).astype(float).tolist(),
                title=f"Cross-validated {predictor.metric} (mean ± std over folds)",
                xlabel=predictor.metric,
            )
        )
    others = len(board) - len(board.head(25))
    more = f'<p class="muted">{others} more rows not shown.</p>' if others > 0 else ""
    return (
        f"<h2>Leaderboard and cross-validated scores</h2>{html_table(board.head(25), cols)}{more}"
        f'<div class="charts">{chart}</div>'
    )


def _importance(predictor: Predictor, rows: Labelled | None, shap_rows: pd.DataFrame | None, seed: int) -> str:
    parts = []
    if rows is not None:
        labelled = rows.X.assign(**{predictor.schema.target.name: _labels(predictor, rows)})
        imp = permutation_importance(predictor, labelled, seed=seed, n_repeats=5, max_rows=2000)
        head = imp.head(20)
        parts.append(
            _chart(
                charts.bar_chart(
                    head["feature"].tolist(),
                    head["importance"].tolist(),
                    errors=head["std"].tolist(),
                    title=f"Permutation importance (drop in {imp['metric'].iloc[0]}, 5 shuffles)",
                    xlabel=f"worsening of {imp['metric'].iloc[0]}",
                )
            )
        )
    notes: list[str] = []
    if shap_rows is not None and len(shap_rows):
        ex = explain(predictor, shap_rows, seed=seed)
        mean = ex.importance().head(20)
        what = "positive-class probability" if predictor.task == "binary" else (
            "class probabilities" if predictor.task == "multiclass" else "predicted value")  # fmt: skip
        parts.append(
            _chart(
                charts.bar_chart(
                    list(mean.index),
                    mean.tolist(),
                    title=f"Mean |contribution| ({len(shap_rows):,} rows)",
                    xlabel=f"mean |contribution| to the {what}",
                )
            )
        )
        methods = sorted({f"{m.name}: {m.method}" for m in ex.members})
        notes = [f"Contributions per member — {'; '.join(methods)}.", *ex.notes]
    if not parts:
        return (
            "<h2>Feature importance</h2><p>Importance needs rows: pass labelled held-out data "
            "(<code>--data holdout.csv</code>).</p>"
        )
    note = "".join(f'<p class="muted">{escape(n)}</p>' for n in notes)
    return f'<h2>Feature importance</h2><div class="charts">{"".join(parts)}</div>{note}'


def _labels(predictor: Predictor, rows: Labelled) -> list[Any]:
    return list(rows.raw[predictor.schema.target.name])


def _binned_means(pred: np.ndarray, truth: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean prediction, mean truth and row count in up to 10 equal-count bins of ``pred``."""
    order = np.argsort(pred, kind="stable")
    groups = [g for g in np.array_split(order, int(min(10, max(3, n // 20)))) if len(g)]
    return (
        np.array([pred[g].mean() for g in groups]),
        np.array([truth[g].mean() for g in groups]),
        np.array([len(g) for g in groups]),
    )


def _classification(predictor: Predictor, rows: Labelled, raw: np.ndarray) -> str:
    labels = [str(c) for c in predictor.classes]
    y = rows.y.astype(int)
    k = len(labels)
    cm = np.zeros((k, k), dtype=int)
    np.add.at(cm, (y, np.argmax(raw, axis=1)), 1)
    parts = [_chart(charts.confusion_chart(cm, labels))]
    roc, pr, cal = [], [], []
    targets = [1] if k == 2 else list(range(k))
    for c in targets:
        truth = (y == c).astype(int)
        if truth.min() == truth.max():
            continue
        score = raw[:, c]
        fpr, tpr, _ = skm.roc_curve(truth, score)
        prec, rec, _ = skm.precision_recall_curve(truth, score)
        auc = skm.auc(fpr, tpr)
        ap = skm.average_precision_score(truth, score)
        roc.append((f"{labels[c]} (AUC {auc:.3f})", fpr, tpr))
        pr.append((f"{labels[c]} (AP {ap:.3f})", rec, prec))
    if roc:
        parts.append(_chart(charts.curve_chart(roc, title="ROC curve", xlabel="false positive rate",
                                               ylabel="true positive rate", diagonal=True)))  # fmt: skip
        parts.append(_chart(charts.curve_chart(pr, title="Precision-recall curve", xlabel="recall",
                                               ylabel="precision")))  # fmt: skip
    if k == 2:
        truth, prob, name = (y == 1).astype(int), raw[:, 1], f"P({labels[1]})"
    else:
        truth, prob, name = (np.argmax(raw, axis=1) == y).astype(int), raw.max(axis=1), "top-class probability"
    predicted, observed, counts = _binned_means(prob, truth.astype(float), len(y))
    brier = float(np.mean((prob - truth) ** 2))
    cal.append((f"{name} (Brier {brier:.3f})", predicted, observed, counts))
    parts.append(_chart(charts.calibration_chart(cal, title="Calibration (quantile bins)", xlabel=f"mean {name}",
                                                 ylabel="observed frequency")))  # fmt: skip
    return f'<h2>Classification on held-out rows</h2><div class="charts">{"".join(parts)}</div>'


def _regression(rows: Labelled, raw: np.ndarray) -> str:
    y = rows.y.astype(float)
    res = y - raw
    counts, edges = np.histogram(res, bins=min(30, max(5, len(res) // 10)))
    labels = [f"{(a + b) / 2:.3g}" for a, b in pairwise(edges)]
    pred_mean, obs_mean, counts_per_bin = _binned_means(raw, y, len(y))
    parts = [
        _chart(charts.scatter_chart(raw, y, title="Predicted vs actual", xlabel="predicted", ylabel="actual",
                                    diagonal=True)),
        _chart(charts.scatter_chart(raw, res, title="Residuals vs predicted", xlabel="predicted",
                                    ylabel="actual − predicted", zero=True)),
        _chart(charts.histogram_chart(labels, counts.tolist(), title="Residuals (actual − predicted)",
                                      width=4.2, height=3.2)),
        _chart(charts.calibration_chart([("binned means", pred_mean, obs_mean, counts_per_bin)],
                                        title="Calibration (mean actual per bin of predictions)",
                                        xlabel="mean predicted", ylabel="mean actual")),
    ]  # fmt: skip
    return f'<h2>Regression on held-out rows</h2><div class="charts">{"".join(parts)}</div>'


def _metrics(predictor: Predictor, rows: Labelled) -> str:
    report = evaluate(predictor, rows.X.assign(**{predictor.schema.target.name: _labels(predictor, rows)}))
    frame = pd.DataFrame(
        [
            {"metric": k + (" (optimised)" if k == predictor.metric else ""), "value": v}
            for k, v in report["metrics"].items()
        ]
    )
    return f"<h2>Metrics on held-out rows ({report['n_rows']:,})</h2>{html_table(frame)}"


def _value(role: str, v: float) -> str:
    """A profiled number as text: a date for datetime columns (stored as epoch seconds)."""
    if role == "datetime":
        return str(pd.Timestamp(float(v), unit="s").strftime("%Y-%m-%d"))
    return f"{v:.3g}"


def _distribution(f: FeatureProfile) -> tuple[list[str], list[float]]:
    """Bars to draw for a profiled column: equal-width bins of its sampled values (numeric), else
    its counts per category (the profile's decile bins would all be the same height)."""
    if f.kind == "numeric" and f.sample:
        counts, edges = np.histogram(np.asarray(f.sample, dtype=float), bins=12)
        mids = (edges[:-1] + edges[1:]) / 2
        return [_value(f.role, m) for m in mids], counts.tolist()
    return f.bin_labels(), [float(c) for c in f.counts]


def _profile(predictor: Predictor) -> str:
    profile = predictor.profile
    schema = predictor.schema
    excluded = pd.DataFrame([{"column": c.name, "role": c.role, "reason": c.reason or "–"} for c in schema.dropped])
    dropped = f"<h3>Excluded columns</h3>{html_table(excluded)}" if len(excluded) else ""
    if profile is None:
        return f"<h2>Training data profile</h2><p>This model was saved without a data profile.</p>{dropped}"
    recs = []
    figs = []
    for f in profile.features[:40]:
        s = f.stats
        top = ", ".join(f.categories[:3]) if f.kind == "categorical" else ""
        rec: dict[str, Any] = {"feature": f.name, "role": f.role, "rows": f.n, "missing": f"{f.missing_rate:.1%}"}
        for key in ("mean", "std", "min", "median", "max"):
            v = s.get(key)
            rec[key] = _value(f.role, v) if f.role == "datetime" and v is not None and key != "std" else v
        if f.role == "datetime" and s.get("std") is not None:
            rec["std"] = f"{s['std'] / 86400:.4g} days"
        rec["most frequent"] = top
        recs.append(rec)
        figs.append(_chart(charts.histogram_chart(*_distribution(f), title=f"{f.name} ({f.role})")))
    for f in profile.predictions:
        figs.append(_chart(charts.histogram_chart(*_distribution(f), title=f"out-of-fold {f.name}")))
    return (
        f"<h2>Training data profile ({profile.n_rows:,} rows)</h2>{html_table(pd.DataFrame(recs))}"
        f'<div class="charts small">{"".join(figs)}</div>{dropped}'
    )


def build_report(
    model: AutoML | Predictor,
    *,
    data: Any = None,
    explain_data: Any = None,
    name: str = "model",
    data_label: str = "",
    seed: int = 0,
    max_rows: int = 2000,
) -> str:
    """The report page as HTML text.

    ``data``: labelled held-out rows (DataFrame or file) for metrics, curves and permutation
    importance. ``explain_data``: rows for mean |contribution| when ``data`` is not given.
    At most ``max_rows`` rows (a seeded sample) are explained.

    Example:
        >>> html = build_report(automl, data=holdout_df, name="credit@3")    # doctest: +SKIP
        >>> html.count("<svg") >= 6                                           # doctest: +SKIP
        True
    """
    predictor = model.predictor if isinstance(model, AutoML) else model
    rows = labelled_rows(predictor, data, purpose="the report's held-out section") if data is not None else None
    shap_rows: pd.DataFrame | None = None
    if rows is not None:
        data_note = f"{len(rows.y):,} labelled held-out rows{f' from {data_label}' if data_label else ''}"
        shap_rows = _sample(rows.X, max_rows, seed)
    else:
        data_note = (
            "none given: curves, calibration and permutation importance need labelled held-out rows "
            "(--data holdout.csv); the model keeps no per-row out-of-fold predictions"
        )
        if explain_data is not None:
            shap_rows = _sample(read_table(explain_data), max_rows, seed)
            data_note += f"; mean |contribution| on {len(shap_rows):,} rows of {data_label or 'the given table'}"
    sections = [
        f"<h1>Model report: {escape(name)}</h1>"
        f'<p class="muted">forgeml {__version__} — generated {datetime.now(UTC).isoformat(timespec="seconds")}</p>',
        _summary(predictor, name, data_note),
        _leaderboard(predictor),
    ]
    if rows is not None:
        raw = predictor.predict_raw(rows.X)
        sections.append(_metrics(predictor, rows))
        sections.append(
            _classification(predictor, rows, raw)
            if predictor.schema.target.is_classification
            else _regression(rows, raw)
        )
    else:
        sections.append(f'<div class="note">{escape(data_note[0].upper() + data_note[1:])}.</div>')
    sections.append(_importance(predictor, rows, shap_rows, seed))
    sections.append(_profile(predictor))
    sections.append(
        '<p class="muted">Contributions are in the output space of the model (probabilities or values): for '
        "each row, the base value plus the contributions equals the prediction. Tree boosters use exact "
        "TreeSHAP, linear models their exact terms, forests path attribution, other families sampled "
        "baseline Shapley values.</p>"
    )
    return html_page(f"Model report: {name}", "".join(sections))
