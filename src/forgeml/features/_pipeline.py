"""``FeaturePipeline``: schema-driven steps that turn a typed frame into a :class:`FeatureMatrix`.

Example:
    >>> import pandas as pd
    >>> from forgeml.data._schema import ColumnSpec, Schema, TargetSpec
    >>> schema = Schema(
    ...     columns=(ColumnSpec("x", "numeric"), ColumnSpec("c", "categorical")),
    ...     target=TargetSpec("y", "regression"),
    ... )
    >>> frame = pd.DataFrame({"x": [1.0, 2.0, None], "c": ["a", "b", "a"]})
    >>> fm = FeaturePipeline(schema, "dense").fit_transform(frame)
    >>> fm.names  # "b" was seen once: rare
    ['x', 'x:missing', 'c=a', 'c=__rare__']
    >>> FeaturePipeline.from_json(FeaturePipeline(schema, "native").fit(frame).to_json()).categorical_
    [1]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from forgeml.data._schema import Schema
from forgeml.errors import ConfigError, ModelFormatError, NotFittedError, SchemaError, check_param
from forgeml.features._categorical import CategoricalStep
from forgeml.features._datetime import DatetimeStep
from forgeml.features._matrix import FeatureMatrix, Matrix
from forgeml.features._numeric import BooleanStep, NumericStep
from forgeml.features._steps import Block, OutputFeature, Step
from forgeml.features._text import TextStep

FORMAT_VERSION = 1
_STEP_TYPES: tuple[type[Step], ...] = (NumericStep, BooleanStep, CategoricalStep, DatetimeStep, TextStep)


class FeaturePipeline:
    """Maps the feature columns of ``schema`` (minus ``drop``) to a numeric matrix.

    ``encoding="native"`` gives a dense ``float64`` ndarray for tree libraries with their own
    categorical handling (categorical columns hold integer codes, listed in ``categorical_``);
    ``encoding="dense"`` gives a fully numeric, imputed and scaled matrix with one-hot
    categoricals, as scipy CSR when the schema has text columns. Output columns are grouped by
    role: numeric, boolean, categorical, datetime, text (schema order within a role).
    After ``fit``: ``names_``, ``sources_`` (input column of each output), ``categorical_``.
    ``seed`` is recorded for reproducibility (the current steps draw no random numbers).
    """

    def __init__(
        self,
        schema: Schema,
        encoding: Literal["native", "dense"],
        *,
        seed: int = 0,
        drop: Sequence[str] = (),
    ) -> None:
        check_param(encoding in ("native", "dense"), "encoding", "'native' or 'dense'", encoding)
        known = {c.name for c in schema.columns}
        unknown = [d for d in drop if d not in known]
        check_param(not unknown, "drop", "a list of schema columns", unknown)
        self.schema = schema
        self.encoding: Literal["native", "dense"] = encoding
        self.seed = int(seed)
        self.drop = list(drop)
        gone = set(drop)
        self.columns = tuple(c for c in schema.features if c.name not in gone)
        self.steps: list[Step] = []
        for step_type in _STEP_TYPES:
            cols = [c for c in self.columns if c.role == step_type.role]
            if cols:
                self.steps.append(step_type(cols, encoding))
        self.fitted_ = False

    # ---- fit / transform -----------------------------------------------------------------------
    def fit(self, frame: pd.DataFrame) -> Self:
        """Learn every step's state from the typed training frame."""
        self._check_frame(frame)
        for step in self.steps:
            step.fit(frame)
        self._collect()
        return self

    def transform(self, frame: pd.DataFrame) -> FeatureMatrix:
        """The feature matrix of ``frame`` (any number of rows, 1 included)."""
        if not self.fitted_:
            raise NotFittedError("FeaturePipeline is not fitted; call fit first.")
        self._check_frame(frame)
        X = self._combine([step.transform(frame) for step in self.steps], len(frame))
        return FeatureMatrix(X, list(self.names_), list(self.categorical_), list(self.sources_))

    def fit_transform(self, frame: pd.DataFrame) -> FeatureMatrix:
        """``fit(frame)`` then ``transform(frame)``."""
        return self.fit(frame).transform(frame)

    @property
    def used_columns(self) -> list[str]:
        """Input columns that feed at least one output, in output order."""
        if not self.fitted_:
            raise NotFittedError("FeaturePipeline is not fitted; call fit first.")
        return list(dict.fromkeys(self.sources_))

    # ---- JSON ----------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """Plain-JSON state (lists, dicts, str, numbers, None); see :meth:`from_json`."""
        if not self.fitted_:
            raise NotFittedError("FeaturePipeline is not fitted; nothing to serialise.")
        return {
            "format_version": FORMAT_VERSION,
            "schema": self.schema.to_json(),
            "encoding": self.encoding,
            "seed": self.seed,
            "drop": list(self.drop),
            "steps": [step.to_json() for step in self.steps],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> FeaturePipeline:
        """Rebuild a fitted pipeline from :meth:`to_json` output; ``transform`` is identical."""
        version = d.get("format_version")
        if version != FORMAT_VERSION:
            raise ModelFormatError(
                f"feature pipeline format_version must be {FORMAT_VERSION}, got {version!r}; "
                "upgrade forgeml to load it."
            )
        try:
            pipe = cls(Schema.from_json(d["schema"]), d["encoding"], seed=d["seed"], drop=d["drop"])
            layout = [(s.role, s.input_names) for s in pipe.steps]
            if layout != [(s["role"], s["columns"]) for s in d["steps"]]:
                raise ModelFormatError("feature pipeline steps do not match its schema.")
            pipe.steps = [
                type(step).from_json(sd, step.columns, pipe.encoding)
                for step, sd in zip(pipe.steps, d["steps"], strict=True)
            ]
        except (KeyError, TypeError, ValueError, ConfigError) as err:
            raise ModelFormatError(f"cannot read feature pipeline: {err!r}") from err
        pipe._collect()
        return pipe

    # ---- helpers ---------------------------------------------------------------------------------
    def _collect(self) -> None:
        outputs: list[OutputFeature] = [o for step in self.steps for o in step.outputs]
        self.outputs_ = outputs
        self.names_ = [o.name for o in outputs]
        self.sources_ = [o.source for o in outputs]
        self.categorical_ = [i for i, o in enumerate(outputs) if o.kind == "categorical"]
        self.fitted_ = True

    def _check_frame(self, frame: pd.DataFrame) -> None:
        if not isinstance(frame, pd.DataFrame):
            raise SchemaError(f"features must be a pandas DataFrame, got {type(frame).__name__}.")
        missing = [c.name for c in self.columns if c.name not in frame.columns]
        if missing:
            raise SchemaError(f"input is missing feature column(s) {missing}; the schema needs them.")

    def _combine(self, blocks: list[Block], n_rows: int) -> Matrix:
        if not blocks:
            return np.empty((n_rows, 0))
        arrays = [np.asarray(b, dtype=np.float64) for b in blocks if not sp.issparse(b)]
        dense = arrays[0] if len(arrays) == 1 else np.hstack(arrays) if arrays else np.empty((n_rows, 0))
        sparse = [b for b in blocks if sp.issparse(b)]  # only the text step (always last) is sparse
        if not sparse:
            return np.ascontiguousarray(dense)
        return sp.csr_matrix(sp.hstack([sp.csr_matrix(dense), *sparse], format="csr"))
