"""Live monitoring in the server: Prometheus metrics fed by the monitor's flusher.

Gauges are refreshed after each flush (every ``--monitor-flush``, default 10 s), from the latest
window of each served model and the feedback received during the last window:

=============================================== =======================================================
``forgeml_feature_drift{model,feature,statistic}`` the deciding statistic (``ks``, ``chi_square``,
                                                 ``wasserstein``, ``jensenshannon`` or ``psi``) and PSI
``forgeml_feature_drift_detected{model,feature}`` 1 when the feature drifts by the server's thresholds
``forgeml_prediction_drift{model,output,statistic}`` the same for the prediction summaries
``forgeml_dataset_drift{model}``                  1 when the share of drifted features reaches the threshold
``forgeml_drift_share{model}``                    the share of drifted features
``forgeml_monitor_window_rows{model}``            rows in the latest window
``forgeml_model_performance{model,metric,window}`` the model's metric on feedback received in the window
``forgeml_model_performance_gap{model,metric,window}`` how much worse than CV, as a share of ``|CV|``
``forgeml_model_feedback_rows{model,window}``     labelled predictions behind that metric
``forgeml_model_cv_score{model,metric}``          the CV estimate stored with the model
``forgeml_monitor_rows_dropped_total{model}``     rows dropped because the buffer was full
=============================================== =======================================================

Example:
    >>> metrics = ServingMetrics()
    >>> listener = MonitorMetrics(metrics, window_seconds=3600)
    >>> listener.window
    '1h'
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from forgeml.monitoring import ModelStatus, MonitorListener
from forgeml.serving._metrics import ServingMetrics

__all__ = ["MonitorMetrics", "window_label"]


def window_label(seconds: float) -> str:
    """``3600`` → ``"1h"``, ``600`` → ``"10m"``, ``45`` → ``"45s"``.

    Example:
        >>> window_label(7200), window_label(90)
        ('2h', '90s')
    """
    s = int(seconds)
    if s % 3600 == 0:
        return f"{s // 3600}h"
    if s % 60 == 0:
        return f"{s // 60}m"
    return f"{s}s"


class MonitorMetrics(MonitorListener):
    """The monitoring metrics of one app, registered on its :class:`ServingMetrics` registry."""

    def __init__(self, metrics: ServingMetrics, *, window_seconds: float) -> None:
        r = metrics.registry
        self.window = window_label(window_seconds)
        self.feature_drift = Gauge(
            "forgeml_feature_drift",
            "Drift statistic of a feature in the latest live window against the reference profile.",
            ["model", "feature", "statistic"],
            registry=r,
        )
        self.feature_drifted = Gauge(
            "forgeml_feature_drift_detected",
            "1 when the feature drifts in the latest live window (by the server's thresholds), else 0.",
            ["model", "feature"],
            registry=r,
        )
        self.prediction_drift = Gauge(
            "forgeml_prediction_drift",
            "Drift statistic of a prediction summary in the latest live window against the reference.",
            ["model", "output", "statistic"],
            registry=r,
        )
        self.dataset_drift = Gauge(
            "forgeml_dataset_drift", "1 when the latest live window shows dataset drift, else 0.", ["model"], registry=r
        )
        self.drift_share = Gauge(
            "forgeml_drift_share", "Share of features drifting in the latest live window.", ["model"], registry=r
        )
        self.window_rows = Gauge(
            "forgeml_monitor_window_rows", "Rows counted in the latest live window.", ["model"], registry=r
        )
        self.performance = Gauge(
            "forgeml_model_performance",
            "The model's metric on the feedback received during the window.",
            ["model", "metric", "window"],
            registry=r,
        )
        self.gap = Gauge(
            "forgeml_model_performance_gap",
            "How much worse than its CV estimate the model performs, as a share of |CV| (> 0: worse).",
            ["model", "metric", "window"],
            registry=r,
        )
        self.feedback_rows = Gauge(
            "forgeml_model_feedback_rows",
            "Labelled predictions received during the window.",
            ["model", "window"],
            registry=r,
        )
        self.cv_score = Gauge(
            "forgeml_model_cv_score", "The model's cross-validated score at training.", ["model", "metric"], registry=r
        )
        self.dropped_rows = Counter(
            "forgeml_monitor_rows_dropped",
            "Rows not monitored because the monitoring buffer was full.",
            ["model"],
            registry=r,
        )
        self.logged_rows = Counter("forgeml_monitor_rows_logged", "Rows written to the prediction log.", registry=r)
        self.flush_duration = Histogram(
            "forgeml_monitor_flush_duration_seconds",
            "Time to write one flush of the monitoring buffer, in seconds.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=r,
        )
        self.shadow_failed_rows = Counter(
            "forgeml_shadow_rows_failed", "Rows the shadow model could not predict.", ["model"], registry=r
        )
        self._series: dict[str, list[tuple[Any, tuple[str, ...]]]] = {}
        self._lock = threading.Lock()

    # ---- MonitorListener --------------------------------------------------------------------------
    def dropped(self, model: str, rows: int) -> None:
        self.dropped_rows.labels(model).inc(rows)

    def flushed(self, rows: int, seconds: float) -> None:
        self.logged_rows.inc(rows)
        self.flush_duration.observe(seconds)

    def shadow_failed(self, model: str, rows: int) -> None:
        self.shadow_failed_rows.labels(model).inc(rows)

    def status(self, status: ModelStatus) -> None:
        m = status.model
        self.dropped_rows.labels(m)  # the series exist from the start (at 0), so rate() works in alerts
        self.shadow_failed_rows.labels(m)
        values: list[tuple[Any, tuple[str, ...], float]] = []
        d = status.drift
        if d is not None and d.n_rows:
            for f in d.features:
                values.append((self.feature_drift, (m, f.name, f.statistic), f.value))
                if f.statistic != "psi":
                    values.append((self.feature_drift, (m, f.name, "psi"), f.psi))
                values.append((self.feature_drifted, (m, f.name), float(f.drifted)))
            for p in d.predictions:
                values.append((self.prediction_drift, (m, p.name, p.statistic), p.value))
                if p.statistic != "psi":
                    values.append((self.prediction_drift, (m, p.name, "psi"), p.psi))
            values.append((self.dataset_drift, (m,), float(d.dataset_drift)))
            values.append((self.drift_share, (m,), d.share_drifted))
            values.append((self.window_rows, (m,), float(d.n_rows)))
        if status.performance is not None:
            values.append((self.performance, (m, status.metric, self.window), status.performance))
        if status.gap is not None:
            values.append((self.gap, (m, status.metric, self.window), status.gap))
        values.append((self.feedback_rows, (m, self.window), float(status.feedback_rows)))
        if status.cv_score is not None:
            values.append((self.cv_score, (m, status.metric), status.cv_score))
        with self._lock:
            keep = {(id(g), labels) for g, labels, _ in values}
            for gauge, labels in self._series.get(m, []):
                if (id(gauge), labels) not in keep:  # a feature or metric the new version lacks
                    with contextlib.suppress(KeyError):
                        gauge.remove(*labels)
            for gauge, labels, value in values:
                gauge.labels(*labels).set(value)
            self._series[m] = [(g, labels) for g, labels, _ in values]
