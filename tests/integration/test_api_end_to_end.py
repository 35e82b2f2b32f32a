"""The Python API end to end: AutoML fit / predict / leaderboard / save / load on real and synthetic data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forgeml
from forgeml import AutoML
from forgeml.data import make_folds

BOARD_COLS = ["model", "family", "status", "score", "score_std", "params", "source"]


@pytest.fixture(scope="module")
def credit_automl(credit_df: pd.DataFrame) -> AutoML:
    return AutoML(max_trials=4, executor="serial", seed=0).fit(credit_df, target="default")


def test_fit_predict_save_load_round_trip(credit_automl: AutoML, credit_df: pd.DataFrame, tmp_path: Path) -> None:
    X = credit_df.drop(columns=["default"])
    pred = credit_automl.predict(X)
    proba = credit_automl.predict_proba(X)
    assert pred.shape == (1000,)
    assert set(np.unique(pred)) <= {1, 2}
    assert np.asarray(pred).dtype.kind == "i", f"labels should keep the target's int type, got {pred.dtype}"
    assert list(proba.columns) == ["1", "2"]
    assert credit_automl.classes_ == [1, 2]
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    assert (pred == np.where(proba["2"] > proba["1"], 2, 1)).mean() > 0.99

    board = credit_automl.leaderboard()
    assert {"model", "family", "score", "score_std", "fit_seconds", "predict_seconds_per_1k", "params"} <= set(
        board.columns
    )
    assert (board["status"] == "complete").sum() >= 1
    assert 0.6 < credit_automl.cv_score_ <= 1.0

    folder = credit_automl.save(tmp_path / "credit-model")
    assert (folder / "manifest.json").is_file()
    loaded = forgeml.load(folder)
    np.testing.assert_array_equal(loaded.predict(X), pred)
    np.testing.assert_allclose(loaded.predict_proba(X).to_numpy(), proba.to_numpy(), rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(loaded.leaderboard(), board)
    # a path string works too, and the target column in the input is ignored
    np.testing.assert_array_equal(forgeml.load(str(folder)).predict(credit_df), pred)


def test_predict_ignores_extra_columns(credit_automl: AutoML, credit_df: pd.DataFrame) -> None:
    X = credit_df.drop(columns=["default"]).head(50)
    wider = X.assign(extra_note="hello", extra_number=np.arange(50))[["extra_note", *X.columns, "extra_number"]]
    np.testing.assert_array_equal(credit_automl.predict(wider), credit_automl.predict(X))


def test_predict_handles_unseen_categories_and_missing_values(credit_automl: AutoML, credit_df: pd.DataFrame) -> None:
    X = credit_df.drop(columns=["default"]).head(30).copy()
    X["purpose"] = "spaceship"  # never seen in training
    X.loc[0:9, "amount"] = np.nan  # missing numeric
    X.loc[5:14, "checking_balance"] = None  # missing categorical
    pred = credit_automl.predict(X)
    proba = credit_automl.predict_proba(X)
    assert set(np.unique(pred)) <= {1, 2}
    assert np.isfinite(proba.to_numpy()).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    # a single row, from a file with only the feature columns, works too
    assert credit_automl.predict(X.iloc[[3]]).shape == (1,)


def test_predict_from_file_paths(credit_automl: AutoML, credit_df: pd.DataFrame, write_csv) -> None:
    X = credit_df.drop(columns=["default"]).head(40)
    for name in ("rows.csv", "rows.parquet"):
        np.testing.assert_array_equal(credit_automl.predict(write_csv(X, name)), credit_automl.predict(X))


def test_same_seed_same_leaderboard_process_executor(frames) -> None:
    """max_trials without a time limit is reproducible, with the default (process) executor and the
    Bayesian phase included (linear has 3 portfolio defaults, so trials 4-6 come from TPE)."""
    df = frames["binary"](n=300, seed=1)
    boards = [
        AutoML(max_trials=6, seed=7, families=["linear"]).fit(df, target="y").leaderboard()[BOARD_COLS]
        for i in range(2)
    ]
    assert set(boards[0]["source"]) >= {"portfolio", "bayes"}, boards[0]
    pd.testing.assert_frame_equal(boards[0], boards[1])


def test_same_seed_same_leaderboard_serial(credit_df: pd.DataFrame, credit_automl: AutoML) -> None:
    again = AutoML(max_trials=4, executor="serial", seed=0).fit(credit_df, target="default")
    pd.testing.assert_frame_equal(again.leaderboard()[BOARD_COLS], credit_automl.leaderboard()[BOARD_COLS])


def test_regression_with_datetime_and_text(frames) -> None:
    df = frames["regression"](n=400, seed=0)
    train, test = df.iloc[:300], df.iloc[300:]
    automl = AutoML(max_trials=4, executor="serial", seed=0).fit(train, target="price")
    p = automl.predictor
    assert p.task == "regression" and p.metric == "rmse"
    roles = {c.name: c.role for c in p.schema.columns}
    assert roles["day"] == "datetime", roles
    assert roles["description"] == "text", roles
    pred = automl.predict(test.drop(columns=["price"]))
    assert pred.shape == (100,) and np.isfinite(pred).all()
    y = test["price"].to_numpy()
    r2 = 1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2)
    assert r2 > 0.5, f"held-out R2 {r2:.3f}"
    with pytest.raises(forgeml.ConfigError):
        automl.predict_proba(test)


def test_multiclass(frames) -> None:
    df = frames["multiclass"](n=300)
    automl = AutoML(max_trials=3, executor="serial", seed=0).fit(df, target="species")
    assert automl.predictor.task == "multiclass"
    assert automl.predictor.metric == "log_loss"
    assert automl.classes_ == ["cat", "dog", "fish"]
    X = df.drop(columns=["species"]).head(60)
    proba = automl.predict_proba(X)
    assert list(proba.columns) == ["cat", "dog", "fish"]
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    pred = automl.predict(X)
    assert set(pred) <= {"cat", "dog", "fish"}
    assert (pred == df["species"].head(60).to_numpy()).mean() > 0.8
    # log loss: lower is better, so the leaderboard's first complete row has the lowest score
    board = automl.leaderboard()
    trials = board[(board["status"] == "complete") & (board["model"] != "ensemble")]
    assert trials["score"].is_monotonic_increasing


def test_metric_by_name(frames) -> None:
    df = frames["binary"](n=200)
    automl = AutoML(metric="accuracy", max_trials=3, executor="serial", families=["linear"]).fit(df, target="y")
    assert automl.predictor.metric == "accuracy"
    board = automl.leaderboard()
    scores = board.loc[board["status"] == "complete", "score"]
    assert scores.between(0.5, 1.0).all()
    assert scores.iloc[1:].is_monotonic_decreasing or board.loc[0, "model"] == "ensemble"


def test_metric_callable(frames) -> None:
    def error_rate(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        return float(np.mean(np.asarray(y_true) != np.asarray(y_pred)))

    df = frames["binary"](n=200)
    scorer = forgeml.make_scorer(error_rate, greater_is_better=False)
    automl = AutoML(metric=scorer, max_trials=3, executor="serial", families=["linear"]).fit(df, target="y")
    assert automl.predictor.metric == "error_rate"
    board = automl.leaderboard()
    trials = board[(board["status"] == "complete") & (board["model"] != "ensemble")]
    assert trials["score"].between(0.0, 0.5).all()
    assert trials["score"].is_monotonic_increasing  # lower is better: best first


def test_rows_with_missing_target_are_dropped_and_counted(frames) -> None:
    df = frames["binary"](n=200)
    df.loc[[3, 17, 50, 51, 199], "y"] = None
    automl = AutoML(max_trials=2, executor="serial", families=["linear"]).fit(df, target="y")
    assert automl.predictor.info["n_rows_dropped_missing_target"] == 5
    assert automl.predictor.info["n_rows"] == 195


def test_identifier_and_constant_columns_dropped_and_reported(frames) -> None:
    df = frames["binary"](n=200)
    df["customer_id"] = [f"C{i:05d}" for i in range(len(df))]
    df["country"] = "DE"
    df["store"] = np.arange(len(df)) % 7  # an int code that is really a category
    automl = AutoML(max_trials=2, executor="serial", families=["linear"], column_types={"store": "categorical"}).fit(
        df, target="y"
    )
    schema = automl.predictor.schema
    roles = {c.name: c.role for c in schema.columns}
    assert roles["customer_id"] == "identifier"
    assert roles["country"] == "constant"
    assert roles["store"] == "categorical"
    assert "customer_id" not in schema.feature_names and "country" not in schema.feature_names
    notes = " ".join(schema.notes)
    assert "customer_id" in notes and "country" in notes, schema.notes
    # prediction input need not carry the dropped columns
    assert automl.predict(df.drop(columns=["customer_id", "country", "y"]).head(5)).shape == (5,)


def test_group_folds_keep_groups_together() -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(30), 7)
    y = rng.integers(0, 2, size=len(groups))
    folds = make_folds(y, "binary", 5, seed=0, groups=groups)
    assert len(folds) == 5
    for tr, va in folds:
        assert not set(groups[tr]) & set(groups[va])
    assert sorted(np.concatenate([va for _, va in folds]).tolist()) == list(range(len(groups)))


def test_group_column_training(frames) -> None:
    df = frames["binary"](n=200)
    df["patient"] = np.arange(len(df)) // 8
    automl = AutoML(max_trials=2, executor="serial", families=["linear"], group_column="patient").fit(df, target="y")
    schema = automl.predictor.schema
    assert schema.group_column == "patient"
    assert "patient" not in schema.feature_names
    assert automl.predict(df.drop(columns=["y", "patient"]).head(5)).shape == (5,)


def test_time_column_training(frames) -> None:
    df = frames["binary"](n=200)
    df["when"] = (pd.Timestamp("2022-01-01") + pd.to_timedelta(np.arange(len(df)), unit="h")).astype(str)
    automl = AutoML(max_trials=2, executor="serial", families=["linear"], time_column="when").fit(df, target="y")
    schema = automl.predictor.schema
    assert schema.time_column == "when"
    assert "when" not in schema.feature_names
    assert automl.predict(df.drop(columns=["y", "when"]).head(5)).shape == (5,)


@pytest.mark.parametrize("search", ["grid", "random"])
def test_search_kind_recorded_as_trial_source(search: str, frames) -> None:
    df = frames["binary"](n=150)
    automl = AutoML(search=search, max_trials=5, executor="serial", families=["linear"]).fit(df, target="y")
    sources = automl.leaderboard()["source"].tolist()
    assert sources.count("portfolio") == 3
    assert sources.count(search) == 2, sources


def test_not_fitted_and_bad_config_errors() -> None:
    with pytest.raises(forgeml.NotFittedError):
        AutoML().predict(pd.DataFrame({"a": [1]}))
    with pytest.raises(forgeml.ConfigError, match="search"):
        AutoML(search="fast")
    with pytest.raises(forgeml.ConfigError, match="time_limit"):
        AutoML(time_limit="soon")


def test_fit_error_is_a_forge_error(frames) -> None:
    df = frames["binary"](n=50)
    with pytest.raises(forgeml.TargetError, match=r"(?i)did you mean 'y'"):
        AutoML(max_trials=2, executor="serial").fit(df, target="yy")
    with pytest.raises(forgeml.NotFoundError):
        AutoML(max_trials=2, executor="serial").fit("no/such/file.csv", target="y")


def test_workers_over_their_memory_share_are_killed_and_reported(credit_df: pd.DataFrame) -> None:
    """A run never dies of memory: a worker over its share is killed and the run says why."""
    automl = forgeml.AutoML(time_limit=8, memory_limit="300MB", families=["linear"], seed=0)
    with pytest.raises(forgeml.BudgetError, match="memory-limit"):
        automl.fit(credit_df, target="default")
