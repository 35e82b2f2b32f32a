import numpy as np
import pytest
import scipy.sparse as sp

import forgeml.features as features
from forgeml.errors import DataError
from forgeml.features import FeatureMatrix


def test_public_names_are_pinned() -> None:
    assert sorted(features.__all__) == ["FeatureMatrix", "FeaturePipeline", "SelectionResult", "select_features"]


def test_feature_matrix_rows_and_shape() -> None:
    fm = FeatureMatrix(np.arange(12.0).reshape(4, 3), ["a", "b", "c"], [1], ["a", "b", "b"])
    sub = fm.rows(np.array([3, 0]))
    assert sub.shape == (2, 3)
    assert sub.X[0, 0] == 9.0
    assert sub.categorical == [1] and sub.sources == ["a", "b", "b"]
    sparse = FeatureMatrix(sp.csr_matrix(np.eye(3)), ["a", "b", "c"])
    assert sp.issparse(sparse.rows(np.array([True, False, True])).X)
    assert sparse.sources == ["a", "b", "c"]


def test_feature_matrix_checks_lengths() -> None:
    with pytest.raises(DataError, match="one name"):
        FeatureMatrix(np.zeros((2, 2)), ["a"])
