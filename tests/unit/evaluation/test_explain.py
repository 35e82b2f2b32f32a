"""Explanations add up: booster contributions to the booster's margin, a blended tree ensemble's
contributions (plus base value) to the ensemble's probabilities, every family to its own output."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

import forgeml
from forgeml.data import coerce_frame, prepare_training
from forgeml.errors import ConfigError, DataError
from forgeml.evaluation import explain
from forgeml.models import get_family
from forgeml.models._base import TaskInfo, task_for_classes
from forgeml.models.catboost import _frame
from forgeml.predictor import Member, Predictor

TREES = ("lightgbm", "xgboost", "catboost")


def frame(task: str, n: int = 240, seed: int = 0) -> tuple[pd.DataFrame, str]:
    """A table where x1 and the colour carry the signal and x2 is noise."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], size=n)
    x2[rng.random(n) < 0.1] = np.nan
    score = 2.0 * x1 + np.where(color == "red", 1.5, -0.5) + rng.normal(scale=0.4, size=n)
    df = pd.DataFrame({"x1": x1, "x2": x2, "color": color})
    if task == "binary":
        df["y"] = np.where(score > 0, "yes", "no")
    elif task == "multiclass":
        df["y"] = np.select([score < -0.7, score < 1.0], ["low", "mid"], "high")
    else:
        df["y"] = 3.0 * score
    return df, "y"


def margin(model, X: np.ndarray) -> np.ndarray:
    """The booster's raw score (log-odds per class, or the value), straight from the library."""
    if model.family == "lightgbm":
        return np.asarray(model._booster.predict(X, num_iteration=model.best_iteration_, raw_score=True))
    if model.family == "xgboost":
        return np.asarray(model._booster.predict(model._matrix(X), output_margin=True), dtype=float)
    cats = model._model.get_cat_feature_indices()
    return np.asarray(model._model.predict(_frame(X, cats), prediction_type="RawFormulaVal"))


def close_to_margin(total: np.ndarray, raw: np.ndarray) -> bool:
    """Within 1e-6, scaled by the margin's size above 1: XGBoost computes (and rounds) in float32."""
    return bool(np.all(np.abs(total - raw) <= 1e-6 * np.maximum(1.0, np.abs(raw))))


def task_info(task: str, n_classes: int) -> TaskInfo:
    return TaskInfo("regression") if task == "regression" else task_for_classes(n_classes)


@functools.cache
def tree_ensemble(task: str) -> tuple[Predictor, pd.DataFrame]:
    """A three-member tree ensemble (LightGBM 0.5, XGBoost 0.3, CatBoost 0.2) on the native encoding
    of a forgeml-trained predictor, blended like any forgeml ensemble."""
    df, target = frame(task)
    base = forgeml.AutoML(families=["lightgbm"], max_trials=1, n_folds=2, executor="serial", seed=0)
    predictor = base.fit(df, target=target).predictor
    pipe = predictor.pipelines["native"]
    X = pipe.transform(coerce_frame(df, predictor.schema)).X
    _, y, _ = prepare_training(df, predictor.schema)
    info = task_info(task, len(predictor.classes))
    members = []
    for family, weight in zip(TREES, (0.5, 0.3, 0.2), strict=True):
        model = get_family(family)(info, {"max_rounds": 40}, seed=1).fit(X, y, categorical=pipe.categorical_)
        members.append(Member(f"{family}_0", model, weight))
    return Predictor(predictor.schema, predictor.pipelines, members, predictor.metric), df


@pytest.fixture(params=["binary", "multiclass", "regression"])
def ensemble(request: pytest.FixtureRequest) -> tuple[Predictor, pd.DataFrame]:
    return tree_ensemble(request.param)


@pytest.mark.parametrize("family", TREES)
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_booster_contributions_sum_to_its_margin(family: str, task: str) -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(150, 4))
    X[:, 3] = rng.integers(0, 4, size=150)
    X[rng.random(150) < 0.1, 1] = np.nan
    y = {"binary": (X[:, 0] > 0).astype(int), "multiclass": np.digitize(X[:, 0], [-0.5, 0.5])}.get(task, X[:, 0] * 2)
    model = get_family(family)(task_info(task, 2 if task == "binary" else 3), {"max_rounds": 30}, seed=0)
    model.fit(X, y, categorical=[3])
    phi = model.contributions(X)
    k = 3 if task == "multiclass" else None
    assert phi.shape == ((150, 5, k) if k else (150, 5))
    total = phi.sum(axis=1)
    assert close_to_margin(total, margin(model, X))
    p = model.predict(X)
    if task == "binary":
        assert np.allclose(1.0 / (1.0 + np.exp(-total)), p[:, 1], atol=1e-6)
    elif task == "multiclass":
        e = np.exp(total - total.max(axis=1, keepdims=True))
        assert np.allclose(e / e.sum(axis=1, keepdims=True), p, atol=1e-6)
    else:
        assert np.allclose(total, p, atol=1e-5)
    assert np.ptp(phi[:, -1], axis=0).max() < 1e-9  # the bias is the same expected value for every row


