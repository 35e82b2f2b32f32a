"""Multi-layer perceptron (``mlp``) on the dense (imputed, scaled, one-hot) encoding.

scikit-learn's ``MLPClassifier`` / ``MLPRegressor`` trained one epoch at a time (``partial_fit``
keeps Adam's state), so the deadline is checked between epochs and early stopping watches the
validation rows the search gives every fold: the weights of the best epoch are kept and their
epoch count is ``best_iteration_``, which the refit on all rows trains for.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.neural_network import MLPClassifier, MLPRegressor

from forgeml.models._base import Matrix, TaskInfo, time_left, valid_rows
from forgeml.models._registry import register
from forgeml.models._sklearn import SklearnModel
from forgeml.space import Categorical, Float, Int, SearchSpace

MAX_EPOCHS = 200
PATIENCE = 10


def _loss(est: Any, X: Matrix, y: np.ndarray, classification: bool) -> float:
    if classification:
        p = np.clip(est.predict_proba(X)[np.arange(len(y)), y], 1e-15, 1.0)
        return float(-np.mean(np.log(p)))
    return float(np.mean((est.predict(X) - y) ** 2))


@register
class MLPModel(SklearnModel):
    """A feed-forward network with ReLU units trained by Adam: ``layers`` hidden layers of
    ``width`` units, L2 penalty ``alpha``. Regression targets are standardised for training.

    A different kind of learner from the tree families (smooth decision surfaces), which is what
    the final ensemble gains from on dense numeric data such as image or signal features.

    Example:
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(200, 3)); y = (X[:, 0] > 0).astype(int)
        >>> MLPModel(TaskInfo("binary", 2), seed=0).fit(X, y).predict(X[:2]).shape
        (2, 2)
    """

    family = "mlp"
    skops_file = "mlp.skops"
    encoding = "dense"
    relative_cost = 1.5
    accepts_sparse = True
    iterative = True
    space = SearchSpace(
        {
            "width": Int(32, 512, default=256, log=True),
            "layers": Int(1, 3, default=2),
            "alpha": Float(1e-6, 1e-1, default=1e-4, log=True),
            "learning_rate_init": Float(1e-4, 1e-2, default=1e-3, log=True),
            "batch_size": Categorical((64, 128, 256, 512), default=256),
        }
    )
    defaults = (
        {},
        {"width": 512, "layers": 3, "alpha": 1e-3, "learning_rate_init": 5e-4},
    )

    _y_scale: tuple[float, float] = (0.0, 1.0)

    def _estimator(self, task: TaskInfo, n_rows: int) -> MLPClassifier | MLPRegressor:
        p = {**self.space.starting_point(), **self.params}
        kw = dict(
            hidden_layer_sizes=(int(p["width"]),) * int(p["layers"]),
            alpha=float(p["alpha"]),
            learning_rate_init=float(p["learning_rate_init"]),
            batch_size=max(1, min(int(p["batch_size"]), n_rows)),
            random_state=self.seed,
            max_iter=1,
        )
        return MLPClassifier(**kw) if task.is_classification else MLPRegressor(**kw)  # type: ignore[arg-type]

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
    ) -> None:
        cls_task = task.is_classification
        if not cls_task:
            mean, std = float(np.mean(y)), float(np.std(y)) or 1.0
            self._y_scale = (mean, std)
            y = (y - mean) / std
            y_val = None if y_val is None else (y_val - mean) / std
        X_val, y_val = valid_rows(X_val, y_val) if cls_task else (X_val, y_val)
        epochs = max(1, n_iterations if n_iterations is not None else MAX_EPOCHS)
        watch = n_iterations is None and X_val is not None and y_val is not None
        est = self._estimator(task, X.shape[0])
        classes = np.arange(task.n_classes) if cls_task else None
        best, best_loss, best_epoch = None, np.inf, 0
        started, epoch = time.time(), 0
        for epoch in range(1, epochs + 1):
            if cls_task:
                est.partial_fit(X, y, classes=classes)
            else:
                est.partial_fit(X, y)
            if watch:
                loss = _loss(est, X_val, y_val, cls_task)  # type: ignore[arg-type]
                if loss < best_loss - 1e-4:  # as scikit-learn's tol
                    best_loss, best_epoch = loss, epoch
                    best = ([c.copy() for c in est.coefs_], [b.copy() for b in est.intercepts_])
                elif epoch - best_epoch >= PATIENCE:
                    break
            per_epoch = (time.time() - started) / epoch
            if time_left(deadline) < per_epoch:
                break
        if watch and best is not None:
            est.coefs_, est.intercepts_ = best
            self.best_iteration_ = best_epoch
        else:
            self.best_iteration_ = epoch
        if hasattr(est, "_optimizer"):
            del est._optimizer  # training state only; skops refuses to load optimiser objects
        self._est = est

    def _predict(self, X: Matrix, task: TaskInfo) -> np.ndarray:
        if task.is_classification:
            return np.asarray(self._est.predict_proba(X))
        mean, std = self._y_scale
        return np.asarray(self._est.predict(X)) * std + mean

    def _save(self, directory: Path) -> None:
        super()._save(directory)
        (directory / "mlp_target.json").write_text(json.dumps({"mean": self._y_scale[0], "std": self._y_scale[1]}))

    def _load(self, directory: Path) -> None:
        super()._load(directory)
        scale = json.loads((directory / "mlp_target.json").read_text())
        self._y_scale = (float(scale["mean"]), float(scale["std"]))

    def _estimator_types(self) -> tuple[type, ...]:
        return (MLPClassifier, MLPRegressor)

    @classmethod
    def estimate_memory(cls, n_rows: int, n_cols: int, params: Mapping[str, Any], task: TaskInfo) -> int:
        """The data, a batch's activations and the weights with Adam's two moments."""
        p = {**cls.space.starting_point(), **params}
        w, layers = int(p["width"]), int(p["layers"])
        weights = (n_cols * w + (layers - 1) * w * w + w * max(task.n_classes, 1)) * 8 * 4
        return int(n_rows * n_cols * 8 * 2 + weights + int(p["batch_size"]) * w * layers * 8 * 4 + 30e6)
