"""Monitoring: drift of live data against the reference profile stored with each model, live
windows written by the model server, late feedback and the model's rolling performance.

Batch: :func:`drift_report` compares a table with the reference profile. Live: the server's
:class:`LiveMonitor` logs predictions and bins them into :class:`LiveProfile` windows in the
store; :func:`live_report` reads them back (drift per feature and of the predictions, the metric on
feedback from :func:`record_feedback` against the CV estimate, a shadow model's agreement).

Example:
    >>> import forgeml
    >>> from forgeml.monitoring import DriftThresholds, drift_report
    >>> predictor = forgeml.load("churn-model").predictor                          # doctest: +SKIP
    >>> report = drift_report(predictor, "recent.csv", DriftThresholds(psi=0.25))   # doctest: +SKIP
    >>> report.dataset_drift                                                       # doctest: +SKIP
    False
"""

from forgeml.monitoring._drift import (
    DriftThresholds,
    FeatureDrift,
    chi_square_test,
    counts_drift,
    feature_drift,
    js_distance,
    ks_test,
    normalised_wasserstein,
    psi,
)
from forgeml.monitoring._feedback import FeedbackResult, record_feedback
from forgeml.monitoring._live import (
    LiveMonitor,
    ModelStatus,
    MonitorConfig,
    MonitoredVersion,
    MonitorListener,
    window_start,
)
from forgeml.monitoring._live_report import (
    LiveReport,
    Performance,
    PerformanceWindow,
    ShadowComparison,
    WindowSummary,
    live_report,
)
from forgeml.monitoring._report import DriftReport, drift_report
from forgeml.monitoring._sketch import LiveProfile, merge_samples, profile_digest

__all__ = [
    "DriftReport",
    "DriftThresholds",
    "FeatureDrift",
    "FeedbackResult",
    "LiveMonitor",
    "LiveProfile",
    "LiveReport",
    "ModelStatus",
    "MonitorConfig",
    "MonitorListener",
    "MonitoredVersion",
    "Performance",
    "PerformanceWindow",
    "ShadowComparison",
    "WindowSummary",
    "chi_square_test",
    "counts_drift",
    "drift_report",
    "feature_drift",
    "js_distance",
    "ks_test",
    "live_report",
    "merge_samples",
    "normalised_wasserstein",
    "profile_digest",
    "psi",
    "record_feedback",
    "window_start",
]
