"""``retrain``: validate fresh data, train a challenger, register it, and run the gate.

Steps, for ``retrain("churn", "fresh.csv")``:

1. the base is ``churn@champion`` (``NAME`` alone: the champion, else the latest version; any
   ``NAME@VERSION`` or ``NAME@ALIAS`` may be given instead);
2. the fresh table is compared with the base's schema (:func:`compare_schema`): missing feature
   columns or target stop here; other changes go into the report;
3. it is registered as dataset ``churn-fresh`` (same content, same version);
4. its most recent ``holdout`` share of labelled rows (default 20 %) is held out for the gate and
   never trained on: by the schema's time column when it has one (rows sorted by it, stable), else
   the last rows in file order;
5. the challenger is trained: ``full`` runs a new AutoML search with the base's configuration on its
   stored training data (read through its lineage; when that is unavailable the report says so and
   the fresh rows alone are used) plus the fresh training rows; ``incremental`` continues the base's
   boosters (see :mod:`forgeml.retraining._incremental`);
6. it is registered as the next version of ``churn`` with alias ``challenger``, its lineage linking
   the old training dataset(s) and the fresh dataset, plus ``retrain_mode`` and ``parent_version``;
7. both models score the held-out rows (:func:`revalidate`); the challenger becomes ``champion``
   only if it passes, else it stays ``challenger`` and the result says why (both audited).

Example:
    >>> result = retrain("churn", "fresh.csv", mode="incremental", margin=0.002)   # doctest: +SKIP
    >>> result.promoted, result.reason                                           # doctest: +SKIP
    (True, 'challenger better on roc_auc by 0.031 (> margin 0.002); ...')
"""

from __future__ import annotations

import dataclasses
import platform
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from forgeml.automl import EventSink, ProgressEvent, train
from forgeml.config import RunConfig, parse_duration
from forgeml.data import read_table
from forgeml.errors import ConfigError, DataError, ForgeError, check_param
from forgeml.predictor import Predictor, load_predictor, save_predictor
from forgeml.registry import (
    DatasetVersion,
    ModelVersion,
    get_dataset,
    library_versions,
    parse_ref,
    read_dataset,
    register_dataset,
    register_version,
    resolve_model_path,
    resolve_version,
)
from forgeml.retraining._gate import GateResult, revalidate
from forgeml.retraining._incremental import continue_predictor
from forgeml.retraining._promotion import CHALLENGER, reject
from forgeml.retraining._promotion import promote as promote_version
from forgeml.retraining._schema_changes import SchemaChanges, compare_schema
from forgeml.store import Store, default_store, utc_now

__all__ = ["MODES", "RetrainResult", "fresh_dataset_name", "retrain", "split_recent"]

MODES = ("full", "incremental")


def fresh_dataset_name(model: str) -> str:
    """The dataset that holds the fresh tables a model was retrained on (``NAME-fresh``).

    Example:
        >>> fresh_dataset_name("churn")
        'churn-fresh'
    """
    return f"{model}-fresh"


@dataclass(frozen=True)
class RetrainResult:
    """What a retrain did: the versions, the schema changes, the gate and the decision."""

    name: str
    mode: str
    champion_version: int
    challenger: ModelVersion
    changes: SchemaChanges
    gate: GateResult
    promoted: bool
    decision: str  # "promoted", "rejected" or "not promoted" (gate passed, promote=False)
    reason: str
    fresh_dataset: str
    old_datasets: list[str]
    rows: dict[str, int]
    seconds: dict[str, float]
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def challenger_version(self) -> int:
        return self.challenger.version

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "mode": self.mode,
            "champion_version": self.champion_version,
            "challenger_version": self.challenger.version,
            "promoted": self.promoted,
            "decision": self.decision,
            "reason": self.reason,
            "gate": self.gate.to_json(),
            "changes": self.changes.to_json(),
            "fresh_dataset": self.fresh_dataset,
            "old_datasets": self.old_datasets,
            "rows": self.rows,
            "seconds": self.seconds,
            "notes": self.notes,
            "details": self.details,
        }


