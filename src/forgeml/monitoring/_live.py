"""Live monitoring of a model server: an in-memory buffer on the hot path, a background flusher.

The server calls :meth:`LiveMonitor.record` with each request's rows and raw predictions; it
appends one entry to a bounded buffer and returns one prediction id per row — nothing else
happens on the hot path (no database write, no binning). Every ``flush_seconds`` (default 10 s)
:meth:`LiveMonitor.flush`, run in a worker thread:

1. bins the buffered rows and predictions on the model's reference profile into a
   :class:`~forgeml.monitoring.LiveProfile` per window (windows are ``window_seconds`` long,
   default 1 h, aligned on the Unix epoch);
2. in one write transaction, inserts the rows into ``prediction_log`` (``features_json`` only when
   ``log_inputs`` is on; ``subject_id`` from the schema's ``subject_column``; a shadow model's
   prediction in ``shadow_prediction_json``; rows of a subject whose erasure has begun are left
   out, checked in the same transaction, so an erasure running meanwhile misses none) and *adds*
   each window's counts to its ``live_profiles`` row (one row per model, version and window;
   several server processes add to the same row, and a restarted server continues it, so a crash
   loses at most the rows of one flush interval);
3. recomputes each served model's status — drift of its latest window, and the rolling metric on
   feedback received in the last window — and hands it to the listener (Prometheus gauges).

When more than ``max_buffer_rows`` rows wait (the store is slow or down), the oldest entries are
dropped and reported to the listener; a request never waits for the flusher.

Prediction ids are 32 hex digits in the UUID version-4 layout: a random per-process prefix (76
bits from the operating system, not a seed: ids must differ between processes and restarts)
followed by a 60-bit counter, so making one costs a string format, not a ``uuid4()`` call.

Models served from a folder rather than the registry are logged under their served name with
version 0.

Example:
    >>> monitor = LiveMonitor(MonitorConfig(flush_seconds=5), store=store)     # doctest: +SKIP
    >>> ids = monitor.record(model, rows, raw)                               # doctest: +SKIP
    >>> monitor.flush()                                                      # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, insert, select, update

from forgeml._clock import Clock, SystemClock
from forgeml.data import feature_values, prediction_values
from forgeml.errors import check_param
from forgeml.monitoring._drift import DriftThresholds
from forgeml.monitoring._feedback import feedback_rows, prediction_json, score_pairs, scorer_for
from forgeml.monitoring._report import DriftReport
from forgeml.monitoring._sketch import DEFAULT_SAMPLE_SIZE, LiveProfile
from forgeml.predictor import FastPredictor, Predictor
from forgeml.store import Store, default_store, erased_subjects, format_time
from forgeml.store.tables import live_profiles, prediction_log

__all__ = ["LiveMonitor", "ModelStatus", "MonitorConfig", "MonitorListener", "MonitoredVersion", "window_start"]

log = logging.getLogger("forgeml.monitoring")


@dataclass(frozen=True)
class MonitorConfig:
    """Live monitoring settings. Defaults: flush every ``flush_seconds=10``; windows of
    ``window_seconds=3600``; ``log_inputs=False`` (True keeps rows as sent in ``prediction_log.features_json``);
    at most ``max_buffer_rows=100_000`` rows waiting between flushes; reservoirs of
    ``sample_size=1000`` values per numeric feature and window; drift ``thresholds``
    (:class:`DriftThresholds` defaults); a model is *degraded* when its rolling metric is worse than
    its CV estimate by more than ``degradation=0.1`` (10 % of the CV score); ``seed`` for the
    reservoir samples.

    Example:
        >>> MonitorConfig(flush_seconds=5).window_seconds
        3600.0
    """

    flush_seconds: float = 10.0
    window_seconds: float = 3600.0
    log_inputs: bool = False
    max_buffer_rows: int = 100_000
    sample_size: int = DEFAULT_SAMPLE_SIZE
    thresholds: DriftThresholds = field(default_factory=DriftThresholds)
    degradation: float = 0.1
    seed: int = 0

    def __post_init__(self) -> None:
        check_param(self.flush_seconds > 0, "flush_seconds", "a number of seconds > 0", self.flush_seconds)
        check_param(self.window_seconds >= 1, "window_seconds", "a number of seconds >= 1", self.window_seconds)
        check_param(self.max_buffer_rows >= 1, "max_buffer_rows", "an integer >= 1", self.max_buffer_rows)
        check_param(self.sample_size >= 1, "sample_size", "an integer >= 1", self.sample_size)
        check_param(self.degradation >= 0, "degradation", "a share >= 0", self.degradation)
        object.__setattr__(self, "window_seconds", float(self.window_seconds))
        object.__setattr__(self, "flush_seconds", float(self.flush_seconds))


@dataclass(frozen=True, eq=False)
class MonitoredVersion:
    """A served model version as the monitor sees it: ``version`` is the registry version (0 for a
    model served from a folder)."""

    name: str
    version: int
    predictor: Predictor
    fast: FastPredictor

    def columns(self, rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        """The rows coerced to the schema's types (as ``coerce_frame`` gives them)."""
        cols = self.fast.columns(rows)
        return pd.DataFrame({name: cols[name] for name, _ in self.fast.features})


