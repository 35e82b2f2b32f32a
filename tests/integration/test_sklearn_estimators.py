"""AutoClassifier / AutoRegressor behave like scikit-learn estimators."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_score

import forgeml
from forgeml import AutoClassifier, AutoRegressor

TINY = {"max_trials": 2, "executor": "serial", "families": ("linear",)}


def _xy(n: int = 150, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] - X[:, 1] + rng.normal(scale=0.3, size=n) > 0).astype(int)
    return X, y


def test_clone_get_set_params() -> None:
    clf = AutoClassifier(time_limit=30, seed=3, max_trials=5, families=("linear",))
    params = clf.get_params()
    assert params["seed"] == 3 and params["max_trials"] == 5 and params["families"] == ("linear",)
    twin = clone(clf)
    assert twin is not clf and twin.get_params() == params
    assert clf.set_params(seed=4, max_trials=2) is clf
    assert clf.get_params()["seed"] == 4 and clf.get_params()["max_trials"] == 2
    assert clone(AutoRegressor(n_folds=3)).get_params()["n_folds"] == 3


def test_classifier_fit_numpy() -> None:
    X, y = _xy()
    clf = AutoClassifier(**TINY).fit(X, y)
    assert list(clf.classes_) == [0, 1]
    pred = clf.predict(X)
    assert pred.shape == (len(y),)
    assert set(np.unique(pred)) <= {0, 1}
    proba = clf.predict_proba(X)
    assert proba.shape == (len(y), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    assert clf.score(X, y) > 0.8
    assert clf.n_features_in_ == 4
    assert not clf.leaderboard().empty


def test_classifier_string_labels_multiclass() -> None:
    X, y = _xy(n=180)
    labels = np.where(X[:, 2] > 0.5, "high", np.where(y == 1, "mid", "low"))
    clf = AutoClassifier(**TINY).fit(X, labels)
    assert sorted(clf.classes_.tolist()) == ["high", "low", "mid"]
    assert clf.predict_proba(X[:10]).shape == (10, 3)


def test_regressor_fit_numpy() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 3))
    y = 3 * X[:, 0] - 2 * X[:, 2] + rng.normal(scale=0.1, size=150)
    reg = AutoRegressor(**TINY).fit(X, y)
    pred = reg.predict(X)
    assert pred.shape == (150,) and np.isfinite(pred).all()
    assert reg.score(X, y) > 0.9


def test_cross_val_score() -> None:
    X, y = _xy(n=120)
    scores = cross_val_score(AutoClassifier(**TINY), X, y, cv=3)
    assert scores.shape == (3,)
    assert (scores > 0.7).all()


def test_unfitted_estimator_raises() -> None:
    with pytest.raises(forgeml.NotFittedError):
        AutoClassifier().predict(np.zeros((2, 2)))