def split_recent(df: pd.DataFrame, target: str, time_column: str | None, share: float) -> tuple[pd.DataFrame, ...]:
    """``(train, holdout)``: labelled rows, the most recent ``share`` held out (at least 2 rows).

    Recent means latest by ``time_column`` when it is given and in ``df`` (stable sort; unparsable
    times first), else last in file order.

    Example:
        >>> df = pd.DataFrame({"x": range(10), "y": [0, 1] * 5})
        >>> [len(p) for p in split_recent(df, "y", None, 0.2)]
        [8, 2]
    """
    check_param(0 < share < 1, "holdout", "a share between 0 and 1 (exclusive)", share)
    rows = df[df[target].notna().to_numpy()]
    if time_column is not None and time_column in rows.columns:
        times = pd.to_datetime(rows[time_column], errors="coerce")
        if times.isna().all():
            times = rows[time_column]
        rows = rows.iloc[times.argsort(kind="stable").to_numpy()]
    n_hold = max(2, round(len(rows) * share))
    if len(rows) - n_hold < 4:
        raise DataError(
            f"the fresh data has {len(rows)} row(s) with target '{target}'; with a {share:.0%} hold-out at "
            "least 6 are needed (4 to train, 2 to compare the models); give more fresh rows."
        )
    return rows.iloc[: len(rows) - n_hold].reset_index(drop=True), rows.iloc[len(rows) - n_hold :].reset_index(
        drop=True
    )


def _known_categories(p: Predictor) -> dict[str, list[str]]:
    known: dict[str, list[str]] = {}
    for pipe in p.pipelines.values():
        for step in pipe.steps:
            for name, col in zip(step.input_names, getattr(step, "vocab", []), strict=False):
                known.setdefault(name, []).extend(getattr(col, "categories", []))
    return known


def _run_config(base: ModelVersion, champion: Predictor, time_limit: float | None) -> RunConfig:
    cfg = dict(base.lineage.get("config") or champion.info.get("config") or {})
    names = {f.name for f in dataclasses.fields(RunConfig)}
    kept = {k: v for k, v in cfg.items() if k in names}
    if kept.get("families"):
        kept["families"] = tuple(kept["families"])
    kept["column_types"] = dict(kept.get("column_types") or {})
    if not kept.get("metric"):
        kept["metric"] = champion.metric
    config = RunConfig(**kept)
    if time_limit is not None:
        config = config.with_(time_limit=time_limit)
    return config


def _old_data(base: ModelVersion, store: Store) -> tuple[list[pd.DataFrame], list[DatasetVersion], list[str]]:
    frames, used, notes = [], [], []
    seen = set()
    for d in base.lineage.get("datasets") or []:
        ref = f"{d.get('name')}@{d.get('version')}"
        if ref in seen:
            continue
        seen.add(ref)
        try:
            frames.append(read_dataset(d["name"], int(d["version"]), store=store))
            used.append(get_dataset(d["name"], int(d["version"]), store=store))
        except (ForgeError, KeyError, TypeError, ValueError) as err:
            notes.append(f"training dataset {ref} of {base.ref} is unavailable ({err})")
    return frames, used, notes


def _linked(base: ModelVersion, store: Store) -> list[DatasetVersion]:
    out = []
    for d in base.lineage.get("datasets") or []:
        try:
            out.append(get_dataset(d["name"], int(d["version"]), store=store))
        except (ForgeError, KeyError, TypeError, ValueError):
            continue
    return out


def _emit(sink: EventSink | None, start: float, message: str) -> None:
    if sink is not None:
        sink(ProgressEvent("phase", message, time.perf_counter() - start, None))


def _train_full(
    base: ModelVersion,
    champion: Predictor,
    fresh: pd.DataFrame,
    time_limit: float | None,
    store: Store,
    on_event: EventSink | None,
) -> tuple[Predictor, RunConfig, list[DatasetVersion], dict[str, Any], list[str]]:
    config = _run_config(base, champion, time_limit)
    frames, used, notes = _old_data(base, store)
    if not frames:
        notes.append(f"the training data of {base.ref} is not available: the challenger is trained on the fresh rows")
    target = champion.schema.target.name
    wanted = [c.name for c in champion.schema.columns if c.name in fresh.columns] + [target]
    combined = pd.concat(
        [*(f[[c for c in wanted if c in f.columns]] for f in frames), fresh[wanted]], ignore_index=True
    )
    predictor = train(combined, target, config, on_event=on_event)
    info = {"n_old_rows": int(sum(len(f) for f in frames)), "n_combined_rows": len(combined)}
    return predictor, config, used, info, notes


