"""Tables in, typed features out: reading, schema inference, validation, folds, fingerprints.

Value conventions (see :func:`coerce_frame`): numeric and boolean features are float64 with
``NaN`` for missing; categoricals are object arrays of ``str`` with ``NaN`` for missing (numbers
normalised so ``3``, ``3.0`` and ``"3"`` are all ``"3"``); datetimes are naive datetime64[ns];
text is ``str`` with ``""`` for missing.

Example:
    >>> import pandas as pd
    >>> df = read_table(pd.DataFrame({"x": [1.5, 2.5, 3.5, 4.5], "y": ["no", "yes", "no", "yes"]}))
    >>> schema = infer_schema(df, "y")
    >>> X, y, n_dropped = prepare_training(df, schema)
    >>> schema.target.classes, y.tolist()
    (('no', 'yes'), [0, 1, 0, 1])
"""

from forgeml.data._fingerprint import fingerprint
from forgeml.data._inference import infer_schema
from forgeml.data._profile import (
    DataProfile,
    FeatureProfile,
    feature_values,
    prediction_values,
    profile_frame,
    profile_values,
)
from forgeml.data._readers import read_table
from forgeml.data._schema import DROPPED_ROLES, FEATURE_ROLES, ColumnSpec, Schema, TargetSpec
from forgeml.data._splitters import make_folds
from forgeml.data._target import decode_labels
from forgeml.data._training import prepare_training
from forgeml.data._validation import coerce_frame

__all__ = [
    "DROPPED_ROLES",
    "FEATURE_ROLES",
    "ColumnSpec",
    "DataProfile",
    "FeatureProfile",
    "Schema",
    "TargetSpec",
    "coerce_frame",
    "decode_labels",
    "feature_values",
    "fingerprint",
    "infer_schema",
    "make_folds",
    "prediction_values",
    "prepare_training",
    "profile_frame",
    "profile_values",
    "read_table",
]
