"""Contract checks every model family must pass (in the spirit of scikit-learn's estimator checks).

Each check is a function ``check_*(family_cls, params, seed)``; ``params`` are small settings that
keep the check fast (a cap on rounds or trees), merged over the family's starting point. Use
:func:`model_checks` to get the checks that apply to a family (pytest-parametrizable) or
:func:`check_model_family` to run them all.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from forgeml.errors import ConfigError, DataError, NotFittedError
from forgeml.models import Model, TaskInfo

Check = Callable[[type[Model], Mapping[str, Any], int], None]
BINARY, MULTI, REGRESSION = TaskInfo("binary", 2), TaskInfo("multiclass", 3), TaskInfo("regression")


# ---- data --------------------------------------------------------------------------------------
def _data(task: TaskInfo, seed: int, n: int = 200, nan: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """An easy problem: the target follows the first two columns; two noise columns."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    score = X[:, 0] + 0.5 * X[:, 1]
    if task.task == "regression":
        y: np.ndarray = 3.0 * score + 0.1 * rng.normal(size=n)
    elif task.task == "binary":
        y = (score > 0).astype(int)
    else:
        y = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))
    if nan:
        X[rng.random(X.shape) < 0.1] = np.nan
    return X, y


def _model(cls: type[Model], task: TaskInfo, params: Mapping[str, Any], seed: int = 0) -> Model:
    return cls(task, {**cls.space.starting_point(), **params}, seed=seed)


def _check_proba(P: np.ndarray, n: int, k: int) -> None:
    if P.shape != (n, k):
        raise AssertionError(f"expected probabilities of shape {(n, k)}, got {P.shape}")
    if not (np.isfinite(P).all() and (P >= -1e-9).all() and np.allclose(P.sum(axis=1), 1.0, atol=1e-6)):
        raise AssertionError("probabilities must be finite, non-negative and sum to 1 per row")


def _accuracy(P: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(P.argmax(axis=1) == y))


def _r2(pred: np.ndarray, y: np.ndarray) -> float:
    return float(1 - np.sum((pred - y) ** 2) / np.sum((y - y.mean()) ** 2))


# ---- declarations ------------------------------------------------------------------------------
def check_declarations(cls: type[Model], params: Mapping[str, Any], seed: int) -> None:
    """Class attributes are declared; every default lies in the space or is an extra parameter."""
    if cls.encoding not in ("native", "dense"):
        raise AssertionError(f"encoding must be 'native' or 'dense', got {cls.encoding!r}")
    if not (cls.relative_cost > 0 and isinstance(cls.iterative, bool) and isinstance(cls.accepts_sparse, bool)):
        raise AssertionError("relative_cost must be > 0; iterative and accepts_sparse must be bools")
    if not 1 <= len(cls.defaults) <= 4:
        raise AssertionError(f"declare 1 to 4 defaults, got {len(cls.defaults)}")
    extra = set(cls.extra_params())
    for d in [cls.space.starting_point(), *cls.defaults]:
        unknown = set(d) - set(cls.space.names()) - extra
        inside = {k: v for k, v in d.items() if k in cls.space.names()}
        if unknown or not cls.space.contains(inside):
            raise AssertionError(f"default {d} is outside the space (unknown keys: {sorted(unknown)})")
        cls(REGRESSION, d)  # constructs without error


def check_unknown_param(cls: type[Model], params: Mapping[str, Any], seed: int) -> None:
    """An unknown parameter raises ConfigError at construction."""
    try:
        cls(BINARY, {"no_such_parameter": 1})
    except ConfigError:
        return
    raise AssertionError("an unknown parameter must raise ConfigError")


def check_bad_input(cls: type[Model], params: Mapping[str, Any], seed: int) -> None:
    """Zero rows or mismatched X/y raise DataError; predict before fit raises NotFittedError."""
    X, y = _data(BINARY, seed)
    for bad_X, bad_y in ((X[:0], y[:0]), (X, y[:-3])):
        try:
            _model(cls, BINARY, params).fit(bad_X, bad_y)
        except DataError:
            continue
        raise AssertionError("fitting on zero rows or mismatched X/y must raise DataError")
    try:
        _model(cls, BINARY, params).predict(X)
    except NotFittedError:
        return
    raise AssertionError("predict before fit must raise NotFittedError")


