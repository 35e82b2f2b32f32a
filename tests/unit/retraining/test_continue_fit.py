"""Continued training for incremental retraining: more rounds from the kept trees (LightGBM,
XGBoost, CatBoost), more epochs from the kept weights (the PyTorch network)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from forgeml.errors import ConfigError, NotFittedError
from forgeml.models import Model, TaskInfo, get_family

TORCH = pytest.param(
    "torch_mlp", marks=pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs forgeml[nn]")
)
BOOSTERS = ["lightgbm", "xgboost", "catboost", TORCH]


def _rounds(family: str, n: int) -> dict[str, int]:
    """Parameters that fit exactly ``n`` rounds (epochs for the network) without validation rows."""
    return {"epochs": n} if family == "torch_mlp" else {"max_rounds": n}


def _data(seed: int, column: int, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    X[:, 2] = rng.integers(0, 3, size=n)  # a categorical code column
    return X, (X[:, column] > 0).astype(int)


@pytest.mark.parametrize("family", BOOSTERS)
def test_continuing_adds_rounds_learns_the_new_relation_and_survives_save(family: str, tmp_path: Path) -> None:
    X, y = _data(0, column=0)
    model = get_family(family)(TaskInfo("binary", 2), _rounds(family, 30), seed=0).fit(X, y, categorical=[2])
    model.save(tmp_path / "before")
    loaded = Model.load(tmp_path / "before")
    X2, y2 = _data(1, column=1)
    before = loaded.best_iteration_
    acc_before = np.mean(loaded.predict(X2[300:]).argmax(axis=1) == y2[300:])
    loaded.continue_fit(X2[:300], y2[:300], rounds=300, categorical=[2], X_val=X2[300:], y_val=y2[300:])
    assert before is not None and loaded.best_iteration_ is not None and loaded.best_iteration_ > before
    acc_after = np.mean(loaded.predict(X2[300:]).argmax(axis=1) == y2[300:])
    assert acc_before < 0.7 < 0.85 < acc_after
    loaded.save(tmp_path / "after")
    again = Model.load(tmp_path / "after")
    np.testing.assert_allclose(again.predict(X2), loaded.predict(X2), rtol=1e-6)
    assert again.best_iteration_ == loaded.best_iteration_


@pytest.mark.parametrize("family", BOOSTERS)
def test_without_validation_every_round_is_added(family: str) -> None:
    X, _ = _data(2, column=0)
    model = get_family(family)(TaskInfo("regression"), _rounds(family, 10), seed=0).fit(X, X[:, 0])
    model.continue_fit(X, X[:, 1], rounds=7)
    assert model.best_iteration_ == 17


@pytest.mark.parametrize("family", BOOSTERS)
def test_multiclass_continues_and_rows_of_unknown_classes_are_dropped(family: str) -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 2))
    y = np.digitize(X[:, 0], [-0.5, 0.5])  # classes 0, 1, 2
    task = TaskInfo("multiclass", 4)  # class 3 never seen at fit
    model = get_family(family)(task, _rounds(family, 10), seed=0).fit(X, y)
    y_new = y.copy()
    y_new[:5] = 3
    model.continue_fit(X, y_new, rounds=5)
    assert model.best_iteration_ == 15 and model.predict(X[:2]).shape == (2, 4)


def test_other_families_and_unfitted_models_refuse() -> None:
    X, y = _data(4, column=0, n=60)
    linear = get_family("linear")(TaskInfo("binary", 2), seed=0).fit(X, y)
    assert not linear.can_continue
    with pytest.raises(ConfigError, match="linear models cannot continue training"):
        linear.continue_fit(X, y, rounds=5)
    with pytest.raises(NotFittedError, match="fit it before continuing"):
        get_family("lightgbm")(TaskInfo("binary", 2)).continue_fit(X, y, rounds=5)
    fitted = get_family("lightgbm")(TaskInfo("binary", 2), {"max_rounds": 5}).fit(X, y)
    with pytest.raises(ConfigError, match="'rounds' must be an integer >= 1, got 0"):
        fitted.continue_fit(X, y, rounds=0)
