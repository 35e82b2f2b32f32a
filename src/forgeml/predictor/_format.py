"""Saving and loading a :class:`Predictor` as one self-contained directory with a format version.

Layout::

    manifest.json      format version, forgeml version, task, metric, members and weights
    schema.json        column roles and target: the contract for prediction input
    features/*.json    fitted feature pipelines (plain JSON, no pickle)
    models/<name>/     each member in its library's native format
    leaderboard.json   every trial (and .csv for reading)
    profile.json       reference profile of the training data for drift monitoring (optional:
                       folders written before it existed load with ``profile=None``)
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forgeml._version import __version__
from forgeml.data import DataProfile, Schema
from forgeml.errors import ConfigError, ModelFormatError, NotFoundError
from forgeml.features import FeaturePipeline
from forgeml.models import Model
from forgeml.predictor._predictor import Member, Predictor

FORMAT_VERSION = 1


def _default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def save_predictor(predictor: Predictor, path: str | Path) -> Path:
    """Write ``predictor`` to ``path``: a new or empty folder, or an earlier forgeml model folder,
    which is replaced only once the new one is complete."""
    target = Path(path)
    _check_replaceable(target)
    tmp = target.with_name(target.name + ".tmp-save")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "features").mkdir(parents=True)
    members = []
    for m in predictor.members:
        m.model.save(tmp / "models" / m.name)
        members.append(
            {
                "name": m.name,
                "family": m.model.family,
                "encoding": m.encoding,
                "weight": m.weight,
                "columns": m.columns,
                "path": f"models/{m.name}",
            }
        )
    for enc, pipe in predictor.pipelines.items():
        (tmp / "features" / f"{enc}.json").write_text(json.dumps(pipe.to_json(), default=_default))
    (tmp / "schema.json").write_text(json.dumps(predictor.schema.to_json(), indent=1, default=_default))
    manifest = {
        "format_version": FORMAT_VERSION,
        "forgeml_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "task": predictor.task,
        "target": predictor.schema.target.name,
        "subject_column": predictor.schema.subject_column,
        "metric": predictor.metric,
        "members": members,
        "pipelines": {enc: f"features/{enc}.json" for enc in predictor.pipelines},
        "info": predictor.info,
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, default=_default))
    (tmp / "leaderboard.json").write_text(json.dumps(predictor.leaderboard, indent=1, default=_default))
    pd.DataFrame(predictor.leaderboard).to_csv(tmp / "leaderboard.csv", index=False)
    if predictor.profile is not None:
        (tmp / "profile.json").write_text(json.dumps(predictor.profile.to_json(), default=_default))
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    return target


def _check_replaceable(target: Path) -> None:
    """Only a missing path, an empty folder or an earlier forgeml model may be (re)written."""
    if target.is_file():
        raise ConfigError(f"cannot save the model to '{target}': it is a file; give a folder path.")
    if target.is_dir() and any(target.iterdir()) and not (target / "manifest.json").exists():
        raise ConfigError(
            f"cannot save the model to '{target}': the folder holds files that are not a forgeml model; "
            "give a new or empty folder."
        )
    if not target.parent.is_dir():
        raise ConfigError(f"cannot save the model to '{target}': folder '{target.parent}' does not exist.")


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest of a saved model, checked for existence and format version."""
    d = Path(path)
    if not d.exists():
        raise NotFoundError(f"no model at '{d}'; give the folder written by 'forgeml train' or AutoML.save().")
    f = d / "manifest.json"
    if not d.is_dir() or not f.exists():
        raise ModelFormatError(f"'{d}' is not a forgeml model folder (no manifest.json in it).")
    try:
        manifest: dict[str, Any] = json.loads(f.read_text())
    except ValueError as err:
        raise ModelFormatError(f"'{f}' is not valid JSON: {err}") from err
    version = manifest.get("format_version")
    if not isinstance(version, int):
        raise ModelFormatError(f"'{f}' has no integer format_version; it was not written by forgeml.")
    if version > FORMAT_VERSION:
        raise ModelFormatError(
            f"model '{d}' has format version {version} (written by forgeml {manifest.get('forgeml_version')}), "
            f"but this forgeml reads format {FORMAT_VERSION} at most; upgrade forgeml to load it."
        )
    return manifest


def load_predictor(path: str | Path) -> Predictor:
    """Load a model folder written by :func:`save_predictor`."""
    d = Path(path)
    manifest = read_manifest(d)
    try:
        schema = Schema.from_json(json.loads((d / "schema.json").read_text()))
        pipelines = {
            enc: FeaturePipeline.from_json(json.loads((d / rel).read_text()))
            for enc, rel in manifest["pipelines"].items()
        }
        leaderboard = json.loads((d / "leaderboard.json").read_text())
        members = [
            Member(m["name"], Model.load(d / m["path"]), float(m["weight"]), m.get("columns"))
            for m in manifest["members"]
        ]
        profile_file = d / "profile.json"
        profile = DataProfile.from_json(json.loads(profile_file.read_text())) if profile_file.exists() else None
    except ModelFormatError:
        raise
    except (OSError, KeyError, TypeError, ValueError) as err:
        raise ModelFormatError(f"model folder '{d}' is incomplete or damaged: {err}") from err
    info = manifest.get("info", {})
    return Predictor(schema, pipelines, members, manifest["metric"], leaderboard, info, profile)
