"""One training run: prepare, search, ensemble, refit on all rows, assemble the predictor."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from forgeml._clock import Clock, SystemClock
from forgeml.automl._events import EventSink, ProgressEvent
from forgeml.automl._prepare import Prepared, prepare
from forgeml.config import RunConfig
from forgeml.data import DataProfile, Schema, profile_frame
from forgeml.ensemble import blend, greedy_ensemble
from forgeml.errors import BudgetError, ForgeError
from forgeml.features import FeaturePipeline
from forgeml.metrics import Scorer, default_metric, get_scorer
from forgeml.models import Model
from forgeml.predictor import Member, Predictor
from forgeml.search import (
    Budget,
    Chain,
    Executor,
    FoldPruner,
    GridSearch,
    OptunaSearch,
    Portfolio,
    Scheduler,
    SearchSettings,
    Task,
    TrialRecord,
    make_executor,
    portfolio_order,
)

MAX_CANDIDATES = 25
_Choice = tuple[list["TrialRecord"], dict[int, float], float]  # candidates, member weights by index, CV score


class _Progress:
    def __init__(self, sink: EventSink | None, budget: Budget, scorer: Scorer | None = None):
        self.sink, self.budget, self.scorer = sink, budget, scorer
        self.done = 0
        self.best: TrialRecord | None = None

    def phase(self, message: str) -> None:
        self._emit("phase", message)

    def trial(self, r: TrialRecord) -> None:
        self.done += 1
        if (
            r.status == "complete"
            and self.scorer
            and (self.best is None or self.scorer.better(r.score, self.best.score))
        ):
            self.best = r
        msg = f"{r.name} {r.status}" + (f" {r.score:.5g}" if r.status == "complete" else "")
        self._emit("trial", msg, {"trial": r.name, "status": r.status, "score": r.score})

    def _emit(self, kind: str, message: str, detail: dict[str, Any] | None = None) -> None:
        if self.sink is None:
            return
        left = self.budget.left()
        self.sink(
            ProgressEvent(
                kind,
                message,
                self.budget.elapsed(),
                None if left == float("inf") else max(0.0, left),
                self.done,
                None if self.best is None else self.best.score,
                None if self.best is None else self.best.name,
                detail,
            )
        )


def train(
    source: Any, target: str, config: RunConfig, *, clock: Clock | None = None, on_event: EventSink | None = None
) -> Predictor:
    """Train an ensemble on ``source`` (path or DataFrame) predicting ``target`` within the budget."""
    clock = clock or SystemClock()
    budget = Budget(clock, clock.now(), config.effective_time_limit)
    progress = _Progress(on_event, budget)
    executor = make_executor(config.executor, config.workers)
    try:
        progress.phase("reading data and inferring the schema")
        select_deadline = None if budget.limit is None else budget.start + 0.1 * budget.limit
        prep = prepare(source, target, config, select_deadline)
        scorer = get_scorer(config.metric or default_metric(prep.schema.target.task), prep.schema.target.task)
        progress.scorer = scorer
        if budget.left() < 1.0:
            raise BudgetError(
                f"time limit of {budget.limit:g} s leaves {max(0.0, budget.left()):.1f} s for models after "
                f"{budget.elapsed():.1f} s of reading and preparing the data; give a longer --time-limit."
            )
        with tempfile.TemporaryDirectory(prefix="forgeml-") as tmp:
            data_dir = Path(tmp) / "data"
            prep.data.save(data_dir)
            prep.timings["prepare"] = budget.elapsed()
            records, feature_set, choice = _search(prep, config, scorer, executor, budget, progress, str(data_dir))
            prep.timings["search"] = budget.elapsed() - prep.timings["prepare"] - prep.timings.get("ensemble", 0.0)
            predictor = _finish(
                prep, config, scorer, executor, budget, progress, records, feature_set, choice, str(data_dir), Path(tmp)
            )
    except BaseException:
        executor.abort()  # a bad input fails at once, not after the workers finish starting
        raise
    executor.shutdown()
    return predictor


def _search(
    prep: Prepared,
    config: RunConfig,
    scorer: Scorer,
    executor: Executor,
    budget: Budget,
    progress: _Progress,
    data_dir: str,
) -> tuple[list[TrialRecord], str | None, _Choice | None]:
    progress.phase("searching models")
    text_heavy = bool(prep.schema.by_role("text"))
    selected = "selected" if "selected" in prep.data.column_sets else None
    portfolio = Portfolio(portfolio_order(prep.families, text_heavy=text_heavy), scorer, selected)
    strategy: OptunaSearch | GridSearch = (
        GridSearch(prep.families)
        if config.search == "grid"
        else OptunaSearch(
            prep.families, scorer, kind=config.search, seed=config.seed, top_k=3 if config.search == "bayes" else None
        )
    )
    limit = config.memory_limit or int(psutil.virtual_memory().available * 0.8)
    data_bytes = sum(getattr(X, "nbytes", 0) or X.data.nbytes for X in prep.data.matrices.values())
    settings = SearchSettings(
        max_trials=config.max_trials,
        ordered=config.max_trials is not None and config.time_limit is None,
        seed=config.seed,
        memory_per_worker=max(1, (limit - data_bytes) // executor.max_workers),
        debug=config.debug,
    )
    if limit - data_bytes <= 0:
        raise BudgetError(
            f"the training data alone needs {data_bytes / 2**20:.0f} MB, more than the memory limit "
            f"of {limit / 2**20:.0f} MB; raise --memory-limit or sample the data."
        )
    scheduler = Scheduler(
        data=prep.data,
        data_dir=data_dir,
        proposer=Chain(portfolio, strategy),
        executor=executor,
        scorer=scorer,
        budget=budget,
        settings=settings,
        pruner=FoldPruner(scorer) if config.prune else None,
        on_trial=progress.trial,
    )
    records = scheduler.run()
    choice = _search_on(scheduler, records, prep, config, scorer, budget)
    prep.selection["applied"] = portfolio.feature_set == "selected"
    return scheduler.records, portfolio.feature_set, choice


def _search_on(
    scheduler: Scheduler, records: list[TrialRecord], prep: Prepared, config: RunConfig, scorer: Scorer, budget: Budget
) -> _Choice | None:
    """The reserve kept during the search is sized for refitting the best few trials; once the
    ensemble is chosen it is usually smaller. When that frees a worthwhile share of the budget
    (5%, at least 10 s), search on in it once, and the ensemble is chosen again at the end.
    Returns the ensemble when it stands (no second round), else ``None``."""
    if budget.limit is None or scheduler.exhausted or not any(r.status == "complete" for r in records):
        return None
    t0 = budget.elapsed()
    choice = _choose_members(records, prep, config, scorer)
    seconds = budget.elapsed() - t0
    prep.timings["ensemble"] = seconds
    candidates, weights, _ = choice
    freed = scheduler.extend([candidates[i] for i in weights], seconds)
    if freed < max(10.0, 0.05 * budget.limit):
        return choice
    prep.timings["search_on"] = freed
    scheduler.run()
    return None


def _no_model_error(records: list[TrialRecord], budget: Budget) -> ForgeError:
    failed = [r for r in records if r.status == "failed" and r.error]
    if budget.limit is not None and (
        not records or all("time limit" in (r.error or "") or "deadline" in (r.error or "") for r in failed)
    ):
        return BudgetError(
            f"the time limit of {budget.limit:g} s was too short to finish even one model on this data "
            f"(ran {len(records)} trial(s)); give a longer --time-limit, e.g. {max(30, int(budget.limit * 4))}s."
        )
    reasons = "; ".join(f"{r.name}: {r.error}" for r in records[:3] if r.error) or "no trial ran"
    if failed and all("memory" in (r.error or "") for r in failed):
        return BudgetError(f"every model ran out of its memory share; raise --memory-limit. First reasons: {reasons}")
    cls = BudgetError if all(r.status == "skipped" for r in records) else ForgeError
    return cls(f"no model could be trained. First reasons: {reasons}")


def _choose_members(records: list[TrialRecord], prep: Prepared, config: RunConfig, scorer: Scorer) -> _Choice:
    complete = sorted(
        (r for r in records if r.status == "complete"), key=lambda r: r.score, reverse=scorer.greater_is_better
    )[:MAX_CANDIDATES]
    covered = np.ones(prep.data.n_rows, dtype=bool)
    for r in complete:
        assert r.oof is not None
        covered &= ~np.isnan(r.oof.reshape(len(r.oof), -1)).any(axis=1)
    if not config.ensemble or len(complete) == 1:
        return complete, {0: 1.0}, complete[0].score
    oofs = [r.oof for r in complete if r.oof is not None]
    result = greedy_ensemble(oofs, prep.data.y, scorer, rows=np.flatnonzero(covered))
    blended = blend([oofs[i] for i in result.weights], list(result.weights.values()))
    score = _fold_mean(blended, prep, scorer)
    if len(result.weights) == 1 or not scorer.better(score, complete[0].score):
        return complete, {0: 1.0}, complete[0].score  # the blend does not beat the best model fold for fold
    return complete, result.weights, score


def _fold_scores(pred: np.ndarray, prep: Prepared, scorer: Scorer) -> list[float]:
    """Scores per validation fold, averaged like every trial's score (not pooled)."""
    return [scorer.score(prep.data.y[va], pred[va]) for _, va in prep.data.folds if not np.isnan(pred[va]).any()]


