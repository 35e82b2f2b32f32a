"""Reference profiles: what the training data (and the model's predictions on it) looked like.

A :class:`DataProfile` is stored with each model (``profile.json``) so that later traffic can be
compared with it (see :mod:`forgeml.monitoring`). Per feature it keeps:

=========== =========================================================================================
numeric,    bin edges at the training deciles (deduplicated; datetimes as epoch seconds), counts per
boolean,    bin, the missing rate, mean/std/quantiles and a seeded reservoir sample of up to
datetime    ``sample_size`` values (so KS and Wasserstein can be computed exactly on small samples)
categorical counts of the ``top_k`` most frequent categories plus an ``"__other__"`` bucket
text        the same as numeric, on the length in tokens (empty text counts as missing)
=========== =========================================================================================

Counts always end with one extra bucket for missing values. Predictions are profiled as extra
entries: ``prediction`` (the positive-class probability for binary tasks, the value for regression),
or ``prediction_max_proba`` and ``predicted_class`` for multiclass tasks.

Example:
    >>> import numpy as np, pandas as pd
    >>> from forgeml.data import ColumnSpec, Schema, TargetSpec, coerce_frame
    >>> schema = Schema((ColumnSpec("x", "numeric"), ColumnSpec("c", "categorical")),
    ...                 TargetSpec("y", "regression", label_type="float"))
    >>> frame = coerce_frame(pd.DataFrame({"x": np.arange(100.0), "c": ["a", "b"] * 50}), schema)
    >>> p = profile_frame(frame, schema, predictions=np.arange(100.0))
    >>> p.feature("c").categories, p.feature("c").counts
    (['a', 'b', '__other__'], [50, 50, 0, 0])
    >>> DataProfile.from_json(p.to_json()) == p
    True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from forgeml.data._schema import Schema, TargetSpec

__all__ = ["DataProfile", "FeatureProfile", "feature_values", "prediction_values", "profile_frame", "profile_values"]

OTHER = "__other__"
PROFILE_VERSION = 1


@dataclass(frozen=True)
class FeatureProfile:
    """The reference distribution of one column (or of the predictions).

    ``kind`` is ``"numeric"`` (binned on ``edges``) or ``"categorical"`` (counted per
    ``categories``); ``counts`` has one entry per bin or category plus a last one for missing.
    """

    name: str
    role: str
    kind: str
    n: int
    missing_rate: float
    counts: list[int]
    edges: list[float] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)
    sample: list[float] = field(default_factory=list)

    def bin_labels(self) -> list[str]:
        """One label per entry of ``counts`` (``"missing"`` last)."""
        if self.kind == "categorical":
            return [*self.categories, "missing"]
        e = [f"{v:.4g}" for v in self.edges]
        if not e:
            return ["all", "missing"]
        return [f"≤{e[0]}", *[f"{a}–{b}" for a, b in pairwise(e)], f">{e[-1]}", "missing"]

    def count(self, values: np.ndarray) -> list[int]:
        """Counts of ``values`` (already in this profile's value space) on this profile's buckets."""
        if self.kind == "categorical":
            return _category_counts(values, self.categories)
        x = np.asarray(values, dtype=float)
        missing = np.isnan(x)
        bins = np.searchsorted(np.asarray(self.edges, dtype=float), x[~missing], side="left")
        return [*np.bincount(bins, minlength=len(self.edges) + 1).tolist(), int(missing.sum())]


@dataclass(frozen=True)
class DataProfile:
    """Reference profile of a training table: one :class:`FeatureProfile` per feature and per
    prediction summary. JSON round trip with :meth:`to_json` / :meth:`from_json`."""

    n_rows: int
    features: list[FeatureProfile]
    predictions: list[FeatureProfile] = field(default_factory=list)
    task: str = ""
    version: int = PROFILE_VERSION

    def feature(self, name: str) -> FeatureProfile:
        for f in (*self.features, *self.predictions):
            if f.name == name:
                return f
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DataProfile:
        return cls(
            n_rows=int(d["n_rows"]),
            features=[FeatureProfile(**f) for f in d["features"]],
            predictions=[FeatureProfile(**f) for f in d.get("predictions", [])],
            task=d.get("task", ""),
            version=int(d.get("version", PROFILE_VERSION)),
        )


def feature_values(frame: pd.DataFrame, name: str, role: str) -> np.ndarray:
    """A coerced column in its profile value space: floats for numeric, boolean, datetime (epoch
    seconds) and text (tokens, ``NaN`` when empty); ``str``/``NaN`` objects for categoricals."""
    s = frame[name]
    if role == "categorical":
        return s.to_numpy(dtype=object)
    if role == "datetime":
        d = s.to_numpy(dtype="datetime64[ns]")
        out = d.astype("int64").astype(float) / 1e9
        out[np.isnat(d)] = np.nan
        return out
    if role == "text":
        n_tokens = np.array([len(str(v).split()) for v in s.fillna("")], dtype=float)
        n_tokens[n_tokens == 0] = np.nan
        return n_tokens
    return s.to_numpy(dtype=float)


def prediction_values(predictions: np.ndarray, target: TargetSpec) -> dict[str, tuple[str, np.ndarray]]:
    """Summaries of raw predictions to profile, by name: ``(kind, values)``.

    Example:
        >>> t = TargetSpec("y", "binary", classes=("no", "yes"))
        >>> prediction_values(np.array([[0.8, 0.2], [0.1, 0.9]]), t)["prediction"][1].tolist()
        [0.2, 0.9]
    """
    p = np.asarray(predictions, dtype=float)
    if target.task == "multiclass" and p.ndim == 2:
        bad = np.isnan(p).any(axis=1)
        labels = np.array([str(c) for c in (target.classes or range(p.shape[1]))], dtype=object)
        cls = labels[np.argmax(np.where(bad[:, None], 0.0, p), axis=1)]
        cls[bad] = np.nan
        return {
            "prediction_max_proba": ("numeric", np.where(bad, np.nan, np.nanmax(np.where(bad[:, None], 0, p), axis=1))),
            "predicted_class": ("categorical", cls),
        }
    if p.ndim == 2:
        p = p[:, -1] if target.is_classification else p[:, 0]
    return {"prediction": ("numeric", p)}


def profile_values(
    name: str,
    role: str,
    kind: str,
    values: np.ndarray,
    *,
    bins: int = 10,
    top_k: int = 20,
    sample_size: int = 2000,
    seed: int = 0,
) -> FeatureProfile:
    """Profile one array of values (numeric floats with ``NaN``, or categorical objects)."""
    n = len(values)
    if kind == "categorical":
        missing = pd.isna(values)
        present = pd.Series(values[~missing]).value_counts(sort=True)
        cats = [str(c) for c in present.index[:top_k]] + [OTHER]
        return FeatureProfile(
            name, role, kind, n, _rate(int(missing.sum()), n), _category_counts(values, cats), categories=cats
        )
    x = np.asarray(values, dtype=float)
    ok = x[~np.isnan(x)]
    edges: list[float] = []
    stats: dict[str, float] = {}
    sample: list[float] = []
    if ok.size:
        qs = np.quantile(ok, np.linspace(0, 1, bins + 1)[1:-1]) if bins > 1 else np.array([])
        edges = [float(v) for v in np.unique(qs)]
        q = np.quantile(ok, [0.0, 0.25, 0.5, 0.75, 1.0])
        stats = {
            "mean": float(ok.mean()),
            "std": float(ok.std()),
            "min": float(q[0]),
            "q25": float(q[1]),
            "median": float(q[2]),
            "q75": float(q[3]),
            "max": float(q[4]),
        }
        rng = np.random.default_rng(seed)
        pick = ok if ok.size <= sample_size else rng.choice(ok, size=sample_size, replace=False)
        sample = [float(v) for v in pick]
    prof = FeatureProfile(name, role, kind, n, _rate(n - ok.size, n), [], edges, [], stats, sample)
    return FeatureProfile(**{**asdict(prof), "counts": prof.count(x)})


def profile_frame(
    frame: pd.DataFrame,
    schema: Schema,
    *,
    predictions: np.ndarray | None = None,
    bins: int = 10,
    top_k: int = 20,
    sample_size: int = 2000,
    seed: int = 0,
) -> DataProfile:
    """Profile a :func:`coerce_frame` output (and optionally the model's predictions on it).

    ``bins`` quantile bins for numeric values, the ``top_k`` categories (the rest go to
    ``"__other__"``) and a reservoir of at most ``sample_size`` values per numeric column, drawn
    with ``seed``. Rows whose prediction is ``NaN`` (e.g. never in a validation fold) are skipped
    in the prediction profile.
    """
    opts: dict[str, Any] = {"bins": bins, "top_k": top_k, "sample_size": sample_size, "seed": seed}
    feats = []
    for spec in schema.features:
        kind = "categorical" if spec.role == "categorical" else "numeric"
        feats.append(profile_values(spec.name, spec.role, kind, feature_values(frame, spec.name, spec.role), **opts))
    preds = []
    if predictions is not None:
        for name, (kind, values) in prediction_values(predictions, schema.target).items():
            keep = ~pd.isna(values)
            preds.append(profile_values(name, "prediction", kind, values[keep], **opts))
    return DataProfile(len(frame), feats, preds, schema.target.task)


def _category_counts(values: np.ndarray, categories: list[str]) -> list[int]:
    s = pd.Series(values, dtype=object)
    missing = s.isna()
    known = {c: i for i, c in enumerate(categories) if c != OTHER}
    idx = s[~missing].astype(str).map(known).fillna(len(categories) - 1).to_numpy(dtype=int)
    return [*np.bincount(idx, minlength=len(categories)).tolist(), int(missing.sum())]


def _rate(k: int, n: int) -> float:
    return float(k / n) if n else 0.0
