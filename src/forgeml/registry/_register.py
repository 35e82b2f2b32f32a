"""Registering a trained model with its lineage: the Python API behind ``forgeml train --name``.

Example:
    >>> automl = forgeml.AutoML(max_trials=1).fit(df, target="churn")    # doctest: +SKIP
    >>> register(automl, "churn", data=df, alias="champion").ref         # doctest: +SKIP
    'churn@1'
"""

from __future__ import annotations

import json
import platform
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from forgeml._version import __version__
from forgeml.automl import AutoML
from forgeml.config import RunConfig
from forgeml.predictor import read_manifest
from forgeml.registry._common import check_name, store_or_default
from forgeml.registry._datasets import register_dataset
from forgeml.registry._entities import DatasetVersion, ModelVersion
from forgeml.registry._models import register_version
from forgeml.store import Store, utc_now

__all__ = ["library_versions", "register"]

_LIBRARIES = {
    "lightgbm": ("lightgbm",),
    "xgboost": ("xgboost", "xgboost-cpu"),
    "catboost": ("catboost",),
    "scikit-learn": ("scikit-learn",),
    "pandas": ("pandas",),
    "numpy": ("numpy",),
    "optuna": ("optuna",),
}


def library_versions() -> dict[str, str | None]:
    """Installed versions of forgeml and the libraries a model depends on (None: not installed).

    Example:
        >>> library_versions()["forgeml"] == __version__
        True
    """
    found: dict[str, str | None] = {"forgeml": __version__, "python": platform.python_version()}
    for label, dists in _LIBRARIES.items():
        found[label] = None
        for dist in dists:
            try:
                found[label] = metadata.version(dist)
                break
            except metadata.PackageNotFoundError:
                continue
    return found


def _dataset_name(data: Any, model_name: str) -> str:
    if isinstance(data, str | Path):
        stem = Path(data).name.split(".")[0]
        try:
            return check_name(stem, "dataset name")
        except ValueError:
            pass
    return f"{model_name}-data"


def _lineage(folder: Path, config: RunConfig | dict[str, Any] | None, used: list[DatasetVersion], actor: str) -> dict:
    manifest = read_manifest(folder)
    info = dict(manifest.get("info") or {})
    cfg = config.to_json() if isinstance(config, RunConfig) else (config or info.get("config") or {})
    board_file = folder / "leaderboard.json"
    board = json.loads(board_file.read_text()) if board_file.is_file() else []
    return {
        "datasets": [
            {"name": d.name, "version": d.version, "fingerprint": d.fingerprint, "source": d.source, "role": "train"}
            for d in used
        ],
        "versions": library_versions(),
        "config": cfg,
        "seed": cfg.get("seed"),
        "task": manifest.get("task"),
        "target": manifest.get("target"),
        "metric": manifest.get("metric"),
        "cv_score": info.get("cv_score"),
        "leaderboard": board,
        "fit_seconds": info.get("fit_seconds"),
        "trials": info.get("trials"),
        "n_rows": info.get("n_rows"),
        "trained_at": manifest.get("created_at"),
        "registered_at": utc_now(),
        "actor": actor,
        "host": platform.node(),
    }


def register(
    model: AutoML | str | Path,
    name: str,
    *,
    data: pd.DataFrame | str | Path | None = None,
    alias: str | None = None,
    dataset_name: str | None = None,
    config: RunConfig | dict[str, Any] | None = None,
    store: Store | None = None,
) -> ModelVersion:
    """Register a fitted ``AutoML`` or a saved model folder as the next version of ``name``.

    ``data`` (the training frame or file) is registered as a dataset and linked; the lineage records
    dataset versions, forgeml and library versions, configuration, seed, CV metric, leaderboard,
    training time and who ran it. ``alias`` (e.g. ``"champion"``) is moved to the new version.
    """
    check_name(name, "model name")
    st = store_or_default(store)
    if isinstance(model, AutoML):
        config = config if config is not None else model.config
        with tempfile.TemporaryDirectory(prefix="forgeml-register-") as tmp:
            folder = model.save(Path(tmp) / "model")
            return _register_folder(folder, name, data, alias, dataset_name, config, st)
    return _register_folder(Path(model), name, data, alias, dataset_name, config, st)


def _register_folder(
    folder: Path,
    name: str,
    data: pd.DataFrame | str | Path | None,
    alias: str | None,
    dataset_name: str | None,
    config: RunConfig | dict[str, Any] | None,
    store: Store,
) -> ModelVersion:
    manifest = read_manifest(folder)
    used = []
    if data is not None:
        used.append(
            register_dataset(
                data,
                dataset_name or _dataset_name(data, name),
                target=manifest.get("target"),
                subject_column=manifest.get("subject_column"),
                store=store,
            )
        )
    lineage = _lineage(folder, config, used, store.actor)
    cv = lineage.get("cv_score")
    return register_version(
        folder,
        name,
        lineage=lineage,
        metric=manifest.get("metric"),
        cv_score=None if cv is None else float(cv),
        datasets_used=used,
        alias=alias,
        store=store,
    )
