"""Every registered model family passes the contract kit, plus family-specific behaviour."""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
import skops.io as sio

from forgeml.errors import ModelFormatError
from forgeml.models import Model, TaskInfo, available_families, get_family
from forgeml.models._skops_io import load_skops
from forgeml.testing import check_model_family, model_checks

# Small caps keep the suite fast; the kit merges them over each family's starting point.
FAST: dict[str, dict[str, Any]] = {
    "lightgbm": {"max_rounds": 60},
    "xgboost": {"max_rounds": 60},
    "catboost": {"max_rounds": 60},
    "random_forest": {"n_estimators": 20},
    "extra_trees": {"n_estimators": 20},
}

CASES = [(name, check) for name in available_families() for check in model_checks(get_family(name))]


@pytest.mark.parametrize(("family", "check"), CASES, ids=[f"{f}-{c.__name__}" for f, c in CASES])
def test_family_contract(family: str, check: Any) -> None:
    check(get_family(family), FAST.get(family, {}), 0)


def test_builtin_families_registered() -> None:
    torch = ["torch_mlp"] if importlib.util.find_spec("torch") is not None else []
    assert sorted(available_families()) == sorted(
        ["lightgbm", "xgboost", "catboost", "random_forest", "extra_trees", "linear", "knn", "mlp", *torch]
    )


def test_ci_has_the_nn_extra() -> None:
    # CI installs forgeml[dev,nn], so the PyTorch family's tests below never go unrun there
    if os.environ.get("CI"):
        assert "torch_mlp" in available_families()


def test_check_model_family_runs_all_checks() -> None:
    check_model_family(get_family("linear"), seed=3)


def _text_like(seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    dense = rng.random((200, 50)) * (rng.random((200, 50)) < 0.1)
    y = (dense[:, :5].sum(axis=1) + 0.05 * rng.normal(size=200) > 0.25).astype(int)
    return sp.csr_matrix(dense), y


NEEDS_TORCH = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs forgeml[nn]")
TORCH = pytest.param("torch_mlp", marks=NEEDS_TORCH)


@pytest.mark.parametrize("family", ["linear", "knn", "lightgbm", "random_forest", "mlp", TORCH])
def test_sparse_input_matches_dense(family: str) -> None:
    X, y = _text_like()
    cls = get_family(family)
    params = {**cls.space.starting_point(), **FAST.get(family, {})}
    sparse = cls(TaskInfo("binary", 2), params).fit(X, y).predict(X)
    dense = cls(TaskInfo("binary", 2), params).fit(X.toarray(), y).predict(X.toarray())
    assert sparse.shape == (200, 2)
    np.testing.assert_allclose(sparse, dense, atol=1e-4)


@pytest.mark.parametrize("family", ["xgboost", "catboost"])
def test_sparse_input_is_densified(family: str) -> None:
    X, y = _text_like()
    cls = get_family(family)
    assert not cls.accepts_sparse
    P = cls(TaskInfo("binary", 2), {"max_rounds": 20}).fit(X, y).predict(X)
    assert P.shape == (200, 2)


def test_early_stopping_truncates_lightgbm_model(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 4)), rng.integers(0, 2, size=300)
    m = get_family("lightgbm")(TaskInfo("binary", 2), {"max_rounds": 500, "early_stopping_rounds": 10})
    m.fit(X[:200], y[:200], X_val=X[200:], y_val=y[200:])
    assert m.best_iteration_ is not None and m.best_iteration_ < 100
    m.save(tmp_path)
    assert (tmp_path / "lightgbm.txt").read_text().count("Tree=") == m.best_iteration_


def test_refit_without_validation_uses_learning_rate_budget() -> None:
    X = np.random.default_rng(0).normal(size=(100, 3))
    m = get_family("xgboost")(TaskInfo("regression"), {"learning_rate": 0.2}).fit(X, X[:, 0])
    assert m.best_iteration_ == 100  # 20 / learning_rate


class _Foreign:
    """Not a type forgeml trusts."""

    def __init__(self) -> None:
        self.payload = [1, 2, 3]


