"""Incremental retraining: continue the champion's boosters on fresh rows and re-fit the weights.

What changes and what is kept:

- the schema and the fitted feature pipelines are the champion's (the input contract does not move;
  unseen categories are encoded as the pipelines already encode them);
- every booster member (LightGBM, XGBoost, CatBoost) gets up to ``extra_rounds`` more rounds fitted
  on the fit part of the fresh rows, starting from its trees; the validation part stops the new
  rounds early and the best prefix (at least one new round) is kept;
- other members (linear, forest, k-NN) are kept unchanged: refitting them on the fresh rows alone
  would forget the old data, and the weight re-fit below drops them when they no longer help;
- the ensemble weights are re-fitted with greedy selection (Caruana) on the validation part;
- the reference profile for drift monitoring is rebuilt from the fresh training rows (and the new
  model's predictions on them), so later drift is measured against the data the model last saw.

The validation part is the most recent ``val_share`` (20 %) of the fresh training rows (they
arrive in time order, see :func:`~forgeml.retraining.retrain`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from forgeml.data import prepare_training, profile_frame
from forgeml.ensemble import blend, greedy_ensemble
from forgeml.errors import DataError
from forgeml.features import FeaturePipeline
from forgeml.metrics import get_scorer
from forgeml.predictor import Member, Predictor

__all__ = ["continue_predictor"]

Phase = Callable[[str], None]
Matrix = np.ndarray | sp.csr_matrix


def _categorical(pipe: FeaturePipeline, columns: list[int] | None) -> list[int]:
    cats = list(pipe.categorical_)
    if columns is None:
        return cats
    where = {c: i for i, c in enumerate(columns)}
    return [where[c] for c in cats if c in where]


def _split(n: int, val_share: float) -> tuple[np.ndarray, np.ndarray]:
    n_val = max(2, round(n * val_share))
    if n - n_val < 2:
        raise DataError(
            f"incremental retraining needs at least 4 fresh training rows with a target, got {n}; "
            "give more fresh rows or a smaller --holdout."
        )
    return np.arange(n - n_val), np.arange(n - n_val, n)


def continue_predictor(
    champion: Predictor,
    fresh: pd.DataFrame,
    *,
    extra_rounds: int | None = None,
    val_share: float = 0.2,
    deadline: float | None = None,
    seed: int = 0,
    phase: Phase | None = None,
) -> tuple[Predictor, dict[str, Any]]:
    """A challenger built from ``champion`` (left untouched) and the labelled ``fresh`` rows.

    Returns the predictor and a summary: rounds before/after per booster, the validation score of
    the re-weighted blend and which members were kept.

    Example:
        >>> challenger, info = continue_predictor(champion, fresh_rows)   # doctest: +SKIP
        >>> info["members"][0]["rounds_after"] > info["members"][0]["rounds_before"]   # doctest: +SKIP
        True
    """
    say = phase or (lambda _m: None)
    frame, y, _ = prepare_training(fresh, champion.schema)
    fit_idx, val_idx = _split(len(y), val_share)
    matrices = {enc: pipe.transform(frame).X for enc, pipe in champion.pipelines.items()}
    scorer = get_scorer(champion.metric, champion.task)
    members: list[Member] = []
    summary: list[dict[str, Any]] = []
    say("continuing the boosters on the fresh rows")
    for m in champion.members:
        X = _columns(matrices[m.encoding], m.columns)
        before = m.model.best_iteration_
        model = m.model
        if model.can_continue and not getattr(model, "_constant", False):
            rounds = extra_rounds or int(min(1000, max(50, before or 100)))
            start = time.perf_counter()
            model.continue_fit(
                X[fit_idx],
                y[fit_idx],
                rounds=rounds,
                categorical=_categorical(champion.pipelines[m.encoding], m.columns),
                X_val=X[val_idx],
                y_val=y[val_idx],
                deadline=deadline,
            )
            seconds = time.perf_counter() - start
            action = "continued"
        else:
            seconds, action = 0.0, "kept"
        members.append(Member(m.name, model, m.weight, m.columns))
        summary.append(
            {
                "member": m.name,
                "family": model.family,
                "action": action,
                "rounds_before": before,
                "rounds_after": model.best_iteration_,
                "seconds": round(seconds, 3),
            }
        )
    say("re-fitting the ensemble weights")
    preds = [m.model.predict(_columns(matrices[m.encoding], m.columns)[val_idx]) for m in members]
    result = greedy_ensemble(preds, y[val_idx], scorer)
    kept = [replace(members[i], weight=w) for i, w in result.weights.items()]
    val_score = scorer.score(y[val_idx], blend([preds[i] for i in result.weights], list(result.weights.values())))
    for s in summary:
        s["weight"] = round(next((k.weight for k in kept if k.name == s["member"]), 0.0), 4)
        i = next(i for i, m in enumerate(members) if m.name == s["member"])
        s["val_score"] = scorer.score(y[val_idx], preds[i])
    challenger = Predictor(
        champion.schema,
        {e: p for e, p in champion.pipelines.items() if any(k.encoding == e for k in kept)},
        kept,
        champion.metric,
        _leaderboard(summary, val_score),
        dict(champion.info),
        None,
    )
    raw = challenger.predict_raw(frame)
    challenger.profile = profile_frame(frame, champion.schema, predictions=raw, seed=seed)
    info = {"members": summary, "val_score": val_score, "n_fit": len(fit_idx), "n_val": len(val_idx)}
    return challenger, info


def _columns(X: Matrix, columns: list[int] | None) -> Matrix:
    return X if columns is None else X[:, columns]


def _leaderboard(summary: list[dict[str, Any]], val_score: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"model": "ensemble", "family": "ensemble", "status": "complete", "score": val_score, "weight": 1.0}
    ]
    for s in summary:
        rows.append(
            {
                "model": s["member"],
                "family": s["family"],
                "status": "complete",
                "score": s["val_score"],
                "weight": s["weight"],
                "fit_seconds": s["seconds"],
                "note": f"{s['action']}: {s['rounds_before']} → {s['rounds_after']} rounds"
                if s["action"] == "continued"
                else "kept unchanged",
            }
        )
    return rows
