"""The ``Model`` base: a frozen public ``fit``/``predict`` wrapping each family's ``_fit``/``_predict``.

Inside forgeml a model sees a numeric matrix ``X`` (dense ``float`` ndarray, or scipy CSR for
text-heavy ``dense`` encodings), integer class codes ``0..K-1`` or float targets, and the indices
of categorical columns (integer codes stored as floats, NaN for missing) when its ``encoding`` is
``"native"``. Classifiers return a probability matrix with one column per class of the *task*,
even when a training fold lacked some classes: the base class handles that remapping.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

import numpy as np
import scipy.sparse as sp

from forgeml.errors import ConfigError, DataError, ModelFormatError, NotFittedError, check_param
from forgeml.space import SearchSpace

Matrix = np.ndarray | sp.csr_matrix
Encoding = Literal["native", "dense"]


@dataclass(frozen=True)
class TaskInfo:
    """What is being learned: ``binary``, ``multiclass`` (with ``n_classes``) or ``regression``."""

    task: str
    n_classes: int = 0

    @property
    def is_classification(self) -> bool:
        return self.task != "regression"

    def to_json(self) -> dict[str, Any]:
        return {"task": self.task, "n_classes": self.n_classes}


def task_for_classes(n: int) -> TaskInfo:
    return TaskInfo("binary" if n == 2 else "multiclass", n)


class Model(ABC):
    """Base of every model family.

    Subclasses declare ``family``, ``encoding``, ``space`` (typed search space), ``defaults``
    (a few strong configurations, best first, each inside ``space``) and ``relative_cost``, and
    implement ``_fit``, ``_predict``, ``_save`` and ``_load``. They never override ``fit``.

    Example:
        >>> from forgeml.models import get_family
        >>> import numpy as np
        >>> m = get_family("linear")(TaskInfo("regression"), seed=0)
        >>> X = np.arange(20, dtype=float).reshape(10, 2); y = X[:, 0] * 2
        >>> m.fit(X, y).predict(X[:2]).shape
        (2,)
    """

    family: ClassVar[str]
    encoding: ClassVar[Encoding]
    space: ClassVar[SearchSpace]
    defaults: ClassVar[tuple[dict[str, Any], ...]]
    relative_cost: ClassVar[float] = 1.0
    accepts_sparse: ClassVar[bool] = True
    iterative: ClassVar[bool] = False
    can_continue: ClassVar[bool] = False  # boosters: continue_fit adds rounds to fitted trees

    def __init__(
        self,
        task: TaskInfo,
        params: Mapping[str, Any] | None = None,
        *,
        seed: int = 0,
        n_threads: int = 1,
    ) -> None:
        self.task = task
        self.params: dict[str, Any] = dict(self.space.starting_point() if params is None else params)
        unknown = set(self.params) - set(self.space.names()) - set(self.extra_params())
        if unknown:
            raise ConfigError(
                f"{self.family} does not know parameter(s) {sorted(unknown)}; known: {sorted(self.space.names())}."
            )
        self.seed = int(seed)
        self.n_threads = int(n_threads)
        self.fitted_ = False
        self.fit_seconds_ = 0.0
        self.best_iteration_: int | None = None
        self._present: np.ndarray | None = None

    @classmethod
    def extra_params(cls) -> Sequence[str]:
        """Parameters accepted beyond the search space (fixed by the portfolio)."""
        return ()

    # ---- frozen public API -------------------------------------------------------------------
    def fit(
        self,
        X: Matrix,
        y: np.ndarray,
        *,
        categorical: Sequence[int] = (),
        X_val: Matrix | None = None,
        y_val: np.ndarray | None = None,
        deadline: float | None = None,
        n_iterations: int | None = None,
    ) -> Self:
        """Fit on ``X, y``. ``X_val, y_val`` drive early stopping for iterative families,
        ``deadline`` (``time.time()`` seconds) stops iterative fitting early, and
        ``n_iterations`` fixes the number of rounds (used for refits)."""
        y = np.asarray(y)
        if X.shape[0] != y.shape[0]:
            raise DataError(f"X has {X.shape[0]} rows but y has {y.shape[0]}.")
        if X.shape[0] == 0:
            raise DataError("cannot fit on zero rows.")
        start = time.perf_counter()
        inner_task, y_fit, y_val_fit = self._remap_classes(y, y_val)
        self._inner_task = inner_task
        if inner_task.is_classification and inner_task.n_classes < 2:
            self._constant = True
        else:
            self._constant = False
            if not self.accepts_sparse and sp.issparse(X):
                X = X.toarray()
                X_val = X_val.toarray() if X_val is not None and sp.issparse(X_val) else X_val
            self._fit(X, y_fit, inner_task, list(categorical), X_val, y_val_fit, deadline, n_iterations)
        self.fit_seconds_ = time.perf_counter() - start
        self.fitted_ = True
        return self

    def predict(self, X: Matrix) -> np.ndarray:
        """Probability matrix ``(n_rows, n_classes)`` for classifiers, values for regressors."""
        if not self.fitted_:
            raise NotFittedError(f"{self.family} model is not fitted; call fit first.")
        n = X.shape[0]
        if self._constant:
            out = np.zeros((n, self.task.n_classes))
            assert self._present is not None
            out[:, int(self._present[0])] = 1.0
            return out
        if not self.accepts_sparse and sp.issparse(X):
            X = X.toarray()
        raw = np.asarray(self._predict(X, self._inner_task), dtype=float)
        if not self.task.is_classification:
            return raw.reshape(n)
        if raw.ndim == 1:
            raw = np.column_stack([1.0 - raw, raw])
        if self._present is not None and len(self._present) < self.task.n_classes:
            full = np.zeros((n, self.task.n_classes))
            full[:, self._present] = raw
            raw = full
        return raw

    def continue_fit(
        self,
        X: Matrix,
        y: np.ndarray,
        *,
        rounds: int,
        categorical: Sequence[int] = (),
        X_val: Matrix | None = None,
        y_val: np.ndarray | None = None,
        deadline: float | None = None,
    ) -> Self:
        """Add up to ``rounds`` boosting rounds fitted on ``X, y``, starting from this model's trees
        (incremental retraining; boosters only, see ``can_continue``). With ``X_val, y_val`` the
        new rounds stop early and the best prefix (at least one round) is kept. Rows of classes
        this model was not trained on are dropped; ``X`` must have the columns it was fitted on."""
        if not self.fitted_:
            raise NotFittedError(f"{self.family} model is not fitted; fit it before continuing training.")
        if not self.can_continue or self._constant:
            raise ConfigError(f"{self.family} models cannot continue training from their trees; refit them instead.")
        check_param(isinstance(rounds, int) and rounds >= 1, "rounds", "an integer >= 1", rounds)
        y = np.asarray(y)
        if X.shape[0] != y.shape[0]:
            raise DataError(f"X has {X.shape[0]} rows but y has {y.shape[0]}.")
        start = time.perf_counter()
        X, y = self._known_rows(X, y)
        if X_val is not None and y_val is not None:
            X_val, y_val = self._known_rows(X_val, np.asarray(y_val))
            X_val, y_val = (None, None) if len(y_val) == 0 else (X_val, y_val)
        if X.shape[0] == 0:
            raise DataError(f"no rows to continue the {self.family} model on (none has a class it knows).")
        if not self.accepts_sparse and sp.issparse(X):
            X = X.toarray()
            X_val = X_val.toarray() if X_val is not None and sp.issparse(X_val) else X_val
        self._continue(X, y, list(categorical), X_val, y_val, rounds, deadline)
        self.fit_seconds_ += time.perf_counter() - start
        return self

    def _known_rows(self, X: Matrix, y: np.ndarray) -> tuple[Matrix, np.ndarray]:
        """Rows whose class the fitted model knows, with ``y`` in its inner class codes."""
        if not self.task.is_classification:
            return X, y.astype(float)
        codes = y.astype(int)
        present = self._present if self._present is not None else np.arange(self.task.n_classes)
        lookup = np.full(max(self.task.n_classes, int(codes.max(initial=0)) + 1), -1)
        lookup[present] = np.arange(len(present))
        inner = lookup[codes]
        keep = inner >= 0
        return (X, inner) if keep.all() else (X[keep], inner[keep])

    def _continue(
        self,
        X: Matrix,
        y: np.ndarray,
        categorical: list[int],
        X_val: Matrix | None,
        y_val: np.ndarray | None,
        rounds: int,
        deadline: float | None,
    ) -> None:
        raise ConfigError(f"{self.family} models cannot continue training from their trees; refit them instead.")

    def save(self, directory: str | Path) -> None:
        """Write this fitted model into ``directory`` (created) in its native format."""
        if not self.fitted_:
            raise NotFittedError(f"{self.family} model is not fitted; nothing to save.")
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        meta = {
            "family": self.family,
            "task": self.task.to_json(),
            "params": self.params,
            "seed": self.seed,
            "best_iteration": self.best_iteration_,
            "present": None if self._present is None else self._present.tolist(),
            "constant": self._constant,
        }
        (d / "model.json").write_text(json.dumps(meta, indent=1, default=_json_default))
        if not self._constant:
            self._save(d)

    @classmethod
    def load(cls, directory: str | Path) -> Model:
        """Load a model written by :meth:`save`; the family is read from ``model.json``."""
        from forgeml.models._registry import get_family

        d = Path(directory)
        try:
            meta = json.loads((d / "model.json").read_text())
        except (OSError, ValueError) as err:
            raise ModelFormatError(f"cannot read model metadata in {d}: {err}") from err
        fam = get_family(meta["family"])
        m = fam(TaskInfo(**meta["task"]), meta["params"], seed=meta["seed"])
        m.best_iteration_ = meta["best_iteration"]
        m._present = None if meta["present"] is None else np.asarray(meta["present"], dtype=int)
        m._constant = meta["constant"]
        if m.task.is_classification and m._present is not None:
            m._inner_task = task_for_classes(len(m._present)) if len(m._present) >= 2 else m.task
        else:
            m._inner_task = m.task
        if not m._constant:
            m._load(d)
        m.fitted_ = True
        return m

    @classmethod
    def estimate_memory(cls, n_rows: int, n_cols: int, params: Mapping[str, Any], task: TaskInfo) -> int:
        """Rough peak bytes to fit this configuration on ``n_rows x n_cols`` (beyond the data)."""
        return int(n_rows * n_cols * 8 * 2 + 50e6)

    # ---- family hooks ---------------------------------------------------------------------------
    @abstractmethod
    def _fit(
        self,
        X: Matrix,
        y: np.ndarray,
        task: TaskInfo,
        categorical: list[int],
        X_val: Matrix | None,
        y_val: np.ndarray | None,
        deadline: float | None,
        n_iterations: int | None,
    ) -> None: ...

    @abstractmethod
    def _predict(self, X: Matrix, task: TaskInfo) -> np.ndarray: ...

    @abstractmethod
    def _save(self, directory: Path) -> None: ...

    @abstractmethod
    def _load(self, directory: Path) -> None: ...

    # ---- helpers ----------------------------------------------------------------------------------
    def _remap_classes(self, y: np.ndarray, y_val: np.ndarray | None) -> tuple[TaskInfo, np.ndarray, np.ndarray | None]:
        if not self.task.is_classification:
            self._present = None
            return self.task, y.astype(float), None if y_val is None else np.asarray(y_val, float)
        y = y.astype(int)
        present = np.unique(y)
        self._present = present
        if len(present) == self.task.n_classes:
            return self.task, y, None if y_val is None else np.asarray(y_val).astype(int)
        lookup = np.full(self.task.n_classes, -1)
        lookup[present] = np.arange(len(present))
        y_fit = lookup[y]
        yv = None
        if y_val is not None:
            yv_all = lookup[np.asarray(y_val).astype(int)]
            yv = yv_all  # rows of unseen classes are kept as -1; families drop them via valid_rows
        return task_for_classes(len(present)), y_fit, yv


def valid_rows(X_val: Matrix | None, y_val: np.ndarray | None) -> tuple[Matrix | None, np.ndarray | None]:
    """Drop validation rows whose class was absent from training (code ``-1``)."""
    if X_val is None or y_val is None:
        return X_val, y_val
    keep = y_val >= 0
    if keep.all():
        return X_val, y_val
    if not keep.any():
        return None, None
    return X_val[keep], y_val[keep]


def time_left(deadline: float | None) -> float:
    return float("inf") if deadline is None else deadline - time.time()


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
