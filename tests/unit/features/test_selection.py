import time

import numpy as np
import pytest
import scipy.sparse as sp

from forgeml.features import FeatureMatrix, SelectionResult, select_features


def _problem(seed: int, n: int = 500) -> tuple[FeatureMatrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    X[:, 4] = rng.integers(0, 6, n)  # a categorical noise column
    y = (X[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(np.int64)
    return FeatureMatrix(X, ["x1", "x2", "x3", "x4", "x5"], [4]), y


@pytest.mark.parametrize("seed", [0, 1])
def test_keeps_signal_and_drops_most_noise(seed: int) -> None:
    fm, y = _problem(seed)
    res = select_features(fm, y, "binary", seed=seed)
    assert res.repeats == 3
    assert "x1" not in res.drop
    assert len(set(res.drop) & {"x2", "x3", "x4", "x5"}) >= 3
    assert res.importance["x1"] > res.shadow_importance["x1"]
    assert set(res.importance) == {"x1", "x2", "x3", "x4", "x5"}


def test_regression_and_multiclass() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 3))
    fm = FeatureMatrix(X, ["a", "b", "c"])
    assert "a" not in select_features(fm, 3 * X[:, 0] + 0.1 * rng.normal(size=400), "regression").drop
    y = np.digitize(X[:, 0], [-0.5, 0.5])
    assert "a" not in select_features(fm, y, "multiclass", n_classes=3).drop


def test_never_drops_every_column() -> None:
    rng = np.random.default_rng(0)
    fm = FeatureMatrix(rng.normal(size=(300, 3)), ["a", "b", "c"])
    res = select_features(fm, rng.integers(0, 2, 300), "binary")
    assert len(res.drop) <= 2


def test_skips_sparse_small_and_expired() -> None:
    fm, y = _problem(0)
    sparse = FeatureMatrix(sp.csr_matrix(fm.X), fm.names)
    assert select_features(sparse, y, "binary") == SelectionResult()
    assert select_features(fm.rows(np.arange(10)), y[:10], "binary").drop == []
    expired = select_features(fm, y, "binary", deadline=time.time() - 1)
    assert expired.repeats == 0 and expired.drop == []
