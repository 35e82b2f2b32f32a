import numpy as np
import pandas as pd
import pytest

from forgeml.data import TargetSpec, decode_labels, infer_schema, prepare_training
from forgeml.errors import ConfigError, DataError, TargetError


def target_of(values, task=None):
    df = pd.DataFrame({"x": np.arange(len(values)) % 3, "y": values})
    return infer_schema(df, "y", task=task).target


@pytest.mark.parametrize(
    ("values", "task", "classes", "label_type"),
    [
        (["spam", "ham"] * 50, "binary", ("ham", "spam"), "str"),
        (["a", "b", "c"] * 30, "multiclass", ("a", "b", "c"), "str"),
        ([True, False] * 50, "binary", (False, True), "bool"),
        ([1, 2] * 50, "binary", (1, 2), "int"),
        ([-1, 1] * 50, "binary", (-1, 1), "int"),
        ([3, 4, 5, 6] * 50, "multiclass", (3, 4, 5, 6), "int"),
        ([1.0, 2.0, None] * 50, "binary", (1, 2), "int"),
        (list(np.linspace(0, 1, 100)), "regression", None, "float"),
        (list(range(100)), "regression", None, "float"),
        ([1, 2, 3, 4, 5] * 4, "regression", None, "float"),
    ],
)
def test_task_and_classes_inferred(values, task, classes, label_type):
    t = target_of(values)
    assert (t.task, t.classes, t.label_type) == (task, classes, label_type)
    if classes:
        assert all(type(c) is type(classes[0]) for c in t.classes)
        assert type(t.classes[0]) in (str, int, float, bool)


def test_positive_class_is_last():
    t = target_of(["<=50K", ">50K", "<=50K"] * 10)
    assert t.classes[1] == ">50K"


def test_explicit_task_overrides_and_is_checked():
    assert target_of([1, 2, 3, 4, 5] * 4, task="multiclass").classes == (1, 2, 3, 4, 5)
    assert target_of([0, 1] * 10, task="regression").task == "regression"
    with pytest.raises(ConfigError, match="'task' must be one of binary, multiclass, regression, got 'clf'"):
        target_of([0, 1], task="clf")
    with pytest.raises(TargetError, match=r"has only one class 'x'; a classifier needs at least two"):
        target_of(["x"] * 5)
    with pytest.raises(TargetError, match=r"has 3 classes .* task='binary' needs exactly two"):
        target_of(["a", "b", "c"], task="binary")
    with pytest.raises(TargetError, match=r"'y' is not numeric \(e\.g\. 'a'\).*regression"):
        target_of(["a", "b", "c"], task="regression")


def test_prepare_training_drops_missing_target_and_encodes():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0], "y": [2, 1, None, 2, 1]})
    schema = infer_schema(df, "y", task="binary")
    X, y, dropped = prepare_training(df, schema)
    assert dropped == 1
    assert y.dtype == np.int64 and y.tolist() == [1, 0, 1, 0]
    assert X["x"].tolist() == [1.0, 2.0, 4.0, 5.0]
    assert X.index.tolist() == [0, 1, 2, 3]


def test_prepare_training_matches_labels_across_types():
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [True, False, True]})
    schema = infer_schema(train, "y")
    other = pd.DataFrame({"x": [1.0, 2.0], "y": pd.Series([False, True], dtype=object)})
    assert prepare_training(other, schema)[1].tolist() == [0, 1]
    reg = pd.DataFrame({"x": np.arange(50.0), "y": np.linspace(0, 9, 50)})
    _, y, _ = prepare_training(reg, infer_schema(reg, "y"))
    assert y.dtype == np.float64 and y[-1] == 9.0


def test_prepare_training_unknown_label_and_missing_target():
    schema = infer_schema(pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "a"]}), "y")
    with pytest.raises(TargetError, match=r"label 'c' is not one of the model's classes \['a', 'b'\]"):
        prepare_training(pd.DataFrame({"x": [1, 2], "y": ["a", "c"]}), schema)
    with pytest.raises(TargetError, match="'y' is not in the data"):
        prepare_training(pd.DataFrame({"x": [1]}), schema)
    with pytest.raises(TargetError, match="has no values"):
        prepare_training(pd.DataFrame({"x": [1], "y": [None]}), schema)


def test_decode_labels_round_trip():
    for values in (["no", "yes", "no"], [3, 5, 9], [True, False, True]):
        df = pd.DataFrame({"x": [1, 2, 3] * 10, "y": values * 10})
        schema = infer_schema(df, "y", task="multiclass" if len(set(values)) > 2 else None)
        _, codes, _ = prepare_training(df, schema)
        decoded = decode_labels(codes, schema.target)
        assert decoded.tolist() == values * 10
        assert type(decoded[0].item() if hasattr(decoded[0], "item") else decoded[0]) is type(values[0])


def test_decode_labels_checks_range_and_passes_regression():
    t = TargetSpec("y", "binary", classes=("a", "b"))
    with pytest.raises(DataError, match=r"0\.\.1"):
        decode_labels(np.array([0, 2]), t)
    reg = TargetSpec("y", "regression", label_type="float")
    assert decode_labels(np.array([1.5]), reg).tolist() == [1.5]