def check_estimate_memory(cls: type[Model], params: Mapping[str, Any], seed: int) -> None:
    """``estimate_memory`` is positive and grows with rows and columns, for every default."""
    for d in cls.defaults:
        for task in (BINARY, MULTI, REGRESSION):
            small = cls.estimate_memory(1_000, 10, d, task)
            more_rows = cls.estimate_memory(1_000_000, 10, d, task)
            more_cols = cls.estimate_memory(1_000, 1_000, d, task)
            if not (small > 0 and more_rows > small and more_cols > small):
                raise AssertionError(f"estimate_memory must be positive and grow with rows/cols for {d}")


# ---- learning ------------------------------------------------------------------------------------
def check_binary(cls: type[Model], params: Mapping[str, Any], seed: int) -> None:
    """Binary: (n, 2) probabilities, clearly better than the majority class on held-out rows."""
    X, y = _data(BINARY, seed, n=400)
    P = _model(cls, BINARY, params, seed).fit(X[:300], y[:300]).predict(X[300:])
    _check_proba(P, 100, 2)
    if _accuracy(P, y[300:]) < max(np.mean(y[300:]), 1 - np.mean(y[300:])) + 0.15:
        raise AssertionError(f"binary accuracy {_accuracy(P, y[300:]):.2f} is not better than a constant")


def check_multiclass(cls: type[Model], params: Mapping[str, Any], seed: int) -> None:
    """Multiclass: (n, K) probabilities, clearly better than chance on held-out rows."""
    X, y = _data(MULTI, seed, n=400)
    P = _model(cls, MULTI, params, seed).fit(X[:300], y[:300]).predict(X[300:])
    _check_proba(P, 100, 3)
    if _accuracy(P, y[300:]) < 0.55:
        raise AssertionError(f"multiclass accuracy {_accuracy(P, y[300:]):.2f} is not better than chance")


def check_missing_class(cls: type[Model], params: Mapping[str, Any], seed: int) -> None:
    """A fold lacking class 1 (also with class 1 in the validation rows) still gives K columns."""
    X, y = _data(MULTI, seed)
    keep = y != 1
    m = _model(cls, MULTI, params, seed).fit(X[keep][:150], y[keep][:150], X_val=X[150:], y_val=y[150:])
    P = m.predict(X[:20])
    _check_proba(P, 20, 3)
    if not np.all(P[:, 1] == 0):
        raise AssertionError("the column of a class absent from training must be zero")
    only = y == 2
    P1 = _model(cls, MULTI, params, seed).fit(X[only], y[only]).predict(X[:5])
    if not np.array_equal(P1, np.tile([0.0, 0.0, 1.0], (5, 1))):
        raise AssertionError("a fold with a single class must predict that class with probability 1")


def check_regression(cls: type[Model], params: Mapping[str, Any], seed: int) -> None:
    """Regression: a float vector, clearly better than the mean on held-out rows."""
    X, y = _data(REGRESSION, seed, n=400)
    pred = _model(cls, REGRESSION, params, seed).fit(X[:300], y[:300]).predict(X[300:])
    if pred.shape != (100,) or not np.isfinite(pred).all():
        raise AssertionError(f"expected 100 finite values, got shape {pred.shape}")
    if _r2(pred, y[300:]) < 0.5:
        raise AssertionError(f"regression R^2 {_r2(pred, y[300:]):.2f} is not better than the mean")


def check_save_load(cls: type[Model], params: Mapping[str, Any], seed: int) -> None:
    """Save then load gives the same family and identical predictions, for every task."""
    for task in (BINARY, MULTI, REGRESSION):
        X, y = _data(task, seed)
        m = _model(cls, task, params, seed).fit(X[:150], y[:150], X_val=X[150:], y_val=y[150:])
        with tempfile.TemporaryDirectory() as tmp:
            m.save(tmp)
            loaded = Model.load(tmp)
        if type(loaded) is not cls or loaded.best_iteration_ != m.best_iteration_:
            raise AssertionError(f"load gave {type(loaded).__name__}, expected {cls.__name__}")
        np.testing.assert_allclose(loaded.predict(X), m.predict(X), rtol=1e-9, atol=1e-12)


def check_deterministic(cls: type[Model], params: Mapping[str, Any], seed: int) -> None:
    """The same seed gives the same predictions."""
    X, y = _data(MULTI, seed)
    fits = [_model(cls, MULTI, params, seed).fit(X[:150], y[:150], X_val=X[150:], y_val=y[150:]) for _ in range(2)]
    np.testing.assert_array_equal(fits[0].predict(X), fits[1].predict(X))


