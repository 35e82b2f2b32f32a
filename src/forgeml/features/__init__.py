"""Feature pipelines: typed frames in, numeric matrices out, plus shadow-feature selection.

Example:
    >>> import pandas as pd
    >>> from forgeml.data._schema import ColumnSpec, Schema, TargetSpec
    >>> schema = Schema((ColumnSpec("x", "numeric"),), TargetSpec("y", "regression"))
    >>> FeaturePipeline(schema, "native").fit_transform(pd.DataFrame({"x": [1.0, 2.0]})).shape
    (2, 1)
"""

from forgeml.features._matrix import FeatureMatrix
from forgeml.features._pipeline import FeaturePipeline
from forgeml.features._selection import SelectionResult, select_features

__all__ = ["FeatureMatrix", "FeaturePipeline", "SelectionResult", "select_features"]
