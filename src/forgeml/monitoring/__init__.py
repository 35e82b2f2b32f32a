"""Monitoring: drift of live data against the reference profile stored with each model.

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
    feature_drift,
    js_distance,
    ks_test,
    normalised_wasserstein,
    psi,
)
from forgeml.monitoring._report import DriftReport, drift_report

__all__ = [
    "DriftReport",
    "DriftThresholds",
    "FeatureDrift",
    "chi_square_test",
    "drift_report",
    "feature_drift",
    "js_distance",
    "ks_test",
    "normalised_wasserstein",
    "psi",
]