def _fold_mean(pred: np.ndarray, prep: Prepared, scorer: Scorer) -> float:
    return float(np.mean(_fold_scores(pred, prep, scorer)))


def _finish(
    prep: Prepared,
    config: RunConfig,
    scorer: Scorer,
    executor: Executor,
    budget: Budget,
    progress: _Progress,
    records: list[TrialRecord],
    feature_set: str | None,
    choice: _Choice | None,
    data_dir: str,
    tmp: Path,
) -> Predictor:
    if not any(r.status == "complete" for r in records):
        raise _no_model_error(records, budget)
    progress.phase("building the ensemble")
    if choice is None:
        t0 = budget.elapsed()
        choice = _choose_members(records, prep, config, scorer)
        prep.timings["ensemble"] = prep.timings.get("ensemble", 0.0) + budget.elapsed() - t0
    candidates, weights, ens_score = choice
    progress.phase("refitting the ensemble on all rows")
    chosen = [(candidates[i], w) for i, w in weights.items()]
    t0 = budget.elapsed()
    models = _refit(chosen, prep, config, executor, budget, data_dir, tmp)
    prep.timings["refit"] = budget.elapsed() - t0
    prep.timings["reserve_at_end_of_search"] = budget.reserve
    schema, pipelines, members = _assemble(prep, chosen, models, config.seed)
    leaderboard = _leaderboard(records, chosen, ens_score, prep, scorer, models)
    info = {
        "config": config.to_json(),
        "cv_score": ens_score if len(chosen) > 1 else chosen[0][0].score,
        "n_rows": int(prep.data.n_rows),
        "n_rows_dropped_missing_target": prep.n_dropped_target,
        "feature_selection": prep.selection,
        "fit_seconds": budget.elapsed(),
        "timings": {k: round(v, 3) for k, v in prep.timings.items()},
        "trials": {s: sum(r.status == s for r in records) for s in ("complete", "pruned", "failed", "skipped")},
    }
    t0 = budget.elapsed()
    profile = _reference_profile(prep, schema, chosen, models, config.seed)
    prep.timings["profile"] = budget.elapsed() - t0
    info["timings"] = {k: round(v, 3) for k, v in prep.timings.items()}
    progress.phase("done")
    return Predictor(schema, pipelines, members, scorer.name, leaderboard, info, profile)