def _lineage(
    predictor: Predictor,
    base: ModelVersion,
    config: dict[str, Any],
    old: list[DatasetVersion],
    fresh: DatasetVersion,
    mode: str,
    extra: dict[str, Any],
    actor: str,
) -> dict[str, Any]:
    info = predictor.info
    return {
        "datasets": [
            *(
                {
                    "name": d.name,
                    "version": d.version,
                    "fingerprint": d.fingerprint,
                    "source": d.source,
                    "role": "train",
                }
                for d in old
            ),
            {
                "name": fresh.name,
                "version": fresh.version,
                "fingerprint": fresh.fingerprint,
                "source": fresh.source,
                "role": "fresh",
            },
        ],
        "versions": library_versions(),
        "config": config,
        "seed": config.get("seed"),
        "task": predictor.task,
        "target": predictor.schema.target.name,
        "metric": predictor.metric,
        "cv_score": info.get("cv_score"),
        "leaderboard": predictor.leaderboard,
        "fit_seconds": extra.get("train_seconds"),
        "trials": info.get("trials"),
        "n_rows": extra.get("n_train_rows"),
        "trained_at": utc_now(),
        "registered_at": utc_now(),
        "actor": actor,
        "host": platform.node(),
        "retrain_mode": mode,
        "parent_version": base.version,
        "parent": base.ref,
        "retrain": extra,
    }


def _register(
    predictor: Predictor, name: str, lineage: dict[str, Any], used: list[DatasetVersion], store: Store
) -> ModelVersion:
    cv = lineage.get("cv_score")
    with tempfile.TemporaryDirectory(prefix="forgeml-retrain-") as tmp:
        folder = save_predictor(predictor, Path(tmp) / "model")
        return register_version(
            folder,
            name,
            lineage=lineage,
            metric=predictor.metric,
            cv_score=None if cv is None else float(cv),
            datasets_used=used,
            alias=CHALLENGER,
            store=store,
        )


