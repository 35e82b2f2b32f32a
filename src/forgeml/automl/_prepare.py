"""Training steps before the search: read, infer the schema, build features, select features."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forgeml.config import RunConfig
from forgeml.data import Schema, infer_schema, make_folds, prepare_training, read_table
from forgeml.errors import DataError
from forgeml.features import FeatureMatrix, FeaturePipeline, select_features
from forgeml.logging import get_logger
from forgeml.models import Model, TaskInfo, available_families, get_family
from forgeml.search import TrainingData

log = get_logger("automl")


@dataclass
class Prepared:
    """The training table turned into what the search needs."""

    schema: Schema
    frame: pd.DataFrame
    y: np.ndarray
    n_dropped_target: int
    families: list[type[Model]]
    pipelines: dict[str, FeaturePipeline]
    data: TrainingData
    selection: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def load_and_infer(
    source: Any, target: str, config: RunConfig
) -> tuple[Schema, pd.DataFrame, np.ndarray, int, pd.DataFrame]:
    df = read_table(source)
    schema = infer_schema(
        df,
        target,
        task=config.task,
        column_types=config.column_types,
        group_column=config.group_column,
        time_column=config.time_column,
        subject_column=config.subject_column,
        allow_pii=config.allow_pii,
        seed=config.seed,
    )
    frame, y, n_dropped = prepare_training(df, schema)
    if not schema.features:
        dropped = ", ".join(f"'{c.name}' ({c.role})" for c in schema.dropped) or "none"
        raise DataError(
            f"no usable feature columns besides the target '{target}'; dropped: {dropped}. "
            "Override a column's role with column_types (CLI: --column NAME=ROLE)."
        )
    if len(y) < 4:
        raise DataError(f"only {len(y)} rows have a target value; at least 4 are needed to cross-validate.")
    return schema, frame, y, n_dropped, df


def choose_families(config: RunConfig) -> list[type[Model]]:
    names = list(config.families) if config.families else available_families()
    return [get_family(n) for n in names]


def build_folds(
    df: pd.DataFrame, frame: pd.DataFrame, y: np.ndarray, schema: Schema, config: RunConfig
) -> list[tuple[np.ndarray, np.ndarray]]:
    rows = df[df[schema.target.name].notna().to_numpy()]  # the rows prepare_training kept, in order
    groups = rows[config.group_column].to_numpy() if config.group_column else None
    times = pd.to_datetime(rows[config.time_column], errors="coerce").to_numpy() if config.time_column else None
    if times is not None and pd.isna(times).all():
        times = rows[config.time_column].to_numpy()
    n_folds = min(config.n_folds, len(y))
    return make_folds(y, schema.target.task, n_folds, config.seed, groups=groups, times=times)


def build_features(
    schema: Schema, frame: pd.DataFrame, families: list[type[Model]], seed: int
) -> tuple[dict[str, FeaturePipeline], dict[str, FeatureMatrix]]:
    pipelines: dict[str, FeaturePipeline] = {}
    matrices: dict[str, FeatureMatrix] = {}
    for enc in dict.fromkeys(f.encoding for f in families):
        pipe = FeaturePipeline(schema, enc, seed=seed)
        matrices[enc] = pipe.fit_transform(frame)
        pipelines[enc] = pipe
    return pipelines, matrices


def maybe_select(
    matrices: dict[str, FeatureMatrix], y: np.ndarray, task: TaskInfo, config: RunConfig, deadline: float | None
) -> tuple[dict[str, dict[str, list[int]]], dict[str, Any]]:
    """Run the shadow-feature test when it may pay: enough columns and rows, and time to spare."""
    fm = matrices.get("native") or next(iter(matrices.values()))
    n_sources = len(set(fm.sources))
    wanted = config.feature_selection == "on" or (
        config.feature_selection == "auto"
        and n_sources >= 8
        and len(y) >= 200
        and (config.effective_time_limit is None or config.effective_time_limit >= 30)
    )
    if not wanted:
        return {}, {"ran": False}
    result = select_features(fm, y, task.task, n_classes=task.n_classes, seed=config.seed, deadline=deadline)
    drop = set(result.drop)
    info: dict[str, Any] = {"ran": True, "proposed_drop": sorted(drop), "repeats": result.repeats}
    if not drop:
        return {}, info
    cols = {enc: [i for i, s in enumerate(m.sources) if s not in drop] for enc, m in matrices.items()}
    if any(not c for c in cols.values()):
        return {}, info
    return {"selected": cols}, info


def prepare(source: Any, target: str, config: RunConfig, select_deadline: float | None) -> Prepared:
    schema, frame, y, n_dropped, df = load_and_infer(source, target, config)
    families = choose_families(config)
    folds = build_folds(df, frame, y, schema, config)
    pipelines, matrices = build_features(schema, frame, families, config.seed)
    task = TaskInfo(schema.target.task, schema.target.n_classes)
    column_sets, selection = maybe_select(matrices, y, task, config, select_deadline)
    data = TrainingData(
        matrices={e: m.X for e, m in matrices.items()},
        categorical={e: list(m.categorical) for e, m in matrices.items()},
        sources={e: list(m.sources) for e, m in matrices.items()},
        y=y,
        folds=folds,
        task=task,
        column_sets=column_sets,
    )
    log.info("prepared %d rows, %d features", len(y), len(schema.features))
    return Prepared(schema, frame, y, n_dropped, families, pipelines, data, selection)
