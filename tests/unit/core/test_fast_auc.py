"""The fast ROC AUC the ensemble selector uses equals scikit-learn's, ties included."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from forgeml.ensemble import greedy_ensemble
from forgeml.metrics import get_scorer


@pytest.mark.parametrize("n", [2, 17, 1000, 20000])
def test_binary_auc_matches_sklearn_with_ties(n: int) -> None:
    rng = np.random.default_rng(n)
    y = (rng.random(n) < 0.3).astype(int)
    y[0], y[-1] = 0, 1
    p = np.round(rng.random(n), 2)  # many ties
    assert get_scorer("roc_auc").score(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)


def test_binary_auc_with_one_class_is_undefined_like_sklearn() -> None:
    with pytest.warns(UserWarning, match="Only one class"):
        assert np.isnan(get_scorer("roc_auc").score(np.zeros(5, dtype=int), np.linspace(0, 1, 5)))


def test_greedy_selection_stops_after_flat_rounds() -> None:
    y = np.array([0.0, 1.0, 2.0, 3.0])
    result = greedy_ensemble([y + 1.0, y - 1.0, y + 5.0], y, get_scorer("rmse"), rounds=40, patience=5)
    assert result.weights == {0: 0.5, 1: 0.5}
    assert len(result.trajectory) < 40
