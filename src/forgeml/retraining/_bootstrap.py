"""Paired bootstrap replicates of a score difference, fast for the common metrics.

A replicate draws ``n`` row indices with replacement (one draw shared by both models) and scores
both models on them. A resample is the same as a weight vector (how often each row was drawn), so
for metrics that are means of per-row values (accuracy, log loss, MAE, RMSE) and for binary ROC AUC
(a weighted Mann-Whitney statistic over the rows sorted once) a replicate costs a few vector
operations instead of two metric calls. Other metrics call the scorer on each resample. Both paths
use the same draws, so they give the same replicates.

Example:
    >>> from forgeml.metrics import get_scorer
    >>> y = np.array([0, 1, 0, 1, 1, 0]); a = np.array([.2, .7, .4, .6, .9, .1]); b = a[::-1]
    >>> rng = np.random.default_rng(0)
    >>> fast = replicate_scores(y, a, get_scorer("roc_auc"), weights(6, 50, np.random.default_rng(0)))
    >>> bool(np.allclose(fast, replicate_scores(y, a, get_scorer("roc_auc"), weights(6, 50, rng), fast=False),
    ...                  equal_nan=True))
    True
"""

from __future__ import annotations

import warnings

import numpy as np

from forgeml.metrics import Scorer, get_scorer

__all__ = ["replicate_scores", "weights"]

_MEANS = ("accuracy", "log_loss", "mae", "rmse")


def weights(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``(n_boot, n)`` draw counts: row ``b`` says how often each row is in resample ``b``."""
    out = np.empty((n_boot, n))
    for b in range(n_boot):
        out[b] = np.bincount(rng.integers(0, n, size=n), minlength=n)
    return out


def _builtin(scorer: Scorer) -> bool:
    try:
        return scorer.name in (*_MEANS, "roc_auc") and get_scorer(scorer.name) == scorer
    except ValueError:
        return False


def _per_row(y: np.ndarray, pred: np.ndarray, name: str) -> np.ndarray:
    if name == "accuracy":
        return (np.argmax(pred, axis=1) == y).astype(float) if pred.ndim == 2 else (pred == y).astype(float)
    if name == "log_loss":
        p = np.column_stack([1.0 - pred, pred]) if pred.ndim == 1 else pred
        p = np.clip(p, 1e-15, 1.0)
        p = p / p.sum(axis=1, keepdims=True)
        return np.asarray(-np.log(p[np.arange(len(y)), y.astype(int)]))
    diff = np.asarray(y, float) - pred
    return np.abs(diff) if name == "mae" else diff**2


def _weighted_auc(y: np.ndarray, score: np.ndarray, w: np.ndarray) -> np.ndarray:
    """ROC AUC of ``score`` for labels ``y`` under each row of weights ``w`` (NaN: one class only)."""
    order = np.argsort(score, kind="stable")
    s, pos = score[order], y[order] == 1
    w = w[:, order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    p = np.add.reduceat(w * pos, starts, axis=1)
    q = np.add.reduceat(w * ~pos, starts, axis=1)
    below = np.cumsum(q, axis=1) - q
    total_p, total_q = p.sum(axis=1), q.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (p * (below + 0.5 * q)).sum(axis=1) / (total_p * total_q)
    auc[(total_p == 0) | (total_q == 0)] = np.nan
    return np.asarray(auc)


def replicate_scores(
    y: np.ndarray, pred: np.ndarray, scorer: Scorer, w: np.ndarray, *, fast: bool = True
) -> np.ndarray:
    """The score of ``pred`` on each resample given by the rows of ``w`` (NaN where undefined)."""
    if fast and _builtin(scorer):
        if scorer.name == "roc_auc" and (pred.ndim == 1 or pred.shape[1] == 2):
            return _weighted_auc(np.asarray(y), pred if pred.ndim == 1 else pred[:, 1], w)
        if scorer.name in _MEANS:
            means = w @ _per_row(np.asarray(y), pred, scorer.name) / w.sum(axis=1)
            return np.asarray(np.sqrt(means) if scorer.name == "rmse" else means)
    out = np.full(len(w), np.nan)
    rows = np.arange(w.shape[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined on a resample: NaN, skipped by the gate
        for b in range(len(w)):
            idx = np.repeat(rows, w[b].astype(int))
            try:
                out[b] = scorer.score(y[idx], pred[idx])
            except ValueError:  # undefined on this resample (e.g. ROC AUC on one class)
                continue
    return out