@dataclass(frozen=True)
class ModelStatus:
    """A served model's monitoring state after a flush: drift of its latest window (None before any
    traffic) and its metric on the feedback received during the last window."""

    model: str
    version: int
    window_start: str | None
    drift: DriftReport | None
    metric: str
    cv_score: float | None
    performance: float | None
    feedback_rows: int
    gap: float | None  # how much worse than CV, as a share of |CV| (> 0: worse)


class MonitorListener:
    """Receives what the monitor measures; the server turns it into Prometheus metrics. The base
    class ignores everything."""

    def dropped(self, model: str, rows: int) -> None:
        """``rows`` of ``model`` were dropped because the buffer was full."""

    def flushed(self, rows: int, seconds: float) -> None:
        """A flush wrote ``rows`` rows in ``seconds``."""

    def shadow_failed(self, model: str, rows: int) -> None:
        """The shadow model of ``model`` could not predict ``rows`` rows."""

    def status(self, status: ModelStatus) -> None:
        """The state of one served model after a flush."""


def window_start(t: float, window_seconds: float) -> float:
    """The start (epoch seconds) of the window holding time ``t``.

    Example:
        >>> window_start(7300.0, 3600.0)
        7200.0
    """
    return float(np.floor(t / window_seconds) * window_seconds)


def _iso(t: float) -> str:
    return format_time(datetime.fromtimestamp(t, UTC))


def gap_of(value: float | None, cv: float | None, greater_is_better: bool) -> float | None:
    """How much worse ``value`` is than ``cv``, as a share of ``|cv|`` (negative: better).

    Example:
        >>> round(gap_of(0.72, 0.8, True), 3)
        0.1
    """
    if value is None or cv is None or cv == 0:
        return None
    diff = cv - value if greater_is_better else value - cv
    return float(diff / abs(cv))


SWITCH_INTERVAL_S = 0.0005

_LOG_COLUMNS = (
    "id",
    "model_name",
    "version",
    "created_at",
    "subject_id",
    "features_json",
    "prediction_json",
    "shadow_version",
    "shadow_prediction_json",
)

# (model, rows, raw predictions, first id counter, time, typed columns from the fast path or None)
_Entry = tuple[MonitoredVersion, Sequence[Mapping[str, Any]], np.ndarray, int, float, dict[str, np.ndarray] | None]


