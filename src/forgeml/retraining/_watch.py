"""``watch``: a long-running loop that retrains a model when new data arrives in a folder.

Each tick (every ``every`` seconds; ``once`` runs one, for cron and tests):

1. a file in ``data_dir`` (``*.csv``, ``*.csv.gz``, ``*.parquet``; by name) is *new* when its
   content fingerprint is not yet a version of the model's fresh-data dataset (``NAME-fresh``);
2. for each new file the trigger is decided: with ``on_drift`` and ``on_degradation`` both off,
   every new file is retrained on (the **schedule**); otherwise a retrain runs when the file's drift
   against the champion's reference profile reaches ``drift_share``, or when the live metric on
   feedback over the last ``window`` seconds (:func:`forgeml.monitoring.live_report`) is worse than
   the CV estimate by more than ``degradation`` (see :func:`should_retrain`);
3. a triggered file is retrained on (:func:`retrain`) and the run is audited as
   ``retrain.triggered`` with the file, trigger, reasons and outcome; a file that triggers nothing
   is registered in ``NAME-fresh`` so that it is not checked again.

A failed retrain is an audited outcome, not a crash: the loop goes on. Ctrl-C stops it cleanly.

Example:
    >>> events = watch("churn", "incoming/", once=True)   # doctest: +SKIP
    >>> [(e.file, e.trigger, e.outcome) for e in events]  # doctest: +SKIP
    [('incoming/2025-06.csv', 'drift', 'promoted')]
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from forgeml.data import fingerprint, read_table
from forgeml.errors import ConfigError, ForgeError, check_param
from forgeml.metrics import get_scorer
from forgeml.monitoring import DriftThresholds, drift_report, live_report
from forgeml.predictor import Predictor, load_predictor
from forgeml.registry import list_datasets, parse_ref, register_dataset, resolve_model_path, resolve_version
from forgeml.retraining._promotion import audit_event
from forgeml.retraining._retrain import MODES, RetrainResult, fresh_dataset_name, retrain
from forgeml.retraining._triggers import PerformanceFigures, TriggerDecision, performance_from, should_retrain
from forgeml.store import Store, default_store

__all__ = ["WatchEvent", "new_files", "tick", "watch"]

log = logging.getLogger("forgeml.retraining")
SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")


@dataclass(frozen=True)
class WatchEvent:
    """What one tick did with one new file."""

    file: str
    trigger: str | None
    reasons: list[str]
    outcome: str  # promoted, rejected, not promoted, no trigger, failed: <message>
    result: RetrainResult | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "trigger": self.trigger,
            "reasons": self.reasons,
            "outcome": self.outcome,
            "challenger_version": None if self.result is None else self.result.challenger_version,
            "notes": self.notes,
        }


def new_files(model: str, data_dir: str | Path, *, store: Store) -> list[tuple[Path, pd.DataFrame]]:
    """Data files in ``data_dir`` whose content is not yet in ``MODEL-fresh``, by name, with their content."""
    folder = Path(data_dir)
    if not folder.is_dir():
        raise ConfigError(f"'data_dir' must be an existing folder, got '{folder}'.")
    seen = {d.fingerprint for d in _fresh_versions(model, store)}
    out = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(SUFFIXES)):
        df = read_table(path)
        if fingerprint(df) not in seen:
            out.append((path, df))
    return out


def _fresh_versions(model: str, store: Store) -> list[Any]:
    return list_datasets(fresh_dataset_name(model), store=store)


def _live_figures(
    model: str, predictor: Predictor, window: float, store: Store
) -> tuple[PerformanceFigures | None, str]:
    try:
        report = live_report(model, window=timedelta(seconds=window), store=store)
    except ForgeError as err:
        return None, f"live performance is not available: {err.message}"
    scorer = get_scorer(predictor.metric, predictor.task)
    figures = performance_from(report.performance, greater_is_better=scorer.greater_is_better, metric=scorer.name)
    return figures, "" if figures is not None else "no live performance figures yet (no feedback)"


def tick(
    name: str,
    data_dir: str | Path,
    *,
    mode: str = "full",
    on_drift: bool = True,
    on_degradation: bool = True,
    thresholds: DriftThresholds | None = None,
    degradation: float = 0.1,
    window: float = 3600.0,
    retrain_options: Mapping[str, Any] | None = None,
    store: Store | None = None,
) -> list[WatchEvent]:
    """One pass over ``data_dir``: decide and run the retrains for its new files (see the module doc)."""
    check_param(mode in MODES, "mode", "one of full, incremental", mode)
    parsed = parse_ref(name)
    if parsed is None or parsed[1] is not None:
        raise ConfigError(f"watch takes a registered model name (e.g. 'churn'), got {name!r}.")
    st = store if store is not None else default_store()
    thresholds = thresholds or DriftThresholds()
    files = new_files(name, data_dir, store=st)
    if not files:
        return []
    base = resolve_version(name, store=st)
    champion = load_predictor(resolve_model_path(base.ref, store=st))
    figures, note = (None, "")
    if on_degradation:
        figures, note = _live_figures(name, champion, window, st)
    events = []
    for path, df in files:
        if not on_drift and not on_degradation:
            decision = TriggerDecision(True, "schedule", ["scheduled run on new data"])
        else:
            drift = drift_report(champion, df, thresholds, model=base.ref) if on_drift else None
            decision = should_retrain(drift, figures, drift_share=thresholds.dataset_share, degradation=degradation)
        events.append(_act(name, path, df, decision, mode, retrain_options or {}, st, [note] if note else []))
        if events[-1].result is not None and events[-1].result.promoted:
            champion = load_predictor(resolve_model_path(name, store=st))  # later files compare with the new one
    return events


def _act(
    name: str,
    path: Path,
    df: pd.DataFrame,
    decision: TriggerDecision,
    mode: str,
    options: Mapping[str, Any],
    store: Store,
    notes: list[str],
) -> WatchEvent:
    if not decision.retrain:
        register_dataset(df, fresh_dataset_name(name), source=str(path), store=store)
        return WatchEvent(str(path), None, decision.reasons, "no trigger", None, notes)
    result = None
    try:
        result = retrain(name, str(path), mode=mode, store=store, **dict(options))
        outcome = result.decision
    except ForgeError as err:
        outcome = f"failed: {err.message}"
        log.warning("retrain of %s on %s failed: %s", name, path, err.message)
    audit_event(
        store,
        "retrain.triggered",
        "model",
        name,
        {
            "file": str(path),
            "trigger": decision.trigger,
            "reasons": decision.reasons,
            "mode": mode,
            "outcome": outcome,
            "champion_version": None if result is None else result.champion_version,
            "challenger_version": None if result is None else result.challenger_version,
        },
    )
    return WatchEvent(str(path), decision.trigger, decision.reasons, outcome, result, notes)


def watch(
    name: str,
    data_dir: str | Path,
    *,
    every: float = 3600.0,
    once: bool = False,
    on_tick: Callable[[list[WatchEvent]], None] | None = None,
    stop: threading.Event | None = None,
    **options: Any,
) -> list[WatchEvent]:
    """Run :func:`tick` now and then every ``every`` seconds until ``stop`` is set or Ctrl-C
    (once only with ``once``). ``options`` are :func:`tick`'s (mode, on_drift, on_degradation,
    thresholds, degradation, window, retrain_options, store). Returns every event."""
    check_param(every > 0, "every", "a positive number of seconds", every)
    stop = stop or threading.Event()
    events: list[WatchEvent] = []
    try:
        while True:
            done = tick(name, data_dir, **options)
            events += done
            if on_tick is not None:
                on_tick(done)
            if once or stop.wait(every):
                break
    except KeyboardInterrupt:
        log.info("watch of %s stopped", name)
    return events
