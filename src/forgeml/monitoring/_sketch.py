"""The live window sketch: what a model was asked and answered, binned on its reference profile.

A :class:`LiveProfile` holds, per feature and per prediction summary of a
:class:`~forgeml.data.DataProfile`, the counts on the reference buckets (missing last) and, for
numeric values, a seeded uniform reservoir sample of at most ``sample_size`` (1,000) non-missing
values. Counts make PSI, chi-square and Jensen-Shannon exact; the reservoir feeds KS and
Wasserstein. While a window holds at most ``sample_size`` values of a feature the reservoir *is*
every value, so the KS test used below 1,000 rows is exact; above that, Wasserstein is computed on
the uniform sample. Two sketches merge exactly (counts add; reservoirs merge into a uniform sample
of the union), so windows persisted by several server processes, or a span of windows, combine.

Example:
    >>> import numpy as np
    >>> from forgeml.data import DataProfile, profile_values
    >>> ref = DataProfile(1000, [profile_values("x", "numeric", "numeric", np.arange(1000.0))])
    >>> live = LiveProfile(ref)
    >>> live.add({"x": np.array([1.0, 2.0, np.nan])}, {}, n_rows=3, rng=np.random.default_rng(0))
    >>> live.counts["x"][-1], live.n_rows
    (1, 3)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from forgeml.data import DataProfile, FeatureProfile
from forgeml.errors import check_param
from forgeml.monitoring._drift import DriftThresholds, counts_drift
from forgeml.monitoring._report import DriftReport, dataset_drift

__all__ = ["DEFAULT_SAMPLE_SIZE", "LiveProfile", "merge_samples", "profile_digest"]

DEFAULT_SAMPLE_SIZE = 1000
PAYLOAD_FORMAT = 1


def profile_digest(profile: DataProfile) -> str:
    """A short digest of the reference buckets (names, kinds, edges, categories): sketches with the
    same digest count on the same buckets and can be merged.

    Example:
        >>> from forgeml.data import DataProfile
        >>> len(profile_digest(DataProfile(0, [])))
        16
    """
    layout = [(f.name, f.kind, f.edges, f.categories) for f in (*profile.features, *profile.predictions)]
    return hashlib.sha256(json.dumps(layout).encode()).hexdigest()[:16]


def merge_samples(a: np.ndarray, n_a: int, b: np.ndarray, n_b: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """A uniform sample of at most ``size`` values of the union of two populations, from uniform
    samples of each (``a`` of ``n_a`` values, holding ``min(n_a, size)``; the same for ``b``).

    The number taken from ``a`` is hypergeometric, as if ``size`` values were drawn from the union.

    Example:
        >>> merge_samples(np.array([1.0]), 1, np.array([2.0]), 1, 10, np.random.default_rng(0)).tolist()
        [1.0, 2.0]
    """
    if n_a + n_b <= size:
        return np.concatenate([a, b])
    m = int(rng.hypergeometric(n_a, n_b, size))
    take_a = rng.choice(a, size=min(m, a.size), replace=False) if m else a[:0]
    rest = size - take_a.size
    take_b = rng.choice(b, size=min(rest, b.size), replace=False) if rest else b[:0]
    return np.concatenate([take_a, take_b])


class LiveProfile:
    """Counts and reservoir samples of live rows on the buckets of ``reference`` (see the module)."""

    def __init__(self, reference: DataProfile, *, sample_size: int = DEFAULT_SAMPLE_SIZE) -> None:
        check_param(sample_size >= 1, "sample_size", "an integer >= 1", sample_size)
        self.reference = reference
        self.sample_size = sample_size
        self.digest = profile_digest(reference)
        self.n_rows = 0
        self._entries: dict[str, FeatureProfile] = {f.name: f for f in (*reference.features, *reference.predictions)}
        self.counts: dict[str, np.ndarray] = {
            n: np.zeros(len(f.counts), dtype=np.int64) for n, f in self._entries.items()
        }
        self.samples: dict[str, np.ndarray] = {n: np.empty(0) for n, f in self._entries.items() if f.kind == "numeric"}
        self.seen: dict[str, int] = dict.fromkeys(self.samples, 0)

    # ---- updating --------------------------------------------------------------------------------
    def add(
        self,
        features: Mapping[str, np.ndarray],
        predictions: Mapping[str, np.ndarray],
        *,
        n_rows: int,
        rng: np.random.Generator,
    ) -> None:
        """Count ``n_rows`` new rows: values per feature and per prediction summary, each in its
        profile value space (``forgeml.data.feature_values`` / ``prediction_values``)."""
        for values in (features, predictions):
            for name, x in values.items():
                entry = self._entries.get(name)
                if entry is None:
                    continue
                if entry.kind == "numeric":
                    x = np.asarray(x, dtype=float)
                    ok = x[~np.isnan(x)]
                    sub = ok if ok.size <= self.sample_size else rng.choice(ok, self.sample_size, replace=False)
                    self._add_sample(name, sub, ok.size, rng)
                self.counts[name] += np.asarray(entry.count(x), dtype=np.int64)
        self.n_rows += n_rows

    def _add_sample(self, name: str, sample: np.ndarray, n: int, rng: np.random.Generator) -> None:
        merged = merge_samples(self.samples[name], self.seen[name], sample, n, self.sample_size, rng)
        self.samples[name] = merged
        self.seen[name] += n

    def merge(self, other: LiveProfile, rng: np.random.Generator) -> None:
        """Add ``other`` (a sketch on the same reference buckets) into this one."""
        if other.digest != self.digest:
            raise ValueError("live profiles on different reference buckets cannot be merged")
        for name in self.counts:
            self.counts[name] += other.counts[name]
        for name in self.samples:
            self._add_sample(name, other.samples[name], other.seen[name], rng)
        self.n_rows += other.n_rows

    # ---- reading ---------------------------------------------------------------------------------
    def drift(self, thresholds: DriftThresholds | None = None, *, model: str = "") -> DriftReport:
        """Per-feature and prediction drift of these rows against the reference (a :class:`DriftReport`).

        Example:
            >>> LiveProfile(DataProfile(10, [])).drift().dataset_drift
            False
        """
        t = thresholds or DriftThresholds()
        ref = self.reference

        def judge(f: FeatureProfile) -> Any:
            return counts_drift(f, self.counts[f.name].tolist(), self.samples.get(f.name), t)

        features = [judge(f) for f in ref.features]
        features.sort(key=lambda f: (not f.drifted, -f.severity))
        predictions = [judge(p) for p in ref.predictions] if self.n_rows else []
        share, drift = dataset_drift(features if self.n_rows else [], t.dataset_share)
        return DriftReport(self.n_rows, ref.n_rows, ref.task, features, predictions, share, drift, t, model)

    # ---- persistence -----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """Plain JSON (the ``payload_json`` of a ``live_profiles`` row)."""

        def entry(name: str) -> dict[str, Any]:
            d: dict[str, Any] = {"counts": self.counts[name].tolist()}
            if name in self.samples:
                d["seen"] = self.seen[name]
                d["sample"] = self.samples[name].tolist()
            return d

        return {
            "format": PAYLOAD_FORMAT,
            "profile": self.digest,
            "n_rows": self.n_rows,
            "sample_size": self.sample_size,
            "values": {name: entry(name) for name in self.counts},
        }

    @classmethod
    def from_json(cls, payload: Mapping[str, Any], reference: DataProfile) -> LiveProfile:
        """The sketch stored in ``payload``; :class:`ValueError` when it was counted on other buckets."""
        live = cls(reference, sample_size=int(payload.get("sample_size", DEFAULT_SAMPLE_SIZE)))
        if payload.get("profile") != live.digest or payload.get("format") != PAYLOAD_FORMAT:
            raise ValueError("the stored live profile was counted on another reference profile")
        live.n_rows = int(payload["n_rows"])
        for name, d in payload["values"].items():
            if name not in live.counts:
                continue
            live.counts[name] = np.asarray(d["counts"], dtype=np.int64)
            if name in live.samples:
                live.samples[name] = np.asarray(d.get("sample", []), dtype=float)
                live.seen[name] = int(d.get("seen", 0))
        return live
