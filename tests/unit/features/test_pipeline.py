import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from forgeml.data._schema import Schema
from forgeml.errors import ConfigError, ModelFormatError, NotFittedError, SchemaError
from forgeml.features import FeatureMatrix, FeaturePipeline


def _same(a: FeatureMatrix, b: FeatureMatrix) -> None:
    assert a.names == b.names and a.categorical == b.categorical and a.sources == b.sources
    xa = a.X.toarray() if sp.issparse(a.X) else a.X
    xb = b.X.toarray() if sp.issparse(b.X) else b.X
    np.testing.assert_array_equal(xa, xb)


def test_native_all_roles(schema: Schema, frame: pd.DataFrame) -> None:
    pipe = FeaturePipeline(schema, "native")
    fm = pipe.fit_transform(frame)
    assert isinstance(fm.X, np.ndarray) and fm.X.dtype == np.float64
    assert fm.shape[0] == len(frame) and fm.shape[1] == len(pipe.names_)
    assert fm.names[:3] == ["num", "flag", "cat"]
    assert fm.categorical == pipe.categorical_ == [2]
    assert pipe.used_columns == ["num", "flag", "cat", "when", "note"]
    assert any(n.startswith("note:tfidf:") for n in fm.names)
    assert np.isnan(fm.X[:, 0]).any()  # native keeps NaN


def test_dense_all_roles_is_csr_and_finite(schema: Schema, frame: pd.DataFrame) -> None:
    fm = FeaturePipeline(schema, "dense").fit_transform(frame)
    assert isinstance(fm.X, sp.csr_matrix)
    assert fm.categorical == []
    assert np.isfinite(fm.X.toarray()).all()
    assert {"num:missing", "cat=__missing__", "cat=__rare__", "when:missing"} <= set(fm.names)


def test_dense_without_text_is_ndarray(schema: Schema, frame: pd.DataFrame) -> None:
    fm = FeaturePipeline(schema, "dense", drop=["note"]).fit_transform(frame)
    assert isinstance(fm.X, np.ndarray)
    assert "note" not in fm.sources


@pytest.mark.parametrize("encoding", ["native", "dense"])
def test_json_round_trip_is_exact(schema: Schema, frame: pd.DataFrame, new_frame: pd.DataFrame, encoding: str) -> None:
    pipe = FeaturePipeline(schema, encoding, seed=7).fit(frame)  # type: ignore[arg-type]
    text = json.dumps(pipe.to_json(), allow_nan=False)
    again = FeaturePipeline.from_json(json.loads(text))
    _same(pipe.transform(new_frame), again.transform(new_frame))
    assert again.used_columns == pipe.used_columns and again.seed == 7


@pytest.mark.parametrize("encoding", ["native", "dense"])
def test_one_row_transform_matches_batch(schema: Schema, frame: pd.DataFrame, encoding: str) -> None:
    pipe = FeaturePipeline(schema, encoding).fit(frame)  # type: ignore[arg-type]
    batch = pipe.transform(frame)
    one = pipe.transform(frame.iloc[[7]])
    assert one.shape == (1, batch.shape[1])
    _same(one, batch.rows(np.array([7])))


def test_unseen_and_missing_categories_at_predict(schema: Schema, frame: pd.DataFrame) -> None:
    pipe = FeaturePipeline(schema, "native").fit(frame)
    rows = frame.iloc[:2].copy()
    rows["cat"] = pd.Series(["never-seen", None], dtype=object, index=rows.index)
    codes = pipe.transform(rows).X[:, 2]
    rare_code = float(len(pipe.steps[2].vocab[0].categories))  # type: ignore[attr-defined]
    assert codes[0] == rare_code and np.isnan(codes[1])


def test_drop_excludes_columns(schema: Schema, frame: pd.DataFrame) -> None:
    pipe = FeaturePipeline(schema, "native", drop=["cat", "when"]).fit(frame)
    assert pipe.used_columns == ["num", "flag", "note"]
    fm = pipe.transform(frame.drop(columns=["cat", "when"]))
    assert fm.categorical == []


def test_errors(schema: Schema, frame: pd.DataFrame) -> None:
    with pytest.raises(ConfigError, match="'encoding' must be"):
        FeaturePipeline(schema, "onehot")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="'drop'"):
        FeaturePipeline(schema, "native", drop=["nope"])
    pipe = FeaturePipeline(schema, "native")
    with pytest.raises(NotFittedError):
        pipe.transform(frame)
    pipe.fit(frame)
    with pytest.raises(SchemaError, match="num"):
        pipe.transform(frame.drop(columns=["num"]))
    with pytest.raises(ModelFormatError):
        FeaturePipeline.from_json({**pipe.to_json(), "format_version": 99})
