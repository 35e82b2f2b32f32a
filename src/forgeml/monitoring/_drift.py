"""Drift statistics: how far live values are from a feature's reference profile.

Like Evidently, small live samples (fewer than ``DriftThresholds.small_sample`` rows, 1,000 by
default) are judged by a statistical test, larger ones by a distance (tests flag even negligible
shifts once samples are large):

============ ============================================ ==============================================
kind         below 1,000 rows                             1,000 rows and more
============ ============================================ ==============================================
numeric      two-sample KS test against the reference     Wasserstein distance / reference std (IQR when
             reservoir sample; drift when p < 0.05        the std is 0); drift when > 0.1 (or PSI > 0.2)
categorical  chi-square test on category counts (missing  Jensen-Shannon distance (base 2) of category
             is a category); drift when p < 0.05          frequencies; drift when > 0.1 (or PSI > 0.2)
============ ============================================ ==============================================

PSI (population stability index, epsilon-smoothed, on the reference bins plus a missing bucket)
is reported for every feature; ``numeric_method="psi"`` / ``categorical_method="psi"`` make it the
deciding distance.

Example:
    >>> psi([50, 50, 0], [50, 50, 0]) == 0.0
    True
    >>> round(js_distance([10, 0], [0, 10]), 3)
    1.0
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

from forgeml.data import FeatureProfile
from forgeml.errors import check_param

__all__ = [
    "DriftThresholds",
    "FeatureDrift",
    "chi_square_test",
    "counts_drift",
    "feature_drift",
    "js_distance",
    "ks_test",
    "normalised_wasserstein",
    "psi",
]

EPS = 1e-4
_DISTANCES = {"numeric": ("wasserstein", "psi"), "categorical": ("jensenshannon", "psi")}


@dataclass(frozen=True)
class DriftThresholds:
    """When a feature, the predictions and the whole dataset count as drifted. Defaults:

    - ``psi=0.2``: PSI above it is drift (0.1–0.2 is often read as "moderate");
    - ``jensenshannon=0.1``: Jensen-Shannon distance (base 2, 0..1) for categoricals;
    - ``wasserstein=0.1``: Wasserstein distance in units of the reference standard deviation;
    - ``p_value=0.05``: KS / chi-square p-value below it is drift (samples under ``small_sample``);
    - ``dataset_share=0.5``: the dataset drifts when at least this share of features drifts;
    - ``small_sample=1000``: live rows below which tests are used instead of distances;
    - ``numeric_method`` (``"wasserstein"`` or ``"psi"``), ``categorical_method``
      (``"jensenshannon"`` or ``"psi"``): the distance used from ``small_sample`` rows on.

    Example:
        >>> DriftThresholds(psi=0.25).wasserstein
        0.1
    """

    psi: float = 0.2
    jensenshannon: float = 0.1
    wasserstein: float = 0.1
    p_value: float = 0.05
    dataset_share: float = 0.5
    small_sample: int = 1000
    numeric_method: str = "wasserstein"
    categorical_method: str = "jensenshannon"

    def __post_init__(self) -> None:
        for name in ("psi", "jensenshannon", "wasserstein"):
            value = getattr(self, name)
            check_param(value > 0, name, "a threshold > 0", value)
        check_param(0 < self.p_value < 1, "p_value", "in (0, 1)", self.p_value)
        check_param(0 < self.dataset_share <= 1, "dataset_share", "in (0, 1]", self.dataset_share)
        check_param(self.small_sample >= 0, "small_sample", "an integer >= 0", self.small_sample)
        check_param(
            self.numeric_method in _DISTANCES["numeric"],
            "numeric_method",
            "'wasserstein' or 'psi'",
            self.numeric_method,
        )
        check_param(
            self.categorical_method in _DISTANCES["categorical"],
            "categorical_method",
            "'jensenshannon' or 'psi'",
            self.categorical_method,
        )


@dataclass(frozen=True)
class FeatureDrift:
    """The verdict for one feature (or prediction summary). For tests (``ks``, ``chi_square``)
    ``value`` is a p-value and drift means ``value < threshold``; for distances, ``value > threshold``.
    ``reference`` and ``live`` are the shares per bucket named in ``labels`` (missing last)."""

    name: str
    role: str
    kind: str
    statistic: str
    value: float
    threshold: float
    drifted: bool
    psi: float
    n_live: int
    missing_rate_reference: float
    missing_rate_live: float
    labels: list[str] = field(default_factory=list)
    reference: list[float] = field(default_factory=list)
    live: list[float] = field(default_factory=list)

    @property
    def is_test(self) -> bool:
        return self.statistic in ("ks", "chi_square")

    @property
    def severity(self) -> float:
        """How far past (> 1) or short of (< 1) its threshold the statistic is, for sorting."""
        if self.is_test:
            return float(np.log10(max(self.value, 1e-300)) / np.log10(self.threshold))
        return float(self.value / self.threshold)


def _shares(counts: list[int] | np.ndarray) -> np.ndarray:
    c = np.asarray(counts, dtype=float)
    total = c.sum()
    return c / total if total > 0 else c


def psi(reference: list[int] | np.ndarray, live: list[int] | np.ndarray, eps: float = EPS) -> float:
    """Population stability index of two count vectors on the same buckets (shares floored at ``eps``).

    Example:
        >>> round(psi([50, 50], [90, 10]), 3)
        0.879
    """
    p = np.maximum(_shares(reference), eps)
    q = np.maximum(_shares(live), eps)
    return float(np.sum((q - p) * np.log(q / p)))


def js_distance(reference: list[int] | np.ndarray, live: list[int] | np.ndarray) -> float:
    """Jensen-Shannon distance (base 2: 0 identical, 1 disjoint) of two count vectors."""
    p, q = _shares(reference), _shares(live)
    if p.sum() == 0 or q.sum() == 0:
        return 0.0 if p.sum() == q.sum() else 1.0
    return float(jensenshannon(p, q, base=2))


def normalised_wasserstein(reference: np.ndarray, live: np.ndarray, scale: float) -> float:
    """Wasserstein (earth mover's) distance between two samples, divided by ``scale``.

    Example:
        >>> round(normalised_wasserstein(np.array([0.0, 1.0]), np.array([2.0, 3.0]), 2.0), 3)
        1.0
    """
    return float(stats.wasserstein_distance(reference, live) / scale)


def ks_test(reference: np.ndarray, live: np.ndarray) -> float:
    """p-value of the two-sample Kolmogorov-Smirnov test (small: the samples differ)."""
    return float(stats.ks_2samp(reference, live).pvalue)


def chi_square_test(reference: list[int] | np.ndarray, live: list[int] | np.ndarray) -> float:
    """p-value of the chi-square test of homogeneity of two count vectors (buckets empty in
    both are left out; fewer than two buckets give 1.0)."""
    table = np.vstack([np.asarray(reference, dtype=float), np.asarray(live, dtype=float)])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 1.0
    return float(stats.chi2_contingency(table, correction=False).pvalue)


def _scale(profile: FeatureProfile) -> float:
    s = profile.stats
    std = s.get("std", 0.0)
    if std > 0:
        return std
    iqr = s.get("q75", 0.0) - s.get("q25", 0.0)
    return iqr if iqr > 0 else 1.0


def feature_drift(profile: FeatureProfile, values: np.ndarray, thresholds: DriftThresholds) -> FeatureDrift:
    """Compare live ``values`` (in the profile's value space, see ``forgeml.data.feature_values``)
    with ``profile``, choosing a test or a distance by sample size.

    Example:
        >>> from forgeml.data import profile_values
        >>> ref = profile_values("x", "numeric", "numeric", np.random.default_rng(0).normal(size=5000))
        >>> d = feature_drift(ref, np.random.default_rng(1).normal(1.0, size=300), DriftThresholds())
        >>> d.statistic, d.drifted
        ('ks', True)
    """
    x = values if profile.kind == "categorical" else np.asarray(values, dtype=float)
    sample = None if profile.kind == "categorical" else x[~np.isnan(x)]
    return counts_drift(profile, profile.count(x), sample, thresholds)


def counts_drift(
    profile: FeatureProfile, live_counts: list[int], live_sample: np.ndarray | None, thresholds: DriftThresholds
) -> FeatureDrift:
    """As :func:`feature_drift`, from live counts on the profile's buckets (missing last) and, for
    numeric features, a sample of the non-missing live values (all of them, or a uniform sample:
    KS and Wasserstein are computed on it). This is how live windows are judged, from their sketch.

    Example:
        >>> from forgeml.data import profile_values
        >>> ref = profile_values("c", "categorical", "categorical", np.array(["a", "b"] * 500, dtype=object))
        >>> counts_drift(ref, [90, 10, 0, 0], None, DriftThresholds()).statistic
        'chi_square'
    """
    n = int(sum(live_counts))
    ref_counts = profile.counts
    index = psi(ref_counts, live_counts)
    small = n < thresholds.small_sample
    if profile.kind == "categorical":
        if small:
            statistic, value, thr = "chi_square", chi_square_test(ref_counts, live_counts), thresholds.p_value
        elif thresholds.categorical_method == "psi":
            statistic, value, thr = "psi", index, thresholds.psi
        else:
            statistic, value, thr = "jensenshannon", js_distance(ref_counts, live_counts), thresholds.jensenshannon
    else:
        ok = np.asarray(live_sample if live_sample is not None else [], dtype=float)
        sample = np.asarray(profile.sample, dtype=float)
        if ok.size == 0 or sample.size == 0 or (not small and thresholds.numeric_method == "psi"):
            statistic, value, thr = "psi", index, thresholds.psi
        elif small:
            statistic, value, thr = "ks", ks_test(sample, ok), thresholds.p_value
        else:
            statistic, thr = "wasserstein", thresholds.wasserstein
            value = normalised_wasserstein(sample, ok, _scale(profile))
    drifted = value < thr if statistic in ("ks", "chi_square") else value > thr
    return FeatureDrift(
        name=profile.name,
        role=profile.role,
        kind=profile.kind,
        statistic=statistic,
        value=value,
        threshold=thr,
        drifted=bool(drifted),
        psi=index,
        n_live=n,
        missing_rate_reference=profile.missing_rate,
        missing_rate_live=float(live_counts[-1] / n) if n else 0.0,
        labels=profile.bin_labels(),
        reference=[float(v) for v in _shares(ref_counts)],
        live=[float(v) for v in _shares(live_counts)],
    )