def test_skops_load_refuses_untrusted_types(tmp_path: Path) -> None:
    path = tmp_path / "evil.skops"
    sio.dump(_Foreign(), path)
    with pytest.raises(ModelFormatError, match="does not trust"):
        load_skops(path, object)


def test_skops_load_refuses_unexpected_estimator(tmp_path: Path) -> None:
    from sklearn.linear_model import Ridge

    path = tmp_path / "ridge.skops"
    sio.dump(Ridge().fit(np.eye(3), np.arange(3.0)), path)
    with pytest.raises(ModelFormatError, match="expected"):
        load_skops(path, get_family("knn").__mro__[0])


def test_load_of_damaged_model_file_raises(tmp_path: Path) -> None:
    X = np.random.default_rng(0).normal(size=(60, 2))
    for family in ("lightgbm", "xgboost", "catboost", "linear"):
        d = tmp_path / family
        get_family(family)(TaskInfo("regression"), FAST.get(family, {})).fit(X, X[:, 0]).save(d)
        for f in d.iterdir():
            if f.name != "model.json":
                f.write_bytes(b"garbage")
        with pytest.raises(ModelFormatError):
            Model.load(d)


def test_forest_stops_growing_at_deadline() -> None:
    X = np.random.default_rng(0).normal(size=(300, 4))
    m = get_family("random_forest")(TaskInfo("regression"), {"n_estimators": 500})
    m.fit(X, X[:, 0], deadline=0.0)
    assert m._est.n_estimators == 10  # type: ignore[attr-defined]


def test_knn_clips_neighbours_to_rows() -> None:
    X = np.arange(6, dtype=float).reshape(3, 2)
    P = get_family("knn")(TaskInfo("binary", 2), {"n_neighbors": 50}).fit(X, np.array([0, 1, 1])).predict(X)
    np.testing.assert_allclose(P[:, 1], 2 / 3)


def test_forest_memory_grows_with_trees_and_leaf_size() -> None:
    rf = get_family("random_forest")
    task = TaskInfo("binary", 2)
    uncapped = {"max_leaf_nodes": None}
    base = rf.estimate_memory(100_000, 20, {"n_estimators": 100, **uncapped}, task)
    assert rf.estimate_memory(100_000, 20, {"n_estimators": 400, **uncapped}, task) > 3 * base
    assert rf.estimate_memory(100_000, 20, {"n_estimators": 100, "min_samples_leaf": 20, **uncapped}, task) < base / 5
    assert rf.estimate_memory(100_000, 20, {"n_estimators": 100}, task) < base / 5, "5,000 leaves by default"


@pytest.mark.parametrize(
    ("family", "key", "low", "high"),
    [
        ("lightgbm", "num_leaves", 15, 255),
        ("xgboost", "max_depth", 3, 10),
        ("catboost", "depth", 4, 10),
        ("extra_trees", "n_estimators", 50, 500),
        ("knn", "n_neighbors", 5, 50),
        ("mlp", "width", 32, 512),
        pytest.param("torch_mlp", "width", 64, 1024, marks=NEEDS_TORCH),
    ],
)
def test_memory_estimate_grows_with_complexity(family: str, key: str, low: int, high: int) -> None:
    cls = get_family(family)
    task = TaskInfo("multiclass", 5)
    assert cls.estimate_memory(200_000, 50, {key: high}, task) > cls.estimate_memory(200_000, 50, {key: low}, task)


