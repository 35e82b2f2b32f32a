"""Model cards: the facts about one model version, rendered as Markdown or a self-contained HTML page.

The facts (:class:`CardFacts`) are plain values gathered by the caller (the CLI reads them from the
registry: lineage with dataset fingerprints, alias moves as approvals); this module only derives
the generated limitations and renders. Sections: intended use, data lineage, features used and
excluded, metrics with confidence intervals, performance per segment (fairness view),
limitations, approvals.

Example:
    >>> facts = CardFacts(name="churn@3", task="binary", target="churned", metric="roc_auc")
    >>> render_markdown(facts).splitlines()[0]
    '# Model card: churn@3'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np

from forgeml.evaluation._charts import interval_chart
from forgeml.evaluation._report import html_page
from forgeml.evaluation._segments import SMALL_SEGMENT

__all__ = ["CardFacts", "generated_limitations", "render_html", "render_markdown"]


@dataclass(frozen=True)
class CardFacts:
    """Everything a model card says. Lists hold plain dicts (JSON-ready):

    ``datasets``: name, version, fingerprint, rows, columns, source, registered (at/by);
    ``features_used``: name, role; ``features_excluded``: name, role, reason;
    ``cv_scores``: model, score, ci_low, ci_high (per leaderboard entry);
    ``segments``: segment, rows, score, ci_low, ci_high, small (+ rates);
    ``approvals``: alias, version, previous_version, moved_at, moved_by.
    """

    name: str
    task: str
    target: str
    metric: str
    classes: list[str] = field(default_factory=list)
    intended_use: str = ""
    user_limitations: str = ""
    created_at: str = ""
    created_by: str = ""
    trained_at: str = ""
    training_rows: int | None = None
    fit_seconds: float | None = None
    cv_score: float | None = None
    cv_interval: tuple[float, float] | None = None
    n_folds: int | None = None
    cv_scores: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    datasets: list[dict[str, Any]] = field(default_factory=list)
    features_used: list[dict[str, Any]] = field(default_factory=list)
    features_excluded: list[dict[str, Any]] = field(default_factory=list)
    subject_column: str | None = None
    held_out: dict[str, Any] | None = None  # {"rows", "source", "metrics": {name: value}}
    segment_column: str | None = None
    segment_source: str = ""
    segments: list[dict[str, Any]] = field(default_factory=list)
    time_span: tuple[str, str, str] | None = None  # (column, first, last) of a datetime feature
    drift: str | None = None
    approvals: list[dict[str, Any]] = field(default_factory=list)
    versions: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _num(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def generated_limitations(f: CardFacts) -> list[str]:
    """Limitations that follow from the facts: small or weaker segments, little training data,
    the training time span, drift, missing held-out evaluation.

    Example:
        >>> generated_limitations(CardFacts("m@1", "binary", "y", "roc_auc", training_rows=200))[0]
        'Trained on 200 rows only: expect estimates to be noisy and the model to miss rare patterns.'
    """
    out = []
    if f.training_rows is not None and f.training_rows < 1000:
        out.append(
            f"Trained on {f.training_rows:,} rows only: "
            "expect estimates to be noisy and the model to miss rare patterns."
        )
    if f.time_span is not None:
        col, first, last = f.time_span
        out.append(
            f"Training data spans {first} to {last} (column '{col}'); behaviour outside that period is untested."
        )
    overall = next((s for s in f.segments if s.get("segment") == "all"), None)
    small = [s for s in f.segments if s.get("small") and s.get("segment") != "all"]
    if small:
        names = ", ".join(f"'{s['segment']}' ({s['rows']} rows)" for s in small)
        out.append(
            f"Segments with fewer than {SMALL_SEGMENT} labelled rows ({names}) have wide intervals: "
            "do not read differences into them."
        )
    if overall is not None and overall.get("score") is not None:
        low, high = overall.get("ci_low"), overall.get("ci_high")
        for s in f.segments:
            sc, hi, lo = s.get("score"), s.get("ci_high"), s.get("ci_low")
            if s.get("segment") == "all" or sc is None or hi is None or lo is None or low is None or high is None:
                continue
            if hi < low or lo > high:
                worse = (hi < low) == _higher_is_better(f.metric)
                out.append(
                    f"Segment '{s['segment']}' of '{f.segment_column}' scores {sc:.4g} {f.metric}, "
                    f"{'worse' if worse else 'better'} than overall ({overall['score']:.4g}) beyond both intervals."
                )
    if f.drift:
        out.append(f"Drift: {f.drift}")
    if f.held_out is None:
        out.append("No held-out evaluation was given: the scores are cross-validated on the training data only.")
    if f.subject_column:
        out.append(f"Rows are about people (subject id column '{f.subject_column}'); it is never used as a feature.")
    return out


def _higher_is_better(metric: str) -> bool:
    return metric not in ("log_loss", "rmse", "mae")


def _table(rows: list[dict[str, Any]], cols: list[tuple[str, str]]) -> str:
    if not rows:
        return "_none_\n"
    head = "| " + " | ".join(h for _, h in cols) + " |\n|" + "|".join("---" for _ in cols) + "|\n"
    body = "".join("| " + " | ".join(_cell(r.get(k)) for k, _ in cols) + " |\n" for r in rows)
    return head + body


def _cell(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    return _num(v).replace("|", "\\|").replace("\n", " ")


_DATASET_COLS = [
    ("name", "dataset"),
    ("version", "version"),
    ("fingerprint", "sha256 fingerprint"),
    ("rows", "rows"),
    ("columns", "columns"),
    ("source", "source"),
    ("registered", "registered"),
]
_APPROVAL_COLS = [
    ("moved_at", "when"),
    ("moved_by", "who"),
    ("alias", "alias"),
    ("version", "to version"),
    ("previous_version", "from version"),
]


def _metrics_md(f: CardFacts) -> list[str]:
    md = ["\n## Metrics\n\n"]
    if f.cv_score is not None:
        ci = f" (95% interval {f.cv_interval[0]:.4g} – {f.cv_interval[1]:.4g})" if f.cv_interval else ""
        md.append(f"Cross-validated {f.metric} over {_num(f.n_folds)} folds: **{f.cv_score:.4g}**{ci}.\n\n")
    cols = [("model", "model"), ("score", f.metric), ("ci_low", "95% low"), ("ci_high", "95% high")]
    md.append(_table(f.cv_scores, [*cols, ("weight", "ensemble weight")]))
    if f.held_out is not None:
        md.append(f"\nOn {f.held_out['rows']:,} held-out rows ({f.held_out.get('source') or 'given data'}):\n\n")
        rows = [{"metric": k, "value": v} for k, v in f.held_out["metrics"].items()]
        md.append(_table(rows, [("metric", "metric"), ("value", "value")]))
    return md


def _segments_md(f: CardFacts) -> list[str]:
    md = ["\n## Performance per segment\n\n"]
    if not f.segment_column:
        return [*md, "_Not computed: pass --data holdout.csv --segment COLUMN._\n"]
    md.append(
        f"{f.metric} per value of **{f.segment_column}** on {f.segment_source or 'the given data'}, "
        f"with bootstrap 95% intervals:\n\n"
    )
    rates = ("predicted_positive_rate", "mean_prediction")
    extra = [(k, k.replace("_", " ")) for k in rates if any(k in s for s in f.segments)]
    cols = [("segment", "segment"), ("rows", "rows"), ("score", f.metric), ("ci_low", "95% low")]
    md.append(_table(f.segments, [*cols, ("ci_high", "95% high"), *extra, ("small", "small")]))
    return md


def render_markdown(f: CardFacts) -> str:
    """The card as Markdown.

    Example:
        >>> "## Intended use" in render_markdown(CardFacts("m@1", "regression", "price", "rmse"))
        True
    """
    md = [f"# Model card: {f.name}\n\n"]
    classes = f" (classes: {', '.join(f.classes)})" if f.classes else ""
    md.append(
        f"{f.task.capitalize()} model predicting **{f.target}**{classes}, optimised for **{f.metric}**. "
        f"Registered {f.created_at or '–'} by {f.created_by or '–'}; trained {f.trained_at or '–'} on "
        f"{_num(f.training_rows)} rows in {_num(f.fit_seconds)} s.\n\n"
    )
    if f.members:
        md.append("Members: " + ", ".join(f"{m['name']} ({m['family']}, weight {m['weight']:.2f})" for m in f.members))
        md.append(".\n\n")
    md.append("\n## Intended use\n\n")
    md.append((f.intended_use.strip() or "_Not stated: pass --intended-use or --intended-use-file._") + "\n\n")
    md.append("\n## Data lineage\n\n")
    md.append(_table(f.datasets, _DATASET_COLS))
    md.append("\n## Features\n\n")
    md.append(f"Used ({len(f.features_used)}):\n\n")
    md.append(_table(f.features_used, [("name", "column"), ("role", "role")]))
    md.append(f"\nExcluded ({len(f.features_excluded)}):\n\n")
    md.append(_table(f.features_excluded, [("name", "column"), ("role", "role"), ("reason", "reason")]))
    md += _metrics_md(f)
    md += _segments_md(f)
    md.append("\n## Limitations\n\n")
    for item in generated_limitations(f):
        md.append(f"- {item}\n")
    if f.user_limitations.strip():
        md.append(f"- {f.user_limitations.strip()}\n")
    md.append("\n## Approvals\n\n")
    md.append(_table(f.approvals, _APPROVAL_COLS))
    if f.versions:
        md.append("\n## Software\n\n")
        md.append(", ".join(f"{k} {v}" for k, v in f.versions.items() if v) + "\n")
    for note in f.notes:
        md.append(f"\n_{note}_\n")
    return "".join(md)


def render_html(f: CardFacts) -> str:
    """The card as one self-contained HTML page (the Markdown rendered: headings, tables, lists)."""
    body = _markdown_to_html(render_markdown(f))
    scored = [s for s in f.segments if s.get("score") is not None]
    if scored:
        score = np.array([s["score"] for s in scored], dtype=float)
        low = np.array([s["score"] if s.get("ci_low") is None else s["ci_low"] for s in scored], dtype=float)
        high = np.array([s["score"] if s.get("ci_high") is None else s["ci_high"] for s in scored], dtype=float)
        svg = interval_chart(
            [f"{s['segment']} ({s['rows']})" for s in scored],
            score.tolist(),
            np.vstack([score - low, high - score]),
            title=f"{f.metric} per {f.segment_column} (bootstrap 95% intervals)",
            xlabel=f.metric,
        )
        body = body.replace("<h2>Limitations</h2>", f'<div class="chart">{svg}</div><h2>Limitations</h2>', 1)
    return html_page(f"Model card: {f.name}", body)


def _inline(text: str) -> str:
    t = escape(text)
    t = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", t)
    return re.sub(r"(?<![\w])_(.+?)_(?![\w])", r"<em>\1</em>", t)


def _markdown_to_html(md: str) -> str:
    """The small Markdown subset :func:`render_markdown` writes: headings, paragraphs, tables, lists."""
    html: list[str] = []
    lines = md.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            html.append(f"<h{level}>{_inline(line[level:].strip())}</h{level}>")
        elif line.startswith("| "):
            block = []
            while i < len(lines) and lines[i].startswith("|"):
                block.append(lines[i])
                i += 1
            cells = [[c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in block]
            head = "".join(f"<th>{_inline(c)}</th>" for c in cells[0])
            body = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in cells[2:])
            html.append(f"<table><tr>{head}</tr>{body}</table>")
            continue
        elif line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(f"<li>{_inline(lines[i][2:])}</li>")
                i += 1
            html.append(f"<ul>{''.join(items)}</ul>")
            continue
        elif line.strip():
            html.append(f"<p>{_inline(line)}</p>")
        i += 1
    return "".join(html)