def test_tree_ensemble_explanation_sums_to_its_prediction(ensemble: tuple[Predictor, pd.DataFrame]) -> None:
    predictor, df = ensemble
    rows = df.head(60)
    ex = explain(predictor, rows)
    raw = predictor.predict_raw(rows)
    assert np.allclose(ex.output, raw, atol=1e-12)
    assert np.max(np.abs(ex.base_value + ex.values.sum(axis=1) - raw)) < 1e-6
    assert [m.method for m in ex.members] == ["TreeSHAP"] * 3
    X = predictor.pipelines["native"].transform(coerce_frame(rows, predictor.schema)).X
    for m, member in zip(ex.members, predictor.members, strict=True):
        own = margin(member.model, X).reshape(len(rows), -1)
        assert close_to_margin(m.base + m.values.sum(axis=1), own), m.name  # each member, in its own margin
    if predictor.task != "regression":  # probabilities: each class's contributions balance across classes
        assert np.allclose(ex.values.sum(axis=2), 0.0, atol=1e-6)
        assert np.isclose(ex.base_value.sum(), 1.0)


def test_explanation_rows_and_frame_agree(ensemble: tuple[Predictor, pd.DataFrame]) -> None:
    predictor, df = ensemble
    ex = explain(predictor, df.head(10))
    for row in ex.top(2):
        assert len(row["contributions"]) == 2
        total = row["base_value"] + sum(row["contributions"].values()) + row["rest"]
        assert total == pytest.approx(row["output"], abs=1e-9)
        sizes = [abs(v) for v in row["contributions"].values()]
        assert sizes == sorted(sizes, reverse=True)
    table = ex.frame()
    assert list(table.columns[-2:]) == ["base_value", "output"]
    assert np.allclose(table[ex.features].sum(axis=1) + table["base_value"], table["output"])


def test_the_one_informative_column_comes_first() -> None:
    rng = np.random.default_rng(5)
    n = 300
    df = pd.DataFrame(
        {
            "noise_a": rng.normal(size=n),
            "signal": rng.normal(size=n),
            "noise_b": rng.choice(["p", "q", "r"], size=n),
            "noise_c": rng.normal(size=n),
        }
    )
    df["y"] = np.where(df["signal"] > 0, "on", "off")
    automl = forgeml.AutoML(families=["lightgbm", "xgboost"], max_trials=2, n_folds=2, executor="serial", seed=0)
    ex = explain(automl.fit(df, target="y"), df.head(80))
    firsts = [next(iter(r["contributions"])) for r in ex.top(1)]
    assert firsts.count("signal") >= 0.9 * len(firsts)
    assert ex.importance().index[0] == "signal"


@pytest.mark.parametrize("families", [["linear"], ["random_forest"], ["extra_trees"], ["knn"]])
def test_other_families_are_explained_additively(families: list[str]) -> None:
    df, target = frame("multiclass", n=180, seed=2)
    automl = forgeml.AutoML(families=families, max_trials=1, n_folds=2, executor="serial", seed=0)
    predictor = automl.fit(df, target=target).predictor
    ex = explain(predictor, df.head(25), n_permutations=3)
    assert np.max(np.abs(ex.base_value + ex.values.sum(axis=1) - predictor.predict_raw(df.head(25)))) < 1e-6
    expected = {"linear": "linear (exact)", "knn": "baseline Shapley (sampled)"}.get(
        families[0], "path attribution (Saabas)"
    )
    assert {m.method for m in ex.members} == {expected}
    assert ex.importance().index[0] in ("x1", "color")  # a signal column, not the noise, matters most


def test_linear_contributions_are_its_terms() -> None:
    df, target = frame("regression", n=150)
    predictor = (
        forgeml.AutoML(families=["linear"], max_trials=1, n_folds=2, executor="serial").fit(df, target).predictor
    )
    ex = explain(predictor, df.head(5))
    a, b = df.head(5).copy(), df.head(5).copy()
    b["x1"] = b["x1"] + 1.0  # a linear model moves by exactly its x1 term
    shift = explain(predictor, b).values[:, 0] - ex.values[:, 0]
    assert np.allclose(shift, predictor.predict_raw(b) - predictor.predict_raw(a))


def test_explained_class_and_errors(ensemble: tuple[Predictor, pd.DataFrame]) -> None:
    predictor, df = ensemble
    ex = explain(predictor, df.head(4))
    if predictor.task == "regression":
        assert "explained_class" not in ex.top(1)[0]
    else:
        last = str(predictor.classes[-1])
        assert {r["explained_class"] for r in ex.top(1, class_=last)} == {last}
        with pytest.raises(ConfigError, match="'class' must be one of"):
            ex.top(1, class_="nope")
    with pytest.raises(ConfigError, match="'top' must be an integer >= 1"):
        ex.top(0)
    with pytest.raises(DataError, match="no rows to explain"):
        explain(predictor, df.head(0))


def test_a_member_fitted_without_one_class_still_adds_up() -> None:
    predictor, df = tree_ensemble("multiclass")
    pipe = predictor.pipelines["native"]
    X = pipe.transform(coerce_frame(df, predictor.schema)).X
    _, y, _ = prepare_training(df, predictor.schema)
    keep = y != 1  # this member never saw class 1: a binary fit placed into three classes
    partial = get_family("lightgbm")(task_for_classes(3), {"max_rounds": 30}, seed=0)
    partial.fit(X[keep], y[keep], categorical=pipe.categorical_)
    mixed = Predictor(
        predictor.schema,
        predictor.pipelines,
        [Member("lightgbm_0", predictor.members[0].model, 0.6), Member("lightgbm_9", partial, 0.4)],
        predictor.metric,
    )
    ex = explain(mixed, df.head(30))
    assert np.max(np.abs(ex.base_value + ex.values.sum(axis=1) - mixed.predict_raw(df.head(30)))) < 1e-6
    assert ex.members[1].values.shape[2] == 1  # one margin: the binary fit's