def _reference_profile(
    prep: Prepared, schema: Schema, chosen: list[tuple[TrialRecord, float]], models: dict[str, Model], seed: int
) -> DataProfile:
    """The training data's profile with the out-of-fold predictions of the refitted members,
    blended with their weights (the best trial's alone when only one was kept)."""
    kept = [(r, w) for r, w in chosen if r.name in models and r.oof is not None]
    oof = None
    if kept:
        oofs = [r.oof for r, _ in kept if r.oof is not None]
        total = sum(w for _, w in kept)
        oof = oofs[0] if len(oofs) == 1 else blend(oofs, [w / total for _, w in kept])
    return profile_frame(prep.frame[schema.feature_names], schema, predictions=oof, seed=seed)


def _refit(
    chosen: list[tuple[TrialRecord, float]],
    prep: Prepared,
    config: RunConfig,
    executor: Executor,
    budget: Budget,
    data_dir: str,
    tmp: Path,
) -> dict[str, Model]:
    futures = []
    deadline = None
    if budget.end is not None and budget.limit is not None:
        # A refit cut short is a much weaker model: allow a bounded overrun (within 5% + 5 s).
        deadline = max(budget.end - 0.5, budget.clock.now() + min(4.0, 2.0 + 0.03 * budget.limit))
    # Longest first, so the slowest refit does not start last (estimated from the CV folds).
    for r, _ in sorted(chosen, key=lambda c: -c[0].mean_fold_fit_seconds):
        task = Task(
            data_dir,
            r.id,
            r.family,
            r.params,
            config.seed,
            None,
            deadline,
            r.feature_set,
            r.refit_iterations,
            str(tmp / "refit" / r.name),
            config.debug,
        )
        futures.append((r, executor.submit(task)))
    models: dict[str, Model] = {}
    for r, fut in futures:
        try:
            res = fut.result()
        except Exception as err:
            r.error = f"refit failed: {err}"
            continue
        if res.error is None:
            models[r.name] = Model.load(tmp / "refit" / r.name)
            prep.timings[f"refit {r.name}"] = res.fit_seconds
        else:
            r.error = f"refit failed: {res.error}"
    if not models:
        reasons = "; ".join(r.error or "" for r, _ in chosen)
        raise ForgeError(f"refitting the chosen models on all rows failed: {reasons}")
    return models