def retrain(
    name: str,
    data: Any,
    *,
    mode: str = "full",
    time_limit: str | float | None = None,
    holdout: float = 0.2,
    margin: float = 0.0,
    confidence: float = 0.95,
    n_boot: int = 1000,
    extra_rounds: int | None = None,
    seed: int = 0,
    promote: bool = True,
    store: Store | None = None,
    on_event: EventSink | None = None,
) -> RetrainResult:
    """Train a challenger for registered model ``name`` on fresh labelled ``data`` and gate it.

    ``data`` is a DataFrame or a CSV / CSV.gz / Parquet path with the model's feature columns and
    target. ``mode`` is ``"full"`` (new search on old + fresh training rows, ``time_limit`` or the
    champion's) or ``"incremental"`` (continue the boosters with up to ``extra_rounds`` rounds,
    re-fit the weights; ``time_limit`` bounds it). ``holdout``, ``margin``, ``confidence``,
    ``n_boot`` and ``seed`` drive the gate (see :func:`revalidate`); with ``promote=False`` a passing
    challenger is registered but not promoted.

    Example:
        >>> r = retrain("churn", "fresh.csv", mode="full", time_limit="2m")   # doctest: +SKIP
        >>> r.decision, r.gate.champion_score, r.gate.challenger_score       # doctest: +SKIP
        ('promoted', 0.81, 0.86)
    """
    check_param(mode in MODES, "mode", "one of full, incremental", mode)
    check_param(0 < holdout < 1, "holdout", "a share between 0 and 1 (exclusive)", holdout)
    limit = None if time_limit is None else parse_duration(time_limit)
    parsed = parse_ref(name)
    if parsed is None:
        raise ConfigError(f"'{name}' is not a registered model reference; use NAME, NAME@VERSION or NAME@ALIAS.")
    model = parsed[0]
    st = store if store is not None else default_store()
    start = time.perf_counter()
    base = resolve_version(name, store=st)
    champion = load_predictor(resolve_model_path(base.ref, store=st))
    df = read_table(data)
    schema = champion.schema
    changes = compare_schema(schema, df, champion.profile, known_categories=_known_categories(champion))
    changes.check(mode)
    source = None if isinstance(data, pd.DataFrame) else str(data)
    subject = schema.subject_column if schema.subject_column in df.columns else None
    fresh_ds = register_dataset(
        df, fresh_dataset_name(model), source=source, target=schema.target.name, subject_column=subject, store=st
    )
    fresh_train, held = split_recent(df, schema.target.name, schema.time_column, holdout)
    notes: list[str] = []
    t_train = time.perf_counter()
    extra: dict[str, Any] = {"holdout_rows": len(held), "holdout_share": holdout, "fresh_train_rows": len(fresh_train)}
    extra["holdout_by"] = schema.time_column if schema.time_column in df.columns else "file order"
    if mode == "full":
        challenger, config, old, info, notes = _train_full(base, champion, fresh_train, limit, st, on_event)
        config_json = config.to_json()
        extra["n_train_rows"] = info["n_combined_rows"]
    else:
        _emit(on_event, start, "continuing the champion's boosters")
        deadline = None if limit is None else time.time() + limit
        fresh_copy = load_predictor(resolve_model_path(base.ref, store=st))
        challenger, info = continue_predictor(
            fresh_copy,
            fresh_train,
            extra_rounds=extra_rounds,
            deadline=deadline,
            seed=seed,
            phase=lambda m: _emit(on_event, start, m),
        )
        challenger.info = {**challenger.info, "cv_score": info["val_score"], "fit_seconds": 0.0}
        config_json = dict(base.lineage.get("config") or {})
        old = _linked(base, st)
        extra["n_train_rows"] = len(fresh_train)
    train_seconds = time.perf_counter() - t_train
    extra.update(info, train_seconds=round(train_seconds, 3), notes=notes)
    if mode == "incremental":
        challenger.info["fit_seconds"] = train_seconds
    _emit(on_event, start, "registering the challenger")
    old = [d for d in old if d.ref != fresh_ds.ref]
    lineage = _lineage(challenger, base, config_json, old, fresh_ds, mode, extra, st.actor)
    used = [*old, fresh_ds]
    version = _register(challenger, model, lineage, used, st)
    _emit(on_event, start, "comparing champion and challenger on the held-out rows")
    t_gate = time.perf_counter()
    gate = revalidate(champion, challenger, held, margin=margin, confidence=confidence, n_boot=n_boot, seed=seed)
    gate_seconds = time.perf_counter() - t_gate
    if gate.promote and promote:
        promote_version(model, version.version, gate, base.version, store=st)
        decision, reason = "promoted", gate.reason
    elif gate.promote:
        decision, reason = "not promoted", f"{gate.reason}; not promoted because promotion was turned off"
    else:
        reject(model, version.version, gate, base.version, store=st)
        decision, reason = "rejected", gate.reason
    _emit(on_event, start, "done")
    return RetrainResult(
        name=model,
        mode=mode,
        champion_version=base.version,
        challenger=resolve_version(version.ref, store=st),
        changes=changes,
        gate=gate,
        promoted=decision == "promoted",
        decision=decision,
        reason=reason,
        fresh_dataset=fresh_ds.ref,
        old_datasets=[d.ref for d in old],
        rows={"fresh": len(df), "fresh_train": len(fresh_train), "holdout": len(held), **_old_rows(info)},
        seconds={
            "train": round(train_seconds, 3),
            "gate": round(gate_seconds, 3),
            "total": round(time.perf_counter() - start, 3),
        },
        notes=notes,
        details={"training": info},
    )


def _old_rows(info: dict[str, Any]) -> dict[str, int]:
    return {"old": int(info["n_old_rows"])} if "n_old_rows" in info else {}
