"""``FeatureMatrix``: the numeric matrix a model sees, with a name and a source column per output.

Example:
    >>> import numpy as np
    >>> fm = FeatureMatrix(np.eye(3), ["a", "b=x", "b=y"], [], ["a", "b", "b"])
    >>> fm.rows(np.array([0, 2])).shape
    (2, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from forgeml.errors import DataError

Matrix = np.ndarray | sp.csr_matrix


@dataclass
class FeatureMatrix:
    """Output of a :class:`~forgeml.features.FeaturePipeline`.

    ``X`` is a dense ``float64`` ndarray, or scipy CSR when a ``dense`` pipeline has text columns.
    ``names`` holds one name per output column, ``categorical`` the indices of integer-coded
    categorical columns (``native`` encoding only) and ``sources`` the input column behind each
    output column.
    """

    X: Matrix
    names: list[str]
    categorical: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.sources:
            self.sources = list(self.names)
        n_cols = self.X.shape[1]
        if len(self.names) != n_cols or len(self.sources) != n_cols:
            raise DataError(
                f"a FeatureMatrix needs one name and one source per column: X has {n_cols} columns, "
                f"got {len(self.names)} names and {len(self.sources)} sources."
            )

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_columns)`` of ``X``."""
        return int(self.X.shape[0]), int(self.X.shape[1])

    def rows(self, idx: np.ndarray) -> FeatureMatrix:
        """The rows ``idx`` (integer positions or a boolean mask), same columns."""
        return FeatureMatrix(self.X[np.asarray(idx)], list(self.names), list(self.categorical), list(self.sources))
