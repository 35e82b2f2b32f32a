"""``forgeml card``: a model card from the registry's facts (lineage, alias history) and, optionally,
labelled held-out rows for metrics and a per-segment (fairness) view."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from forgeml import registry
from forgeml.cli._app import app, handles_errors, out
from forgeml.cli._report import check_html_output
from forgeml.errors import ConfigError, ForgeError, NotFoundError
from forgeml.evaluation import CardFacts, clip_to_metric, evaluate, fold_interval, render_html, render_markdown
from forgeml.evaluation import segment_performance as segments_of
from forgeml.monitoring import DriftReport, drift_report, live_report
from forgeml.predictor import Predictor
from forgeml.registry import ModelVersion


def _plain(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    return v.item() if hasattr(v, "item") else v


def _interval(metric: str, score: float | None, std: float | None, folds: int) -> tuple[float, float] | None:
    if score is None or std is None:
        return None
    return clip_to_metric(metric, *fold_interval(float(score), float(std), folds))


def _cv_rows(predictor: Predictor, folds: int) -> list[dict[str, Any]]:
    board = predictor.leaderboard_frame()
    if board.empty:
        return []
    rows = []
    for r in board[board["status"] == "complete"].head(10).to_dict("records"):
        ci = _interval(predictor.metric, _plain(r.get("score")), _plain(r.get("score_std")), folds)
        rows.append({"model": r["model"], "score": _plain(r.get("score")), "ci_low": ci and ci[0],
                     "ci_high": ci and ci[1], "weight": _plain(r.get("weight"))})  # fmt: skip
    return rows


def _time_span(predictor: Predictor) -> tuple[str, str, str] | None:
    if predictor.profile is None:
        return None
    preferred = predictor.schema.time_column
    dated = [f for f in predictor.profile.features if f.role == "datetime" and f.stats]
    dated.sort(key=lambda f: f.name != preferred)
    if not dated:
        return None
    f = dated[0]
    day = lambda s: str(pd.Timestamp(float(s), unit="s").date())  # noqa: E731
    return f.name, day(f.stats["min"]), day(f.stats["max"])


def _drift_text(report: DriftReport, what: str) -> str:
    drifted = report.drifted_features
    verdict = "drifts" if report.dataset_drift else "does not drift as a whole"
    listed = f"; drifted features: {', '.join(drifted[:8])}" if drifted else ""
    preds = "; the predictions drift too" if report.prediction_drift else ""
    return (
        f"{what} ({report.n_rows:,} rows) {verdict} from the training data "
        f"({len(drifted)} of {len(report.features)} features{listed}{preds})."
    )


def _drift(predictor: Predictor, ref: str | None, data: str | None) -> str | None:
    """What is known about drift: of the held-out rows, and of recorded live traffic."""
    parts = []
    if data is not None and predictor.profile is not None:
        parts.append(_drift_text(drift_report(predictor, data), "The held-out data"))
    if ref is not None:
        try:
            live = live_report(ref, predictor=predictor, version=int(ref.rsplit("@", 1)[1]))
        except ForgeError:  # no live traffic stored (or no store): nothing known
            live = None
        if live is not None:
            parts.append(_drift_text(live.drift, f"Live traffic since {live.windows[0].start[:19]}"))
    return " ".join(parts) or None


def _registry_facts(version: ModelVersion) -> dict[str, Any]:
    lin = version.lineage
    datasets = []
    for d in lin.get("datasets", []):
        try:
            reg = registry.get_dataset(d["name"], d["version"])
            rows, cols, when = reg.n_rows, reg.n_columns, f"{reg.created_at[:19]} by {reg.created_by}"
        except NotFoundError:
            rows, cols, when = None, None, "–"
        datasets.append({"name": d["name"], "version": d["version"], "fingerprint": d.get("fingerprint"),
                         "rows": rows, "columns": cols, "source": d.get("source"), "registered": when})  # fmt: skip
    approvals = [
        h.to_json()
        for h in registry.alias_history_of(version.name)
        if version.version in (h.version, h.previous_version)
    ]
    for a in approvals:
        a["moved_at"] = str(a["moved_at"])[:19]
        if a["version"] is None:
            a["version"] = "(removed)"
    return {
        "name": version.ref,
        "created_at": version.created_at[:19],
        "created_by": version.created_by,
        "trained_at": str(lin.get("trained_at") or "")[:19],
        "datasets": datasets,
        "approvals": approvals,
        "versions": dict(lin.get("versions") or {}),
    }


@app.command()
@handles_errors
def card(
    ref: Annotated[str, typer.Argument(help="Registered NAME, NAME@VERSION or NAME@ALIAS (or a model folder).")],
    intended_use: Annotated[
        str | None, typer.Option("--intended-use", help="What the model is for and who may use it.")
    ] = None,
    intended_use_file: Annotated[
        Path | None, typer.Option("--intended-use-file", help="Read the intended use from this text file.")
    ] = None,
    limitations: Annotated[
        str | None, typer.Option("--limitations", help="Known limitations to add to the generated ones.")
    ] = None,
    data: Annotated[
        str | None, typer.Option("--data", help="Labelled held-out rows for metrics (and --segment).")
    ] = None,
    segment: Annotated[
        str | None, typer.Option("--segment", help="Column of --data to report performance per value of.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write card.md or card.html (default: Markdown on stdout).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap intervals.")] = 0,
) -> None:
    """A model card: intended use, data lineage with fingerprints, features used and excluded, metrics
    with confidence intervals, performance per segment, limitations and approvals."""
    if intended_use is not None and intended_use_file is not None:
        raise ConfigError("give either --intended-use or --intended-use-file, not both.")
    if segment is not None and data is None:
        raise ConfigError(f"--segment '{segment}' needs --data: labelled rows to score per segment.")
    kind = check_html_output(output, (".md", ".html")) if output is not None else ".md"
    if intended_use_file is not None:
        if not intended_use_file.is_file():
            raise NotFoundError(f"--intended-use-file '{intended_use_file}' does not exist.")
        intended_use = intended_use_file.read_text(encoding="utf-8")
    is_folder = Path(ref).exists() or registry.parse_ref(ref) is None
    facts: dict[str, Any] = {"name": ref, "notes": []}
    if is_folder:
        facts["notes"].append("This model is a folder, not a registered version: no lineage or approvals recorded.")
    else:
        facts.update(_registry_facts(registry.resolve_version(ref)))
    predictor = registry.load_model(ref).predictor
    info, schema = predictor.info, predictor.schema
    folds = int((info.get("config") or {}).get("n_folds") or 5)
    board = predictor.leaderboard_frame()
    top_std = _plain(board.iloc[0].get("score_std")) if len(board) else None
    cv = _plain(info.get("cv_score"))
    if segment is not None:
        seg = segments_of(predictor, data, segment, seed=seed)
        facts.update(
            segment_column=segment,
            segment_source=str(data),
            segments=[{k: _plain(v) for k, v in r.items()} for r in seg.to_dict("records")],
        )
    if data is not None:
        ev = evaluate(predictor, data)
        facts["held_out"] = {"rows": ev["n_rows"], "source": str(data), "metrics": ev["metrics"]}
    facts["drift"] = _drift(predictor, None if is_folder else facts["name"], data)
    f = CardFacts(
        task=predictor.task,
        target=schema.target.name,
        metric=predictor.metric,
        classes=[str(c) for c in predictor.classes],
        intended_use=intended_use or "",
        user_limitations=limitations or "",
        training_rows=info.get("n_rows"),
        fit_seconds=None if info.get("fit_seconds") is None else round(float(info["fit_seconds"]), 1),
        cv_score=cv,
        cv_interval=_interval(predictor.metric, cv, top_std, folds),
        n_folds=folds,
        cv_scores=_cv_rows(predictor, folds),
        members=[{"name": m.name, "family": m.model.family, "weight": m.weight} for m in predictor.members],
        features_used=[{"name": c.name, "role": c.role} for c in schema.features],
        features_excluded=[{"name": c.name, "role": c.role, "reason": c.reason or "–"} for c in schema.dropped],
        subject_column=schema.subject_column,
        time_span=_time_span(predictor),
        **facts,
    )
    text = render_html(f) if kind == ".html" else render_markdown(f)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    out.print(f"wrote model card of {f.name} to {output}", highlight=False, soft_wrap=True)
