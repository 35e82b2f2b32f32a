"""Batch drift report: a table of recent rows compared with the model's reference profile.

Example:
    >>> import forgeml
    >>> from forgeml.monitoring import drift_report
    >>> report = drift_report(forgeml.load("churn-model").predictor, "recent.csv")   # doctest: +SKIP
    >>> report.dataset_drift, report.drifted_features                               # doctest: +SKIP
    (True, ['tenure', 'plan'])
    >>> open("drift.html", "w").write(report.to_html())                           # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from forgeml.data import coerce_frame, feature_values, prediction_values, read_table
from forgeml.errors import DataError, ModelFormatError
from forgeml.monitoring._drift import DriftThresholds, FeatureDrift, feature_drift
from forgeml.predictor import Predictor

__all__ = ["DriftReport", "drift_report"]


@dataclass(frozen=True)
class DriftReport:
    """Per-feature drift (sorted, most drifted first), prediction drift and the dataset verdict:
    the dataset drifts when ``share_drifted >= thresholds.dataset_share``."""

    n_rows: int
    n_reference: int
    task: str
    features: list[FeatureDrift]
    predictions: list[FeatureDrift]
    share_drifted: float
    dataset_drift: bool
    thresholds: DriftThresholds = field(default_factory=DriftThresholds)
    model: str = ""

    @property
    def drifted_features(self) -> list[str]:
        return [f.name for f in self.features if f.drifted]

    @property
    def prediction_drift(self) -> bool:
        return any(p.drifted for p in self.predictions)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (lists, dicts, numbers, strings), with ``drifted_features`` and ``prediction_drift``."""
        d = asdict(self)
        d["drifted_features"] = self.drifted_features
        d["prediction_drift"] = self.prediction_drift
        return d

    def to_html(self) -> str:
        """One self-contained HTML page (inline CSS and SVG, nothing fetched)."""
        from forgeml.monitoring._html import render_html

        return render_html(self)


def dataset_drift(features: list[FeatureDrift], share: float) -> tuple[float, bool]:
    """The share of drifted features and whether it reaches ``share``.

    Example:
        >>> dataset_drift([], 0.5)
        (0.0, False)
    """
    if not features:
        return 0.0, False
    frac = sum(f.drifted for f in features) / len(features)
    return frac, frac >= share


def drift_report(
    predictor: Predictor, live: Any, thresholds: DriftThresholds | None = None, *, model: str = ""
) -> DriftReport:
    """Compare ``live`` rows (a DataFrame or a CSV / Parquet path, with the model's feature
    columns) with ``predictor.profile``; live predictions come from ``predictor.predict_raw``.

    Raises:
        ModelFormatError: the model was saved without a reference profile.
        DataError / SchemaError: ``live`` has no rows or lacks feature columns.
    """
    thresholds = thresholds or DriftThresholds()
    profile = predictor.profile
    if profile is None:
        raise ModelFormatError(
            f"model {model + ' ' if model else ''}has no reference profile (profile.json) for drift monitoring; "
            "it was trained by an older forgeml: retrain it with this forgeml version."
        )
    df = read_table(live)
    if len(df) == 0:
        raise DataError("the live data has no rows; give at least one row to compare with the reference.")
    frame = coerce_frame(df, predictor.schema)
    features = [feature_drift(p, feature_values(frame, p.name, p.role), thresholds) for p in profile.features]
    features.sort(key=lambda f: (not f.drifted, -f.severity))
    preds: list[FeatureDrift] = []
    if profile.predictions:
        summaries = prediction_values(predictor.predict_raw(df), predictor.schema.target)
        by_name = {p.name: p for p in profile.predictions}
        preds = [
            feature_drift(by_name[k], np.asarray(v), thresholds) for k, (_, v) in summaries.items() if k in by_name
        ]
    share, drift = dataset_drift(features, thresholds.dataset_share)
    return DriftReport(len(df), profile.n_rows, profile.task, features, preds, share, drift, thresholds, model)
