"""Reference profiles: bins, categories, text lengths, predictions, reservoir and JSON round trip."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from forgeml.data import (
    ColumnSpec,
    DataProfile,
    Schema,
    TargetSpec,
    coerce_frame,
    prediction_values,
    profile_frame,
)


def _schema(task: str = "binary") -> Schema:
    cols = (
        ColumnSpec("x", "numeric"),
        ColumnSpec("flag", "boolean"),
        ColumnSpec("city", "categorical"),
        ColumnSpec("day", "datetime"),
        ColumnSpec("note", "text"),
        ColumnSpec("id", "identifier"),
    )
    classes = {"binary": ("no", "yes"), "multiclass": ("a", "b", "c")}.get(task)
    return Schema(cols, TargetSpec("y", task, classes=classes, label_type="str" if classes else "float"))


def _frame(n: int = 1000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    x[:50] = np.nan
    return pd.DataFrame(
        {
            "x": x,
            "flag": rng.choice(["yes", "no"], size=n),
            "city": rng.choice([f"c{i}" for i in range(30)] + [None], size=n),
            "day": (pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")).astype(str),
            "note": [" ".join(["w"] * int(k)) for k in rng.integers(0, 6, n)],
            "id": np.arange(n),
        }
    )


def test_numeric_bins_are_training_deciles_with_missing_rate_and_stats() -> None:
    schema = _schema()
    p = profile_frame(coerce_frame(_frame(), schema), schema).feature("x")
    assert p.kind == "numeric" and len(p.edges) == 9
    assert p.missing_rate == pytest.approx(0.05)
    assert sum(p.counts) == 1000 and p.counts[-1] == 50
    assert max(p.counts[:-1]) - min(p.counts[:-1]) <= 1  # deciles: equal bins
    assert p.stats["mean"] == pytest.approx(np.nanmean(_frame()["x"]))
    assert len(p.sample) == 950  # every present value fits in the reservoir


def test_boolean_edges_are_deduplicated_and_datetime_is_epoch_seconds() -> None:
    schema = _schema()
    prof = profile_frame(coerce_frame(_frame(), schema), schema)
    assert prof.feature("flag").edges == [0.0, 1.0]
    day = prof.feature("day")
    assert pd.Timestamp("2024-01-01").timestamp() <= day.stats["min"] < day.stats["max"]


def test_categories_keep_top_k_plus_other_and_missing() -> None:
    schema = _schema()
    p = profile_frame(coerce_frame(_frame(), schema), schema, top_k=5).feature("city")
    assert len(p.categories) == 6 and p.categories[-1] == "__other__"
    assert len(p.counts) == 7 and sum(p.counts) == 1000
    assert p.counts[5] > max(p.counts[:5])  # 25 categories in "__other__"
    assert p.missing_rate == pytest.approx(p.counts[-1] / 1000)
    assert p.count(np.array(["c0", "new", np.nan], dtype=object))[-2:] == [1, 1]


def test_text_is_profiled_as_token_length_with_empty_as_missing() -> None:
    schema = _schema()
    frame = _frame()
    p = profile_frame(coerce_frame(frame, schema), schema).feature("note")
    assert p.role == "text" and p.kind == "numeric"
    assert p.missing_rate == pytest.approx((frame["note"] == "").mean())
    assert p.stats["min"] == 1 and p.stats["max"] == 5


def test_reservoir_is_bounded_and_seeded() -> None:
    schema = _schema()
    frame = coerce_frame(_frame(5000), schema)
    a = profile_frame(frame, schema, sample_size=300, seed=1).feature("x").sample
    b = profile_frame(frame, schema, sample_size=300, seed=1).feature("x").sample
    c = profile_frame(frame, schema, sample_size=300, seed=2).feature("x").sample
    assert len(a) == 300 and a == b and a != c


def test_prediction_profiles_per_task() -> None:
    binary = prediction_values(np.array([[0.7, 0.3], [0.2, 0.8]]), _schema("binary").target)
    assert binary["prediction"][1].tolist() == [0.3, 0.8]
    multi = prediction_values(np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]), _schema("multiclass").target)
    assert multi["prediction_max_proba"][1].tolist() == [0.7, 0.8]
    assert multi["predicted_class"][1].tolist() == ["a", "c"]
    schema = _schema("regression")
    preds = np.arange(1000.0)
    preds[0] = np.nan  # a row outside every validation fold
    prof = profile_frame(coerce_frame(_frame(), schema), schema, predictions=preds)
    assert [p.name for p in prof.predictions] == ["prediction"]
    assert prof.predictions[0].n == 999 and prof.predictions[0].missing_rate == 0.0


def test_json_round_trip_uses_plain_types() -> None:
    schema = _schema("multiclass")
    rng = np.random.default_rng(0)
    prof = profile_frame(coerce_frame(_frame(), schema), schema, predictions=rng.dirichlet([1, 1, 1], 1000))
    text = json.dumps(prof.to_json())
    back = DataProfile.from_json(json.loads(text))
    assert back == prof
    assert back.feature("predicted_class").kind == "categorical"
    assert [f.name for f in back.features] == schema.feature_names
    with pytest.raises(KeyError):
        back.feature("nope")


def test_profile_is_cheap_on_50k_rows() -> None:
    schema = _schema()
    frame = coerce_frame(_frame(50_000), schema)
    t0 = time.perf_counter()
    profile_frame(frame, schema, predictions=np.random.default_rng(0).random((50_000, 2)))
    assert time.perf_counter() - t0 < 0.5
