"""Errors, config parsing, metrics and search spaces: the foundation layer."""

from __future__ import annotations

import json

import numpy as np
import pytest

import forgeml
from forgeml.config import RunConfig, parse_duration, parse_memory
from forgeml.errors import ConfigError, DataError, ForgeError, SchemaError
from forgeml.metrics import available_metrics, default_metric, get_scorer, make_scorer
from forgeml.space import Categorical, Float, Int, SearchSpace


def test_public_api_is_pinned() -> None:
    assert sorted(forgeml.__all__) == sorted(
        [
            "AutoClassifier",
            "AutoML",
            "AutoRegressor",
            "BudgetError",
            "ConfigError",
            "DataError",
            "DependencyError",
            "ForgeError",
            "ModelFormatError",
            "NotFittedError",
            "NotFoundError",
            "ProgressEvent",
            "RunConfig",
            "SchemaError",
            "Scorer",
            "TargetError",
            "__version__",
            "erase_subject",
            "evaluate",
            "explain",
            "load",
            "make_scorer",
            "retrain",
            "rollback",
        ]
    )
    for name in forgeml.__all__:
        assert hasattr(forgeml, name)


def test_errors_carry_codes_and_plain_messages() -> None:
    err = SchemaError("row 3, column 'age': expected a number, got 'abc'")
    assert isinstance(err, DataError) and isinstance(err, ForgeError)
    assert err.code == "schema_mismatch"
    assert str(err) == "row 3, column 'age': expected a number, got 'abc'"


@pytest.mark.parametrize(
    ("text", "seconds"), [("60", 60.0), ("60s", 60.0), ("5m", 300.0), ("1h", 3600.0), (90, 90.0), ("1.5m", 90.0)]
)
def test_parse_duration(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["soon", "-5s", "0", "5 days"])
def test_parse_duration_rejects_with_the_template(bad: str) -> None:
    with pytest.raises(ConfigError, match="'time_limit' must"):
        parse_duration(bad)


def test_parse_memory() -> None:
    assert parse_memory("512MB") == 512 * 2**20
    assert parse_memory("2g") == 2 * 2**30
    with pytest.raises(ConfigError, match="'memory_limit'"):
        parse_memory("lots")


def test_run_config_validates_once_with_one_template() -> None:
    with pytest.raises(ConfigError, match=r"'max_trials' must be an integer >= 1, got 0\."):
        RunConfig(max_trials=0)
    with pytest.raises(ConfigError, match="'search' must be one of bayes, random, grid"):
        RunConfig(search="genetic")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"column_types\['zip'\]"):
        RunConfig(column_types={"zip": "postcode"})
    assert RunConfig().effective_time_limit == 60.0
    assert RunConfig(max_trials=3).effective_time_limit is None
    assert json.dumps(RunConfig(metric=lambda a, b: 0.0).to_json())


def test_default_metrics_per_task() -> None:
    assert default_metric("binary") == "roc_auc"
    assert default_metric("multiclass") == "log_loss"
    assert default_metric("regression") == "rmse"
    for name in ["accuracy", "balanced_accuracy", "precision", "recall", "f1", "f1_macro", "roc_auc", "log_loss"]:
        assert name in available_metrics("binary")
    assert {"rmse", "mae", "r2"} <= set(available_metrics("regression"))


def test_scorers_compute_known_values() -> None:
    y = np.array([0, 1, 1, 0])
    p = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    assert get_scorer("accuracy").score(y, p) == 0.5
    assert get_scorer("roc_auc").score(y, p) == 0.75
    assert get_scorer("log_loss").score(y, p) == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.4, 0.3])))
    assert get_scorer("rmse").score(np.array([1.0, 3.0]), np.array([2.0, 1.0])) == pytest.approx(np.sqrt(2.5))
    multi = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]])
    assert get_scorer("roc_auc").score(np.array([0, 1, 2]), multi) == 1.0


def test_scorer_direction_and_task_checks() -> None:
    rmse = get_scorer("rmse")
    assert rmse.better(1.0, 2.0) and not rmse.better(float("nan"), 2.0)
    assert get_scorer("roc_auc").better(0.9, 0.8)
    with pytest.raises(ConfigError, match="does not apply to a regression task"):
        get_scorer("roc_auc", "regression")
    with pytest.raises(ConfigError, match="'metric' must be one of"):
        get_scorer("auc_pr", "binary")


def test_custom_callable_metric() -> None:
    s = get_scorer(lambda t, p: float(np.mean(t == p)), "binary")
    assert s.greater_is_better and s.needs == "label"
    assert s.score(np.array([1, 0]), np.array([[0.2, 0.8], [0.3, 0.7]])) == 0.5
    cost = make_scorer(lambda t, p: float(np.sum(t != p)), name="errors", greater_is_better=False)
    assert cost.better(0.0, 1.0)


def test_search_space_values() -> None:
    space = SearchSpace(
        {
            "lr": Float(0.01, 0.3, default=0.05, log=True),
            "leaves": Int(8, 128, default=31),
            "boost": Categorical(("gbdt", "dart")),
        }
    )
    assert space.starting_point() == {"lr": 0.05, "leaves": 31, "boost": "gbdt"}
    assert space.contains({"lr": 0.1, "leaves": 20})
    assert not space.contains({"lr": 0.5}) and not space.contains({"depth": 3})
    assert len(list(space.grid())) == 3 * 3 * 2
    assert json.loads(json.dumps(space.to_json()))["lr"]["log"] is True
    with pytest.raises(ConfigError, match="default must lie"):
        Float(0.0, 1.0, default=2.0)
    with pytest.raises(ConfigError, match="log=True needs 'low' > 0"):
        Float(0.0, 1.0, log=True)
