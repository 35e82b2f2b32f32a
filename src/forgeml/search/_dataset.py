"""The prepared training data that trials read: one matrix per encoding, the target and the folds.

The parent writes it once into a folder; worker processes load it once and keep it cached, so a
task carries only a configuration and a fold number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from forgeml.models._base import Matrix, TaskInfo


@dataclass
class TrainingData:
    """Matrices by encoding, their categorical indices and sources, the target and the folds."""

    matrices: dict[str, Matrix]
    categorical: dict[str, list[int]]
    sources: dict[str, list[str]]
    y: np.ndarray
    folds: list[tuple[np.ndarray, np.ndarray]]
    task: TaskInfo
    column_sets: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return int(self.y.shape[0])

    def view(self, encoding: str, feature_set: str | None) -> tuple[Matrix, list[int]]:
        """The matrix of ``encoding`` restricted to ``feature_set`` and its categorical indices."""
        X = self.matrices[encoding]
        cats = self.categorical[encoding]
        if not feature_set or feature_set not in self.column_sets:
            return X, cats
        cols = self.column_sets[feature_set][encoding]
        pos = {c: i for i, c in enumerate(cols)}
        return X[:, cols], [pos[c] for c in cats if c in pos]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for enc, X in self.matrices.items():
            if sp.issparse(X):
                sp.save_npz(directory / f"X_{enc}.npz", sp.csr_matrix(X))
            else:
                np.save(directory / f"X_{enc}.npy", X)
        np.save(directory / "y.npy", self.y)
        arrays: dict[str, np.ndarray] = {}
        for i, (tr, va) in enumerate(self.folds):
            arrays[f"train{i}"], arrays[f"val{i}"] = tr, va
        np.savez(directory / "folds.npz", **arrays)  # type: ignore[arg-type]
        meta = {
            "encodings": {enc: sp.issparse(X) for enc, X in self.matrices.items()},
            "categorical": self.categorical,
            "sources": self.sources,
            "task": self.task.to_json(),
            "n_folds": len(self.folds),
            "column_sets": self.column_sets,
        }
        (directory / "meta.json").write_text(json.dumps(meta))

    @classmethod
    def load(cls, directory: Path) -> TrainingData:
        meta = json.loads((directory / "meta.json").read_text())
        matrices: dict[str, Matrix] = {}
        for enc, sparse in meta["encodings"].items():
            if sparse:
                matrices[enc] = sp.csr_matrix(sp.load_npz(directory / f"X_{enc}.npz"))
            else:
                matrices[enc] = np.load(directory / f"X_{enc}.npy")
        f = np.load(directory / "folds.npz")
        folds = [(f[f"train{i}"], f[f"val{i}"]) for i in range(meta["n_folds"])]
        return cls(
            matrices=matrices,
            categorical={k: list(v) for k, v in meta["categorical"].items()},
            sources={k: list(v) for k, v in meta["sources"].items()},
            y=np.load(directory / "y.npy"),
            folds=folds,
            task=TaskInfo(**meta["task"]),
            column_sets=meta["column_sets"],
        )
