"""Tabular neural network (``torch_mlp``) in PyTorch, on the dense (imputed, scaled, one-hot) encoding.

The design that wins on tables in AutoGluon's fastai model: a batch-normalised input, then blocks
of Linear, ReLU, BatchNorm and Dropout, trained by AdamW with a one-cycle learning-rate schedule.
Early stopping watches the validation rows every fold of the search has, and keeps the weights of
the best epoch; the refit on all rows follows the same schedule and stops at that epoch.

Registered only when PyTorch is installed (``pip install "forgeml[nn]"``). Weights are saved as a
NumPy ``.npz`` of arrays (loaded without pickle), so loading a model runs no code.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from forgeml.models._base import Matrix, Model, TaskInfo, time_left, valid_rows
from forgeml.models._registry import register
from forgeml.space import Float, Int, SearchSpace

if TYPE_CHECKING:  # PyTorch is imported when a network is built or loaded, not with forgeml
    import torch
    from torch import nn

PATIENCE = 8
PREDICT_BATCH = 8192


def _batch(n_rows: int) -> int:
    return 256 if n_rows <= 50_000 else 512


def _steps(n_rows: int) -> int:
    return max(1, math.ceil(n_rows / _batch(n_rows)))


def _dense(X: Matrix, rows: np.ndarray | slice) -> torch.Tensor:
    import torch

    part = X[rows]
    arr = part.toarray() if sp.issparse(part) else np.asarray(part)
    return torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))


def _network(n_in: int, n_out: int, width: int, layers: int, dropout: float) -> nn.Sequential:
    """Input BatchNorm, then ``layers`` blocks (widths halving from ``width``), then the output layer."""
    from torch import nn

    mods: list[nn.Module] = [nn.BatchNorm1d(n_in)]
    size = n_in
    for i in range(layers):
        out = max(8, width // 2**i)
        mods += [nn.Linear(size, out), nn.ReLU(), nn.BatchNorm1d(out)]
        if dropout > 0:
            mods.append(nn.Dropout(dropout))
        size = out
    mods.append(nn.Linear(size, n_out))
    return nn.Sequential(*mods)


@register
class TorchMLPModel(Model):
    """A feed-forward network: ``layers`` blocks of ``width`` units (halving), dropout ``dropout``,
    AdamW (``weight_decay``) with a one-cycle schedule peaking at ``lr`` over ``epochs`` epochs.
    Regression targets are standardised for training.

    Example:
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(200, 3)); y = (X[:, 0] > 0).astype(int)
        >>> TorchMLPModel(TaskInfo("binary", 2), {"epochs": 3}, seed=0).fit(X, y).predict(X[:2]).shape
        (2, 2)
    """

    family = "torch_mlp"
    encoding = "dense"
    relative_cost = 1.0
    accepts_sparse = True
    iterative = True
    can_continue = True  # incremental retraining fine-tunes the weights on the fresh rows
    space = SearchSpace(
        {
            "width": Int(64, 1024, default=200, log=True),
            "layers": Int(1, 4, default=2),
            "dropout": Float(0.0, 0.5, default=0.1),
            "lr": Float(1e-3, 3e-2, default=1e-2, log=True),
            "weight_decay": Float(1e-6, 1e-1, default=1e-2, log=True),
            "epochs": Int(10, 100, default=30),
        }
    )
    # AutoGluon's fastai defaults (200-100, dropout 0.1, one cycle at 0.01), then a wider, deeper one.
    defaults = (
        {},
        {"width": 512, "layers": 3, "dropout": 0.2, "lr": 5e-3, "epochs": 40},
    )

    _net: nn.Sequential
    _y_scale: tuple[float, float] = (0.0, 1.0)

    def _params(self) -> dict[str, Any]:
        return {**self.space.starting_point(), **self.params}

    def _build(self, n_in: int, n_out: int) -> nn.Sequential:
        p = self._params()
        return _network(n_in, n_out, int(p["width"]), int(p["layers"]), float(p["dropout"]))

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
        import torch

        p = self._params()
        torch.manual_seed(self.seed)
        if task.is_classification:
            n_out = task.n_classes
        else:
            mean, std = float(np.mean(y)), float(np.std(y)) or 1.0
            self._y_scale = (mean, std)
            n_out = 1
        self._net = self._build(X.shape[1], n_out)
        if n_iterations is not None:  # a refit: the same schedule, ending at the epoch the folds found
            epochs, X_val, y_val = int(n_iterations), None, None
        else:  # a schedule that ends before the deadline, so the learning rate is annealed when it stops
            epochs = self._affordable_epochs(int(p["epochs"]), X, X_val, deadline)
        opt = torch.optim.AdamW(self._net.parameters(), lr=float(p["lr"]), weight_decay=float(p["weight_decay"]))
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=float(p["lr"]), total_steps=epochs * _steps(X.shape[0]), pct_start=0.25
        )
        self.best_iteration_ = self._train(X, y, task, X_val, y_val, opt, sched, epochs, deadline)

    def _affordable_epochs(self, epochs: int, X: Matrix, X_val: Matrix | None, deadline: float | None) -> int:
        """``epochs``, or fewer when a timed forward pass over a few batches says they would not
        finish by ``deadline`` (a backward pass and an optimiser step cost about twice a forward)."""
        import torch

        left = time_left(deadline)
        if not math.isfinite(left):
            return epochs
        torch.set_num_threads(max(1, self.n_threads))
        n, batch = X.shape[0], _batch(X.shape[0])
        probe = min(n, 8 * batch)
        started = time.perf_counter()
        with torch.no_grad():
            self._net.eval()
            for start in range(0, probe, batch):
                self._net(_dense(X, slice(start, min(start + batch, probe))))
        per_row = (time.perf_counter() - started) / probe
        n_val = 0 if X_val is None else X_val.shape[0]
        per_epoch = per_row * (3 * n + n_val)
        return int(max(1, min(epochs, (0.85 * left) // max(per_epoch, 1e-9))))

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
        """Fine-tune on new rows for up to ``rounds`` epochs at a tenth of the peak learning rate,
        keeping the best epoch on ``X_val`` (at least one)."""
        import torch

        p = self._params()
        torch.manual_seed(self.seed)
        opt = torch.optim.AdamW(self._net.parameters(), lr=float(p["lr"]) / 10, weight_decay=float(p["weight_decay"]))
        added = self._train(X, y, self._inner_task, X_val, y_val, opt, None, rounds, deadline)
        self.best_iteration_ = (self.best_iteration_ or 0) + added

    def _train(
        self,
        X: Matrix,
        y: np.ndarray,
        task: TaskInfo,
        X_val: Matrix | None,
        y_val: np.ndarray | None,
        opt: Any,
        sched: Any,
        max_epochs: int,
        deadline: float | None,
    ) -> int:
        """Run up to ``max_epochs`` epochs of ``opt`` (and ``sched`` per step) on ``self._net``; with
        validation rows, stop after ``PATIENCE`` epochs without gain and keep the best epoch's
        weights (at least the first). Returns the number of epochs the kept weights were trained for."""
        import torch
        from torch import nn

        torch.set_num_threads(max(1, self.n_threads))
        net, classification = self._net, task.is_classification
        if classification:
            X_val, y_val = valid_rows(X_val, y_val)
            target = torch.from_numpy(y.astype(np.int64))
            loss_fn: nn.Module = nn.CrossEntropyLoss()
        else:
            mean, std = self._y_scale
            target = torch.from_numpy(((y - mean) / std).astype(np.float32))
            y_val = None if y_val is None else (y_val - mean) / std
            loss_fn = nn.MSELoss()
        watch = X_val is not None and y_val is not None and X_val.shape[0] > 0
        n, batch = X.shape[0], _batch(X.shape[0])
        gen = torch.Generator().manual_seed(self.seed)
        best_state, best_loss, best_epoch, epoch = None, math.inf, 0, 0
        started = time.time()
        for epoch in range(1, max_epochs + 1):
            net.train()
            order = torch.randperm(n, generator=gen).numpy()
            for start in range(0, n, batch):
                rows = order[start : start + batch]
                if len(rows) < 2:  # BatchNorm needs two rows
                    continue
                opt.zero_grad()
                out = net(_dense(X, rows))
                loss = loss_fn(out if classification else out.squeeze(1), target[rows])
                loss.backward()
                opt.step()
                if sched is not None:
                    sched.step()
            if watch:
                val = self._val_loss(X_val, y_val, classification)  # type: ignore[arg-type]
                if val < best_loss - 1e-4:
                    best_loss, best_epoch = val, epoch
                    best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
                elif epoch - best_epoch >= PATIENCE:
                    break
            if time_left(deadline) < (time.time() - started) / epoch:
                break
        net.eval()
        if watch and best_state is not None:
            net.load_state_dict(best_state)
            return best_epoch
        return epoch

    def _raw(self, X: Matrix) -> np.ndarray:
        import torch

        self._net.eval()
        outs = []
        with torch.no_grad():
            for start in range(0, X.shape[0], PREDICT_BATCH):
                outs.append(self._net(_dense(X, slice(start, start + PREDICT_BATCH))).numpy())
        return np.concatenate(outs) if outs else np.zeros((0, 1))

    def _val_loss(self, X_val: Matrix, y_val: np.ndarray, classification: bool) -> float:
        import torch
        from torch import nn

        raw = self._raw(X_val)
        if classification:
            return float(nn.functional.cross_entropy(torch.from_numpy(raw), torch.from_numpy(y_val.astype(np.int64))))
        return float(np.mean((raw[:, 0] - y_val) ** 2))

    def _predict(self, X: Matrix, task: TaskInfo) -> np.ndarray:
        import torch

        torch.set_num_threads(max(1, self.n_threads))
        raw = self._raw(X)
        if task.is_classification:
            return np.asarray(torch.softmax(torch.from_numpy(raw).double(), dim=1).numpy())
        mean, std = self._y_scale
        return raw[:, 0].astype(float) * std + mean

    def _save(self, directory: Path) -> None:
        from torch import nn

        arrays = {k: v.detach().cpu().numpy() for k, v in self._net.state_dict().items()}
        np.savez(directory / "torch_mlp.npz", **arrays)  # type: ignore[arg-type]
        first, last = self._net[1], self._net[-1]
        assert isinstance(first, nn.Linear) and isinstance(last, nn.Linear)
        shape = {"n_in": first.in_features, "n_out": last.out_features, "y_mean": self._y_scale[0]}
        (directory / "torch_mlp.json").write_text(json.dumps({**shape, "y_std": self._y_scale[1]}))

    def _load(self, directory: Path) -> None:
        import torch

        shape = json.loads((directory / "torch_mlp.json").read_text())
        self._y_scale = (float(shape["y_mean"]), float(shape["y_std"]))
        self._net = self._build(int(shape["n_in"]), int(shape["n_out"]))
        with np.load(directory / "torch_mlp.npz", allow_pickle=False) as arrays:
            state = {k: torch.from_numpy(arrays[k]) for k in arrays.files}
        self._net.load_state_dict(state)
        self._net.eval()

    @classmethod
    def estimate_memory(cls, n_rows: int, n_cols: int, params: Mapping[str, Any], task: TaskInfo) -> int:
        """The data, the weights with AdamW's two moments, and PyTorch's own footprint."""
        p = {**cls.space.starting_point(), **params}
        w, layers = int(p["width"]), int(p["layers"])
        weights = (n_cols * w + layers * w * w + w * max(task.n_classes, 1)) * 4 * 4
        return int(n_rows * n_cols * 8 * 2 + weights + 150e6)
