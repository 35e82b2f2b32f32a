import warnings

import numpy as np
import pytest

from forgeml.data import make_folds
from forgeml.errors import ConfigError, DataError


def _check_partition(folds, n):
    val = np.concatenate([v for _, v in folds])
    assert sorted(val.tolist()) == list(range(n))
    for tr, va in folds:
        assert not set(tr) & set(va)
        assert len(tr) + len(va) == n


def test_stratified_classification_is_seeded():
    y = np.array([0] * 40 + [1] * 10)
    folds = make_folds(y, "binary", 5, seed=3)
    _check_partition(folds, 50)
    assert all((y[va] == 1).sum() == 2 for _, va in folds)
    again = make_folds(y, "binary", 5, seed=3)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again, strict=True))
    other = make_folds(y, "binary", 5, seed=4)
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(folds, other, strict=True))


def test_rare_class_stratifies_without_warning():
    y = np.array([0] * 30 + [1] * 2 + [2] * 8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        folds = make_folds(y, "multiclass", 5, seed=0)
    _check_partition(folds, 40)


def test_regression_kfold_and_tiny_data():
    _check_partition(make_folds(np.arange(23.0), "regression", 5, seed=0), 23)
    tiny = make_folds(np.array([1.0, 2.0, 3.0]), "regression", 5, seed=0)
    assert len(tiny) == 3
    _check_partition(tiny, 3)
    assert len(make_folds(np.array([0, 1, 0]), "binary", 5, seed=0)) == 3
    with pytest.raises(DataError, match="at least 2 rows"):
        make_folds(np.array([1.0]), "regression", 5, seed=0)


def test_groups_never_split():
    groups = np.repeat(np.arange(10), 5)
    folds = make_folds(np.zeros(50), "regression", 5, seed=1, groups=groups)
    _check_partition(folds, 50)
    for tr, va in folds:
        assert not set(groups[tr]) & set(groups[va])
    with pytest.raises(ConfigError, match="at least n_folds=5 distinct groups, got 3"):
        make_folds(np.zeros(9), "regression", 5, seed=1, groups=np.repeat([1, 2, 3], 3))


def test_time_folds_expand_and_validate_later():
    rng = np.random.default_rng(0)
    times = rng.permutation(60)
    folds = make_folds(np.zeros(60), "regression", 4, seed=0, times=times)
    assert len(folds) == 4
    seen: set[int] = set()
    for tr, va in folds:
        assert times[tr].max() < times[va].min()
        assert not seen & set(va.tolist())
        seen |= set(va.tolist())
    assert [len(tr) for tr, _ in folds] == sorted(len(tr) for tr, _ in folds)


def test_time_folds_on_tiny_data():
    folds = make_folds(np.zeros(3), "regression", 5, seed=0, times=np.array([3, 1, 2]))
    assert [(tr.tolist(), va.tolist()) for tr, va in folds] == [([1], [2]), ([1, 2], [0])]


def test_time_folds_keep_ties_together_and_skip_missing():
    times = np.array(["2020-01-01"] * 5 + ["2020-01-02"] * 5 + ["2020-01-03"] * 5 + [None], dtype=object)
    folds = make_folds(np.zeros(16), "regression", 2, seed=0, times=times)
    for tr, va in folds:
        assert 15 not in tr and 15 not in va
        assert max(times[tr]) < min(times[va])


def test_bad_arguments():
    with pytest.raises(ConfigError, match="'n_folds' must be an integer >= 2, got 1"):
        make_folds(np.zeros(5), "regression", 1, seed=0)
    with pytest.raises(ConfigError, match="not both"):
        make_folds(np.zeros(5), "regression", 2, seed=0, groups=np.arange(5), times=np.arange(5))
    with pytest.raises(ConfigError, match="one value per row"):
        make_folds(np.zeros(5), "regression", 2, seed=0, groups=np.arange(4))
