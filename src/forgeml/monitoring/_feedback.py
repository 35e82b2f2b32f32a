"""Late labels: feedback rows joined to the prediction log, and the model's metric on them.

``prediction_log.prediction_json`` holds ``{"label": ..., "proba": [...]}`` for classifiers (the
probabilities in the order of the model's classes) and ``{"value": ...}`` for regressors, so any of
the model's metrics can be computed once the true outcome is known.

Feedback for a prediction id that already has feedback **overwrites** it (idempotent: sending the
same outcome twice changes nothing; sending a corrected one replaces it) and is counted as
``updated``.

Example:
    >>> from forgeml.monitoring import record_feedback
    >>> record_feedback("churn", ["3f2a…"], ["yes"])          # doctest: +SKIP
    FeedbackResult(recorded=1, updated=0)
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, insert, select, update

from forgeml.data import TargetSpec, decode_labels
from forgeml.data._target import encode_target
from forgeml.errors import ConfigError, DataError, ForgeError, NotFoundError
from forgeml.metrics import Scorer, default_metric, get_scorer
from forgeml.store import Store, default_store, format_time, utc_now
from forgeml.store.tables import feedback, prediction_log

__all__ = ["FeedbackResult", "prediction_json", "record_feedback", "score_pairs"]

_IN_CHUNK = 500


@dataclass(frozen=True)
class FeedbackResult:
    """How many outcomes were new (``recorded``) and how many replaced earlier ones (``updated``)."""

    recorded: int
    updated: int

    def to_json(self) -> dict[str, int]:
        return {"recorded": self.recorded, "updated": self.updated}


def prediction_json(raw: np.ndarray, target: TargetSpec) -> list[str]:
    """One ``prediction_json`` text per row of a raw prediction (probabilities or values).

    Example:
        >>> prediction_json(np.array([[0.25, 0.75]]), TargetSpec("y", "binary", classes=("no", "yes")))
        ['{"label":"yes","proba":[0.25,0.75]}']
    """
    enc = json.JSONEncoder(separators=(",", ":")).encode
    if target.is_classification:
        labels = decode_labels(np.argmax(raw, axis=1), target).tolist()
        return [enc({"label": label, "proba": p}) for label, p in zip(labels, raw.tolist(), strict=True)]
    values = np.asarray(raw, dtype=float).reshape(len(raw), -1)[:, 0].tolist()
    return [enc({"value": v}) for v in values]


def raw_of(records: Sequence[dict[str, Any]], target: TargetSpec) -> np.ndarray:
    """The raw prediction matrix (or vector) back from decoded ``prediction_json`` records."""
    if target.is_classification:
        return np.asarray([r["proba"] for r in records], dtype=float)
    return np.asarray([r["value"] for r in records], dtype=float)


def scorer_for(metric: str, task: str) -> Scorer:
    """The scorer of the model's metric, or the task's default when the metric is a custom one."""
    try:
        return get_scorer(metric, task)
    except ConfigError:
        return get_scorer(default_metric(task), task)


def score_pairs(
    outcomes: Sequence[Any], predictions: Sequence[dict[str, Any]], target: TargetSpec, scorer: Scorer
) -> float | None:
    """``scorer`` on true ``outcomes`` and decoded ``prediction_json`` records; None when it cannot be
    computed (no rows, or e.g. ROC AUC on rows of one class only).

    Example:
        >>> t = TargetSpec("y", "binary", classes=("no", "yes"))
        >>> score_pairs(["yes", "no"], [{"proba": [0.2, 0.8]}, {"proba": [0.6, 0.4]}], t, get_scorer("accuracy"))
        1.0
    """
    if not outcomes:
        return None
    y = encode_target(pd.Series(list(outcomes), dtype=object), target)
    try:
        value = scorer.score(y, raw_of(predictions, target))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _check_outcome(pid: str, outcome: Any, target: TargetSpec) -> None:
    if outcome is None:
        raise DataError(f"prediction '{pid}': the outcome is missing (null); send the true value of '{target.name}'.")
    if not target.is_classification:
        ok = isinstance(outcome, int | float) and not isinstance(outcome, bool) and math.isfinite(outcome)
        if not ok:
            raise DataError(
                f"prediction '{pid}': the outcome must be a number (target '{target.name}' is a regression target), "
                f"got {outcome!r}."
            )
        return
    if not isinstance(outcome, str | int | float | bool):
        raise DataError(
            f"prediction '{pid}': the outcome must be one of {list(target.classes or ())}, got {outcome!r}."
        )
    try:
        encode_target(pd.Series([outcome], dtype=object), target)
    except ForgeError:
        raise DataError(
            f"prediction '{pid}': outcome {outcome!r} is not one of the classes of target '{target.name}' "
            f"{list(target.classes or ())}."
        ) from None


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), _IN_CHUNK):
        yield items[i : i + _IN_CHUNK]


def _predictions(conn: Connection, ids: Sequence[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    cols = (prediction_log.c.id, prediction_log.c.model_name, prediction_log.c.version, prediction_log.c.subject_id)
    for part in _chunks(ids):
        for r in conn.execute(select(*cols).where(prediction_log.c.id.in_(part))):
            found[r.id] = r
    return found


def _target_of(model: str, version: int, store: Store) -> TargetSpec:
    if version == 0:
        raise ConfigError(
            f"model '{model}' was served from a folder (logged as version 0); pass target= (its schema's target)."
        )
    import forgeml.registry as registry
    from forgeml.predictor import load_predictor

    return load_predictor(registry.resolve_model_path(f"{model}@{version}", store=store)).schema.target


def record_feedback(
    model: str,
    ids: Sequence[str],
    outcomes: Sequence[Any],
    *,
    target: TargetSpec | None = None,
    store: Store | None = None,
    now: datetime | None = None,
) -> FeedbackResult:
    """Record the true ``outcomes`` of predictions ``ids`` (as returned by the server's predict).

    ``target`` checks the outcomes' type (default: the target of the registered version that made
    the first prediction). A second outcome for the same id replaces the first (``updated``).
    ``now``: the time recorded as received (default: the current time).

    Raises:
        NotFoundError: an id was never logged, or was logged for another model (names the id).
        DataError: an outcome is missing, or of the wrong type for the target (names the id).

    Example:
        >>> record_feedback("churn", ids, ["yes", "no"])   # doctest: +SKIP
        FeedbackResult(recorded=2, updated=0)
    """
    if len(ids) != len(outcomes):
        raise DataError(f"feedback needs one outcome per id; got {len(ids)} ids and {len(outcomes)} outcomes.")
    if not ids:
        raise DataError("feedback needs at least one prediction id and its outcome.")
    st = store if store is not None else default_store()
    latest = dict(zip((str(i) for i in ids), outcomes, strict=True))  # the last outcome for a repeated id wins
    keys = list(latest)
    with st.read() as conn:
        found = _predictions(conn, keys)
    missing = [k for k in keys if k not in found]
    if missing:
        shown = ", ".join(f"'{k}'" for k in missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise NotFoundError(
            f"no logged prediction {shown} for model '{model}'; send the ids the predict response returned "
            "(predictions are logged only while monitoring is on)."
        )
    other = [k for k in keys if found[k].model_name != model]
    if other:
        raise NotFoundError(
            f"prediction '{other[0]}' was made by model '{found[other[0]].model_name}', not '{model}'; "
            f"send its feedback to that model."
        )
    spec = target if target is not None else _target_of(model, int(found[keys[0]].version), st)
    for k in keys:
        _check_outcome(k, latest[k], spec)
    return _write(st, model, keys, latest, found, format_time(now) if now is not None else utc_now())


def _write(
    st: Store, model: str, keys: list[str], latest: dict[str, Any], found: dict[str, Any], now: str
) -> FeedbackResult:
    with st.write() as conn:
        existing: set[str] = set()
        for part in _chunks(keys):
            q = select(feedback.c.prediction_id).where(feedback.c.prediction_id.in_(part))
            existing.update(conn.execute(q).scalars())
        new = [
            {
                "prediction_id": k,
                "model_name": model,
                "version": int(found[k].version),
                "created_at": now,
                "subject_id": found[k].subject_id,
                "outcome_json": json.dumps(latest[k]),
            }
            for k in keys
            if k not in existing
        ]
        if new:
            conn.execute(insert(feedback), new)
        for k in existing:
            conn.execute(
                update(feedback)
                .where(feedback.c.prediction_id == k)
                .values(outcome_json=json.dumps(latest[k]), created_at=now)
            )
    return FeedbackResult(recorded=len(new), updated=len(existing))


def feedback_rows(
    conn: Connection,
    model: str,
    version: int,
    *,
    predicted_since: str | None = None,
    received_since: str | None = None,
) -> list[tuple[str, dict[str, Any], Any, dict[str, Any] | None]]:
    """``(prediction created_at, prediction, outcome, shadow prediction or None)`` for every
    prediction of ``model`` ``version`` with feedback, oldest prediction first."""
    p, f = prediction_log, feedback
    q = (
        select(p.c.created_at, p.c.prediction_json, f.c.outcome_json, p.c.shadow_prediction_json)
        .select_from(f.join(p, f.c.prediction_id == p.c.id))
        .where(p.c.model_name == model, p.c.version == version)
        .order_by(p.c.created_at)
    )
    if predicted_since is not None:
        q = q.where(p.c.created_at >= predicted_since)
    if received_since is not None:
        q = q.where(f.c.created_at >= received_since)
    return [
        (r[0], json.loads(r[1]), json.loads(r[2]), json.loads(r[3]) if r[3] else None) for r in conn.execute(q).all()
    ]