def check_nan_inputs(cls: type[Model], params: Mapping[str, Any], seed: int) -> None:
    """Native families accept NaN in training, validation and prediction rows."""
    for task in (BINARY, REGRESSION):
        X, y = _data(task, seed, nan=True)
        out = _model(cls, task, params, seed).fit(X[:150], y[:150], X_val=X[150:], y_val=y[150:]).predict(X)
        if not np.isfinite(out).all():
            raise AssertionError("predictions with NaN inputs must be finite")


def check_categorical(cls: type[Model], params: Mapping[str, Any], seed: int) -> None:
    """Native families learn from an integer-coded categorical column (NaN = missing)."""
    rng = np.random.default_rng(seed)
    n = 400
    codes = rng.integers(0, 6, size=n).astype(float)
    y = np.isin(codes, [1, 4]).astype(int)
    codes[rng.random(n) < 0.05] = np.nan
    X = np.column_stack([rng.normal(size=n), codes])
    m = _model(cls, BINARY, params, seed).fit(X[:300], y[:300], categorical=[1], X_val=X[300:350], y_val=y[300:350])
    P = m.predict(X[350:])
    _check_proba(P, 50, 2)
    if _accuracy(P, y[350:]) < 0.8:
        raise AssertionError(f"accuracy {_accuracy(P, y[350:]):.2f} on a categorical signal is too low")


def check_n_iterations(cls: type[Model], params: Mapping[str, Any], seed: int) -> None:
    """Iterative families refit with exactly ``n_iterations`` rounds, ignoring validation data."""
    X, y = _data(BINARY, seed)
    m = _model(cls, BINARY, params, seed).fit(X, y, X_val=X, y_val=y, n_iterations=7)
    if m.best_iteration_ != 7:
        raise AssertionError(f"n_iterations=7 must give best_iteration_ == 7, got {m.best_iteration_}")
    _check_proba(m.predict(X), len(X), 2)


def check_early_stopping(cls: type[Model], params: Mapping[str, Any], seed: int) -> None:
    """On pure noise, early stopping on validation data ends far before the round cap."""
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(300, 4)), rng.integers(0, 2, size=300)
    known = set(cls.space.names()) | set(cls.extra_params())
    wanted = {"max_rounds": 2_000, "early_stopping_rounds": 20, "learning_rate": 0.1}
    p = {**params, **{k: v for k, v in wanted.items() if k in known}}
    m = _model(cls, BINARY, p, seed).fit(X[:200], y[:200], X_val=X[200:], y_val=y[200:])
    if m.best_iteration_ is None or not 1 <= m.best_iteration_ < 200:
        raise AssertionError(f"early stopping on noise should stop early, best_iteration_={m.best_iteration_}")


def check_past_deadline(cls: type[Model], params: Mapping[str, Any], seed: int) -> None:
    """A deadline already passed still gives a usable model, quickly (the family's own settings)."""
    X, y = _data(BINARY, seed, n=2_000)
    m = _model(cls, BINARY, {}, seed)
    start = time.perf_counter()
    m.fit(X, y, X_val=X[:200], y_val=y[:200], deadline=time.time() - 1.0)
    if time.perf_counter() - start > 3.0:
        raise AssertionError(f"fit with a passed deadline took {time.perf_counter() - start:.1f}s")
    _check_proba(m.predict(X[:10]), 10, 2)


# ---- collection ----------------------------------------------------------------------------------
def model_checks(cls: type[Model]) -> list[Check]:
    """The checks that apply to ``cls`` (native families get NaN and categorical checks,
    iterative ones the refit and early-stopping checks)."""
    checks: list[Check] = [
        check_declarations,
        check_unknown_param,
        check_bad_input,
        check_estimate_memory,
        check_binary,
        check_multiclass,
        check_missing_class,
        check_regression,
        check_save_load,
        check_deterministic,
        check_past_deadline,
    ]
    if cls.encoding == "native":
        checks += [check_nan_inputs, check_categorical]
    if cls.iterative:
        checks += [check_n_iterations, check_early_stopping]
    return checks


def check_model_family(cls: type[Model], params: Mapping[str, Any] | None = None, seed: int = 0) -> None:
    """Run every applicable check on ``cls``; raises AssertionError naming the first that fails."""
    for check in model_checks(cls):
        try:
            check(cls, params or {}, seed)
        except AssertionError as err:
            raise AssertionError(f"{cls.family}: {check.__name__} failed: {err}") from err