def _blobs(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, (X[:, 0] + 0.5 * X[:, 1] ** 2 + 0.8 * rng.normal(size=n) > 0.5).astype(int)


def test_mlp_keeps_its_best_epoch_and_the_refit_trains_that_many() -> None:
    X, y = _blobs()
    mlp = get_family("mlp")
    big = {"width": 256, "layers": 2}  # over-fits 400 noisy rows within a few dozen epochs
    m = mlp(TaskInfo("binary", 2), big, seed=0).fit(X[:400], y[:400], X_val=X[400:], y_val=y[400:])
    best = m.best_iteration_
    assert best is not None and 1 <= best < 100  # stopped early on the validation rows
    assert (m.predict(X[400:]).argmax(1) == y[400:]).mean() > 0.75
    refit = mlp(TaskInfo("binary", 2), big, seed=0).fit(X, y, n_iterations=best)
    assert refit.best_iteration_ == best and len(refit._est.loss_curve_) == best  # type: ignore[attr-defined]


def test_mlp_stops_at_the_deadline() -> None:
    X, y = _blobs()
    m = get_family("mlp")(TaskInfo("binary", 2), {}, seed=0).fit(X, y, deadline=0.0)
    assert m.best_iteration_ == 1


@pytest.mark.parametrize(
    ("family", "params", "tolerance"),
    [
        ("mlp", {"width": 32, "layers": 1}, 3_000),
        pytest.param("torch_mlp", {"width": 64, "layers": 1}, 5_000, marks=NEEDS_TORCH),
    ],
)
def test_networks_train_on_a_standardised_target_and_save_its_scale(
    family: str, params: dict[str, Any], tolerance: float, tmp_path: Path
) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3))
    y = 50_000 + 20_000 * X[:, 0] + 1_000 * rng.normal(size=500)  # a price-like scale
    m = get_family(family)(TaskInfo("regression"), params, seed=0)
    m.fit(X[:400], y[:400], X_val=X[400:], y_val=y[400:])
    pred = m.predict(X[400:])
    assert np.sqrt(np.mean((pred - y[400:]) ** 2)) < tolerance  # the raw-scale target would not train
    m.save(tmp_path / "m")
    np.testing.assert_allclose(Model.load(tmp_path / "m").predict(X[400:]), pred, rtol=1e-6)
    if family == "torch_mlp":
        with np.load(tmp_path / "m" / "torch_mlp.npz", allow_pickle=False) as arrays:
            assert all(arrays[k].dtype != object for k in arrays.files)  # plain arrays: loading runs no code


@NEEDS_TORCH
def test_torch_mlp_keeps_its_best_epoch_and_the_refit_trains_that_many() -> None:
    X, y = _blobs()
    net = get_family("torch_mlp")
    big = {"width": 512, "layers": 3, "dropout": 0.0, "epochs": 100}  # over-fits 400 noisy rows
    m = net(TaskInfo("binary", 2), big, seed=0).fit(X[:400], y[:400], X_val=X[400:], y_val=y[400:])
    best = m.best_iteration_
    assert best is not None and 1 <= best < 100  # stopped early on the validation rows
    assert (m.predict(X[400:]).argmax(1) == y[400:]).mean() > 0.75
    refit = net(TaskInfo("binary", 2), big, seed=0).fit(X, y, n_iterations=best)
    assert refit.best_iteration_ == best


@NEEDS_TORCH
def test_torch_mlp_is_deterministic_and_stops_at_the_deadline() -> None:
    X, y = _blobs()
    net = get_family("torch_mlp")
    a = net(TaskInfo("binary", 2), {"epochs": 5}, seed=3).fit(X, y).predict(X)
    b = net(TaskInfo("binary", 2), {"epochs": 5}, seed=3).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)
    assert net(TaskInfo("binary", 2), {}, seed=0).fit(X, y, deadline=0.0).best_iteration_ == 1


@NEEDS_TORCH
def test_torch_mlp_fits_its_schedule_to_the_deadline() -> None:
    # 100 epochs on 20k rows take far longer than 1.5 s: the one-cycle schedule is shortened up
    # front, so the fit ends on time with its learning rate annealed (and still learns)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 20))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    net = get_family("torch_mlp")(TaskInfo("binary", 2), {"epochs": 100}, seed=0)
    started = time.time()
    net.fit(X[:16_000], y[:16_000], X_val=X[16_000:], y_val=y[16_000:], deadline=started + 1.5)
    assert time.time() - started < 5.0
    assert net.best_iteration_ is not None and 1 <= net.best_iteration_ < 100
    assert (net.predict(X[16_000:]).argmax(1) == y[16_000:]).mean() > 0.9