def _assemble(
    prep: Prepared, chosen: list[tuple[TrialRecord, float]], models: dict[str, Model], seed: int
) -> tuple[Schema, dict[str, FeaturePipeline], list[Member]]:
    """Members with normalised weights, and the pipelines they need. When every member uses the
    selected feature set, the dropped columns leave the schema, so prediction input need not have them."""
    kept = [(r, w) for r, w in chosen if r.name in models]
    total = sum(w for _, w in kept)
    encodings = {models[r.name].encoding for r, _ in kept}
    schema = prep.schema
    pipelines: dict[str, FeaturePipeline] = {e: p for e, p in prep.pipelines.items() if e in encodings}
    drop = prep.selection.get("proposed_drop") or []
    if drop and all(r.feature_set == "selected" for r, _ in kept):
        schema = prep.schema.drop_features(drop, "feature selection: importance did not beat a shuffled copy of itself")
        pipelines = {
            e: FeaturePipeline(schema, e, seed=seed).fit(prep.frame[schema.feature_names])  # type: ignore[arg-type]
            for e in encodings
        }
        same = all(
            pipelines[e].names_ == [prep.pipelines[e].names_[i] for i in prep.data.column_sets["selected"][e]]
            for e in encodings
        )
        if same:
            members = [Member(r.name, models[r.name], w / total, None) for r, w in kept]
            return schema, pipelines, members
        schema, pipelines = prep.schema, {e: p for e, p in prep.pipelines.items() if e in encodings}
    members = []
    for r, w in kept:
        cols = prep.data.column_sets[r.feature_set][models[r.name].encoding] if r.feature_set else None
        members.append(Member(r.name, models[r.name], w / total, cols))
    return schema, pipelines, members


def _leaderboard(
    records: list[TrialRecord],
    chosen: list[tuple[TrialRecord, float]],
    ens_score: float,
    prep: Prepared,
    scorer: Scorer,
    models: dict[str, Model],
) -> list[dict[str, Any]]:
    weight = {r.name: w for r, w in chosen if r.name in models}
    order = {"complete": 0, "pruned": 1, "failed": 2, "skipped": 3}
    rows = []
    if len(weight) > 1:
        members = [r for r, _ in chosen if r.name in weight]
        oof = blend([r.oof for r in members if r.oof is not None], [weight[r.name] for r in members])
        folds = _fold_scores(oof, prep, scorer)
        rows.append(
            {
                "model": "ensemble",
                "family": "ensemble",
                "status": "complete",
                "score": ens_score,
                "score_std": float(np.std(folds)) if len(folds) > 1 else 0.0,
                "fit_seconds": round(sum(r.fit_seconds for r in members), 3),
                "predict_seconds_per_1k": round(sum(r.predict_seconds_per_1k for r in members), 5),
                "weight": 1.0,
                "params": json.dumps({n: round(w, 4) for n, w in weight.items()}),
                "source": "ensemble",
                "features": "",
                "note": "",
            }
        )
    ranked = sorted(records, key=lambda r: (order[r.status], -r.score if scorer.greater_is_better else r.score))
    for r in ranked:
        rows.append(
            {
                "model": r.name,
                "family": r.family,
                "status": r.status,
                "score": None if np.isnan(r.score) else r.score,
                "score_std": r.score_std,
                "fit_seconds": round(r.fit_seconds, 3),
                "predict_seconds_per_1k": None
                if np.isnan(r.predict_seconds_per_1k)
                else round(r.predict_seconds_per_1k, 5),
                "weight": round(weight.get(r.name, 0.0), 4),
                "params": json.dumps(r.params, default=str),
                "source": r.source,
                "features": r.feature_set or "all",
                "note": r.error or "",
            }
        )
    return rows
