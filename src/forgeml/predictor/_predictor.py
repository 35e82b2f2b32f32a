"""The trained artefact: schema + feature pipelines + fitted models + ensemble weights.

Example:
    >>> import forgeml
    >>> model = forgeml.load("forgeml-model")          # doctest: +SKIP
    >>> model.predict(df)                              # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forgeml.data import DataProfile, Schema, coerce_frame, decode_labels, read_table
from forgeml.errors import ConfigError
from forgeml.features import FeaturePipeline
from forgeml.models import Model

if TYPE_CHECKING:
    from forgeml.predictor._fast import FastPredictor


@dataclass
class Member:
    """One fitted model of the ensemble, its weight and which columns of its encoding it reads."""

    name: str
    model: Model
    weight: float
    columns: list[int] | None = None

    @property
    def encoding(self) -> str:
        return self.model.encoding


@dataclass
class Predictor:
    """Everything needed to predict: validates input against the schema, builds features once
    per encoding, and blends the members' predictions with their weights. ``profile`` is the
    reference profile of the training data and out-of-fold predictions (``None`` for models saved
    before profiles existed), used by :mod:`forgeml.monitoring`."""

    schema: Schema
    pipelines: dict[str, FeaturePipeline]
    members: list[Member]
    metric: str
    leaderboard: list[dict[str, Any]] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    profile: DataProfile | None = None

    @property
    def task(self) -> str:
        return self.schema.target.task

    @property
    def classes(self) -> list[Any]:
        return list(self.schema.target.classes or ())

    def predict_raw(self, data: Any) -> np.ndarray:
        """Blended probability matrix (classification) or values (regression), row for row."""
        frame = coerce_frame(read_table(data), self.schema)
        matrices = {enc: p.transform(frame).X for enc, p in self.pipelines.items()}
        out: np.ndarray | None = None
        for m in self.members:
            X = matrices[m.encoding]
            if m.columns is not None:
                X = X[:, m.columns]
            p = m.weight * m.model.predict(X)
            out = p if out is None else out + p
        assert out is not None
        return out

    def predict(self, data: Any) -> np.ndarray:
        """Class labels (in the target's original type) or regression values."""
        raw = self.predict_raw(data)
        if self.schema.target.is_classification:
            return decode_labels(np.argmax(raw, axis=1), self.schema.target)
        return raw

    def predict_proba(self, data: Any) -> pd.DataFrame:
        """Class probabilities, one column per class label."""
        if not self.schema.target.is_classification:
            raise ConfigError("predict_proba needs a classification model; this one is a regressor.")
        raw = self.predict_raw(data)
        index = data.index if isinstance(data, pd.DataFrame) else None
        return pd.DataFrame(raw, columns=[str(c) for c in self.classes], index=index)

    def compile(self) -> FastPredictor:
        """A :class:`~forgeml.predictor.FastPredictor` for lists of row dicts (same predictions, faster).

        Example:
            >>> predictor.compile().predict([{"age": 41, "job": "skilled"}])   # doctest: +SKIP
            ['good']
        """
        from forgeml.predictor._fast import compile_predictor

        return compile_predictor(self)

    def leaderboard_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.leaderboard)