class LiveMonitor:
    """The buffer and flusher described in the module docstring."""

    def __init__(
        self,
        config: MonitorConfig | None = None,
        *,
        store: Store | None = None,
        clock: Clock | None = None,
        listener: MonitorListener | None = None,
        models: Callable[[], Sequence[MonitoredVersion]] = list,
        shadow_of: Callable[[str], MonitoredVersion | None] = lambda name: None,
    ) -> None:
        self.config = config or MonitorConfig()
        self._store = store
        self.clock = clock or SystemClock()
        self.listener = listener or MonitorListener()
        self.models = models
        self.shadow_of = shadow_of
        self._buffer: deque[_Entry] = deque()
        self._buffered = 0
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._rng = np.random.default_rng(self.config.seed)
        r = os.urandom(10).hex()
        self._prefix = f"{r[:12]}4{r[12:15]}{'89ab'[int(r[15], 16) % 4]}"
        self._next = 0

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = default_store()
        return self._store

    # ---- hot path --------------------------------------------------------------------------------
    def record(
        self,
        model: MonitoredVersion,
        rows: Sequence[Mapping[str, Any]],
        raw: np.ndarray,
        columns: dict[str, np.ndarray] | None = None,
    ) -> list[str]:
        """Buffer one request's ``rows`` and raw predictions; return one prediction id per row.
        ``columns``: the typed columns the fast path already read (``predict_raw_with_columns``),
        which spares the flusher coercing the rows again."""
        n = len(rows)
        with self._lock:
            start = self._next
            self._next = start + n
            self._buffer.append((model, rows, raw, start, self.clock.now(), columns))
            self._buffered += n
            if self._buffered > self.config.max_buffer_rows:
                self._drop_oldest()
        p = self._prefix
        return [f"{p}{c:015x}" for c in range(start, start + n)]

    def _drop_oldest(self) -> None:
        while self._buffered > self.config.max_buffer_rows and len(self._buffer) > 1:
            model, rows, *_ = self._buffer.popleft()
            self._buffered -= len(rows)
            self.listener.dropped(model.name, len(rows))

    @property
    def pending(self) -> int:
        """Rows waiting for the next flush."""
        return self._buffered

    def _ids(self, start: int, n: int) -> list[str]:
        p = self._prefix
        return [f"{p}{c:015x}" for c in range(start, start + n)]

    # ---- flushing --------------------------------------------------------------------------------
    def flush(self, *, refresh: bool = True) -> int:
        """Write the buffered rows and window counts, then (unless ``refresh=False``) refresh every
        served model's status. Returns the number of rows written. Safe to call from several threads:
        one runs at a time, so when it returns every row recorded before the call is in the store,
        including rows a concurrent flush had already taken from the buffer."""
        with self._flush_lock:
            with self._lock:
                batch, self._buffer = self._buffer, deque()
                self._buffered = 0
            n = 0
            if batch:
                started = time.perf_counter()
                try:
                    n = self._write(batch)
                except Exception:
                    lost = sum(len(e[1]) for e in batch)
                    log.exception("monitoring: could not write %d rows to the store; they are dropped", lost)
                    for e in batch:
                        self.listener.dropped(e[0].name, len(e[1]))
                    raise
                self.listener.flushed(n, time.perf_counter() - started)
            if refresh:
                self.refresh()
            return n

    def _write(self, batch: deque[_Entry]) -> int:
        groups: dict[tuple[str, int, float], list[_Entry]] = {}
        for e in batch:
            key = (e[0].name, e[0].version, window_start(e[4], self.config.window_seconds))
            groups.setdefault(key, []).append(e)
        records: list[tuple[Any, ...]] = []
        sketches: list[tuple[tuple[str, int, float], LiveProfile]] = []
        for key, entries in groups.items():
            records += self._records(entries)
            sketch = self._sketch(entries)
            if sketch is not None:
                sketches.append((key, sketch))
        with self.store.write() as conn:
            erased = erased_subjects(conn, self.store.settings, {r[4] for r in records})
            if erased:  # an erasure of these subjects has begun: their rows are not stored
                records = [r for r in records if r[4] not in erased]
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            sql = (
                f"INSERT INTO {prediction_log.name} ({', '.join(_LOG_COLUMNS)}) "
                f"VALUES ({', '.join([mark] * len(_LOG_COLUMNS))})"
            )
            for i in range(0, len(records), 5000):  # the driver's executemany: no per-row SQLAlchemy work
                conn.exec_driver_sql(sql, records[i : i + 5000])
            for (name, version, start), sketch in sketches:
                self._add_window(conn, name, version, start, sketch)
        return len(records)

    def _records(self, entries: list[_Entry]) -> list[tuple[Any, ...]]:
        """One ``prediction_log`` row per buffered row, as a tuple in ``_LOG_COLUMNS`` order."""
        model = entries[0][0]
        rows = [r for e in entries for r in e[1]]
        raw = np.concatenate([e[2] for e in entries], axis=0)
        target = model.predictor.schema.target
        preds = prediction_json(raw, target)
        shadow_version, shadow = self._shadow(model.name, rows)
        subject = model.predictor.schema.subject_column
        dumps = json.JSONEncoder(separators=(",", ":"), default=str).encode
        log_inputs = self.config.log_inputs
        name, version = model.name, model.version
        out: list[tuple[Any, ...]] = []
        i = 0
        for _, erows, _, start, t, _ in entries:
            created = _iso(t)
            for pid in self._ids(start, len(erows)):
                row = rows[i]
                sid = row.get(subject) if subject else None
                out.append(
                    (
                        pid,
                        name,
                        version,
                        created,
                        None if sid is None else str(sid),
                        dumps(row) if log_inputs else None,
                        preds[i],
                        shadow_version if shadow and shadow[i] is not None else None,
                        shadow[i] if shadow else None,
                    )
                )
                i += 1
        return out

    def _shadow(self, name: str, rows: list[Mapping[str, Any]]) -> tuple[int | None, list[str | None] | None]:
        """The shadow model's prediction of each row (None for rows it cannot predict)."""
        shadow = self.shadow_of(name)
        if shadow is None:
            return None, None
        target = shadow.predictor.schema.target
        try:
            return shadow.version, list(prediction_json(shadow.fast.predict_raw(rows), target))
        except Exception:  # a row the shadow cannot read: try the rows one by one
            out: list[str | None] = []
            for row in rows:
                try:
                    out.append(prediction_json(shadow.fast.predict_raw([row]), target)[0])
                except Exception:
                    out.append(None)
            failed = sum(v is None for v in out)
            log.warning("monitoring: the shadow model of %s could not predict %d of %d rows", name, failed, len(rows))
            self.listener.shadow_failed(name, failed)
            return shadow.version, out

    def _sketch(self, entries: list[_Entry]) -> LiveProfile | None:
        model = entries[0][0]
        profile = model.predictor.profile
        if profile is None:
            return None
        raw = np.concatenate([e[2] for e in entries], axis=0)
        typed = [e[5] for e in entries]
        if all(c is not None for c in typed):
            frame = pd.DataFrame(
                {n: np.concatenate([c[n] for c in typed if c is not None]) for n, _ in model.fast.features}
            )
        else:
            frame = model.columns([r for e in entries for r in e[1]])
        values = {f.name: feature_values(frame, f.name, f.role) for f in profile.features if f.name in frame}
        preds = {k: v for k, (_, v) in prediction_values(raw, model.predictor.schema.target).items()}
        sketch = LiveProfile(profile, sample_size=self.config.sample_size)
        sketch.add(values, preds, n_rows=len(raw), rng=self._rng)
        return sketch

    def _add_window(self, conn: Connection, name: str, version: int, start: float, sketch: LiveProfile) -> None:
        lp = live_profiles.c
        begin = _iso(start)
        found = conn.execute(
            select(lp.id, lp.payload_json).where(lp.model_name == name, lp.version == version, lp.window_start == begin)
        ).first()
        now = _iso(self.clock.now())
        if found is None:
            conn.execute(
                insert(live_profiles).values(
                    model_name=name,
                    version=version,
                    window_start=begin,
                    window_end=_iso(start + self.config.window_seconds),
                    n_rows=sketch.n_rows,
                    payload_json=json.dumps(sketch.to_json()),
                    created_at=now,
                )
            )
            return
        try:
            stored = LiveProfile.from_json(json.loads(found.payload_json), sketch.reference)
            stored.merge(sketch, self._rng)
        except ValueError:
            log.warning(
                "monitoring: %s version %s has a new reference profile; window %s restarts", name, version, begin
            )
            stored = sketch
        conn.execute(
            update(live_profiles)
            .where(lp.id == found.id)
            .values(n_rows=stored.n_rows, payload_json=json.dumps(stored.to_json()))
        )

    # ---- status ----------------------------------------------------------------------------------
    def refresh(self) -> list[ModelStatus]:
        """Each served model's status from the store, handed to the listener and returned."""
        out = []
        for model in self.models():
            try:
                status = self.status_of(model)
            except Exception:
                log.exception("monitoring: cannot compute the status of model %s", model.name)
                continue
            self.listener.status(status)
            out.append(status)
        return out

    def status_of(self, model: MonitoredVersion) -> ModelStatus:
        """Drift of ``model``'s latest window and its metric on feedback received in the last window."""
        predictor = model.predictor
        lp = live_profiles.c
        since = _iso(self.clock.now() - self.config.window_seconds)
        with self.store.read() as conn:
            latest = conn.execute(
                select(lp.window_start, lp.payload_json)
                .where(lp.model_name == model.name, lp.version == model.version)
                .order_by(lp.window_start.desc())
                .limit(1)
            ).first()
            scored = feedback_rows(conn, model.name, model.version, received_since=since)
        drift = None
        if latest is not None and predictor.profile is not None:
            try:
                sketch = LiveProfile.from_json(json.loads(latest.payload_json), predictor.profile)
                drift = sketch.drift(self.config.thresholds, model=model.name)
            except ValueError:
                drift = None
        target = predictor.schema.target
        scorer = scorer_for(predictor.metric, target.task)
        value = score_pairs([s[2] for s in scored], [s[1] for s in scored], target, scorer)
        cv = predictor.info.get("cv_score")
        cv = float(cv) if cv is not None else None
        return ModelStatus(
            model=model.name,
            version=model.version,
            window_start=latest.window_start if latest is not None else None,
            drift=drift,
            metric=scorer.name,
            cv_score=cv,
            performance=value,
            feedback_rows=len(scored),
            gap=gap_of(value, cv, scorer.greater_is_better),
        )

    # ---- background loop -------------------------------------------------------------------------
    async def run(self) -> None:
        """Flush every ``flush_seconds`` in a worker thread, forever (cancel to stop).

        The flusher shares the interpreter lock with the request threads; the process's switch
        interval is lowered to ``SWITCH_INTERVAL_S`` (from Python's 5 ms) so that a request waits at
        most that long behind a flush for its turn, which keeps the latency tail short."""
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
        while True:
            await asyncio.sleep(self.config.flush_seconds)
            try:
                await asyncio.to_thread(self.flush)
            except Exception:  # logged in flush; keep monitoring
                continue
