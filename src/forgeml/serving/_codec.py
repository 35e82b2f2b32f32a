"""Model output → response values and JSON bytes, with everything per model computed once.

``predictions`` equals ``decode_labels(raw.argmax(axis=1), target).tolist()`` (the class labels
are decoded once, then indexed) and ``encode`` gives exactly the bytes ``JSONResponse`` would send
for ``{"predictions", "model_name", "model_version"[, "probabilities"][, "ids"]}``.

Example:
    >>> codec = OutputCodec(predictor, "credit", "3")            # doctest: +SKIP
    >>> codec.encode(fast.predict_raw(rows), probabilities=False)  # doctest: +SKIP
    b'{"predictions":["good"],"model_name":"credit","model_version":"3"}'
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from forgeml.data import decode_labels

if TYPE_CHECKING:
    from forgeml.predictor import Predictor

__all__ = ["OutputCodec", "dumps"]


def dumps(value: Any) -> bytes:
    """JSON bytes with ``JSONResponse``'s settings (compact, UTF-8, no NaN)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


class OutputCodec:
    """Labels, probabilities and the encoded V1 response of one model version."""

    def __init__(self, predictor: Predictor, name: str, version: str) -> None:
        target = predictor.schema.target
        self.classification = target.is_classification
        n = len(predictor.classes) if self.classification else 0
        self.labels: list[Any] = decode_labels(np.arange(n), target).tolist() if self.classification else []
        self.class_names = [str(c) for c in predictor.classes]
        self._meta = b',"model_name":' + dumps(name) + b',"model_version":' + dumps(version)

    def predictions(self, raw: np.ndarray) -> list[Any]:
        """Labels (classification) or values (regression) as plain Python values."""
        if self.classification:
            labels = self.labels
            return [labels[i] for i in raw.argmax(axis=1).tolist()]
        if raw.ndim == 1:
            return list(raw.astype(np.float64, copy=False).tolist())
        return [float(v) for v in raw]

    def probabilities(self, raw: np.ndarray) -> list[dict[str, float]] | None:
        """One ``{class: probability}`` per row (None for regressors)."""
        if not self.classification:
            return None
        names = self.class_names
        return [dict(zip(names, map(float, r), strict=True)) for r in raw.tolist()]

    def encode(self, raw: np.ndarray, probabilities: bool, ids: list[str] | None = None) -> bytes:
        """The V1 predict response body; ``ids`` (prediction ids, plain hex strings) when monitoring."""
        parts = [b'{"predictions":', dumps(self.predictions(raw)), self._meta]
        probas = self.probabilities(raw) if probabilities else None
        if probas is not None:
            parts += [b',"probabilities":', dumps(probas)]
        if ids is not None:  # hex digits only: nothing to escape
            parts += [b',"ids":["', '","'.join(ids).encode("ascii"), b'"]']
        parts.append(b"}")
        return b"".join(parts)
