"""Proposers: the portfolio of strong defaults, then grid, random or Bayesian (TPE) search.

Ask/tell: a proposer suggests the next configuration; the scheduler owns time, order and
parallelism and tells the proposer how each trial ended.
"""

from __future__ import annotations

import itertools
import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import optuna

from forgeml.metrics import Scorer
from forgeml.models import Model
from forgeml.search._trial import TrialRecord

optuna.logging.set_verbosity(optuna.logging.WARNING)

# Prior expected gain of a family's first default on tabular data (from the AutoML literature:
# gradient-boosted trees lead, then forests, then linear and k-NN); divided by cost to order.
_GAIN = {
    "lightgbm": 1.0,
    "catboost": 0.97,
    "xgboost": 0.93,
    "extra_trees": 0.75,
    "random_forest": 0.72,
    "linear": 0.6,
    "knn": 0.35,
    "mlp": 0.5,  # rarely the best alone on tables, but a different learner the ensemble gains from
    "torch_mlp": 0.9,  # batch norm and a one-cycle schedule: alone the best on letter, in seconds
}


@dataclass
class Proposal:
    family: str
    params: dict[str, Any]
    source: str
    feature_set: str | None = None
    handle: Any = field(default=None)


class Proposer(ABC):
    """Suggests configurations one at a time."""

    @abstractmethod
    def ask(self) -> Proposal | None:
        """The next configuration, or ``None`` when this proposer has nothing more."""

    def tell(self, record: TrialRecord) -> None:  # noqa: B027  (optional hook)
        """Learn how a trial it (or another proposer) proposed ended."""


def portfolio_order(families: Sequence[type[Model]], *, text_heavy: bool = False) -> list[tuple[str, dict[str, Any]]]:
    """Every family's defaults ordered by expected gain per second (gain halves per extra default).

    Example:
        >>> from forgeml.models import get_family
        >>> [f for f, _ in portfolio_order([get_family("knn"), get_family("lightgbm")])][0]
        'lightgbm'
    """
    scored = []
    for fam in families:
        gain = _GAIN.get(fam.family, 0.5) * (2.0 if text_heavy and fam.family == "linear" else 1.0)
        for i, params in enumerate(fam.defaults):
            scored.append((gain * 0.5**i / math.sqrt(fam.relative_cost), fam.family, dict(params)))
    scored.sort(key=lambda t: -t[0])
    return [(f, p) for _, f, p in scored]


class Portfolio(Proposer):
    """Strong default configurations first. When feature selection proposed drops, the first
    configuration is also tried on the selected set and the better set is used from then on."""

    def __init__(self, configs: Sequence[tuple[str, dict[str, Any]]], scorer: Scorer, selected: str | None = None):
        self._queue = list(configs)
        self._scorer = scorer
        self._selected = selected
        self.feature_set: str | None = None
        self._probe: dict[str | None, float] = {}
        if selected and self._queue:
            first = self._queue[0]
            self._queue.insert(1, first)
            self._probe_ids: list[int] = []
        self._asked = 0

    def ask(self) -> Proposal | None:
        if not self._queue:
            return None
        family, params = self._queue.pop(0)
        fs = self.feature_set
        if self._selected and self._asked < 2:
            fs = self._selected if self._asked == 1 else None
        self._asked += 1
        return Proposal(family, params, "portfolio", fs)

    def tell(self, record: TrialRecord) -> None:
        if not self._selected or record.source != "portfolio" or len(self._probe) >= 2:
            return
        if record.id < 2:
            self._probe[record.feature_set] = record.score if record.status == "complete" else self._scorer.worst()
            if len(self._probe) == 2:
                sel, full = self._probe[self._selected], self._probe[None]
                self.feature_set = self._selected if not self._scorer.better(full, sel) else None


class OptunaSearch(Proposer):
    """Random or TPE search over the families' typed spaces (one Optuna study, family first)."""

    def __init__(self, families: Sequence[type[Model]], scorer: Scorer, *, kind: str, seed: int, top_k: int | None):
        self._families = {f.family: f for f in families}
        self._scorer = scorer
        self._kind = kind
        self._seed = seed
        self._top_k = top_k
        self._seen: list[TrialRecord] = []
        self._study: optuna.Study | None = None
        self.feature_set: str | None = None

    def _make_study(self) -> optuna.Study:
        names = list(self._families)
        if self._top_k:
            best: dict[str, float] = {}
            for r in self._seen:
                if r.status == "complete" and (r.family not in best or self._scorer.better(r.score, best[r.family])):
                    best[r.family] = r.score
            ranked = sorted(best, key=lambda f: best[f], reverse=self._scorer.greater_is_better)
            names = ranked[: self._top_k] or names
        self._names = names
        sampler: optuna.samplers.BaseSampler = (
            optuna.samplers.RandomSampler(seed=self._seed)
            if self._kind == "random"
            else optuna.samplers.TPESampler(seed=self._seed, n_startup_trials=max(4, 2 * len(names)))
        )
        study = optuna.create_study(direction=self._scorer.direction, sampler=sampler)
        for r in self._seen:
            self._add_known(study, r)
        return study

    def _add_known(self, study: optuna.Study, r: TrialRecord) -> None:
        fam = self._families.get(r.family)
        if fam is None or r.family not in self._names or r.status != "complete" or not fam.space.contains(r.params):
            return
        if set(r.params) != set(fam.space.names()):
            return
        params = {"family": r.family, **{f"{r.family}.{k}": v for k, v in r.params.items()}}
        dists = {
            "family": optuna.distributions.CategoricalDistribution(self._names),
            **fam.space.distributions(f"{r.family}."),
        }
        study.add_trial(optuna.trial.create_trial(params=params, distributions=dists, value=r.score))

    def ask(self) -> Proposal | None:
        if self._study is None:
            self._study = self._make_study()
        trial = self._study.ask()
        family = str(trial.suggest_categorical("family", self._names))
        params = self._families[family].space.suggest(trial, prefix=f"{family}.")
        return Proposal(family, params, self._kind, self.feature_set, handle=trial)

    def tell(self, record: TrialRecord) -> None:
        if record.handle is None:
            self._seen.append(record)
            if self._study is not None:
                self._add_known(self._study, record)
            return
        if self._study is None:
            return
        if record.status == "complete":
            self._study.tell(record.handle, record.score)
        elif record.status == "pruned":
            self._study.tell(record.handle, state=optuna.trial.TrialState.PRUNED)
        else:
            self._study.tell(record.handle, state=optuna.trial.TrialState.FAIL)


class GridSearch(Proposer):
    """Every family's grid (each value's grid points), families interleaved round robin."""

    def __init__(self, families: Sequence[type[Model]]):
        self._iters: list[Iterator[dict[str, Any]]] = [f.space.grid() for f in families]
        self._names = [f.family for f in families]
        self._cycle = itertools.cycle(range(len(self._iters)))
        self._done: set[int] = set()
        self._tried: set[tuple[str, str]] = set()
        self.feature_set: str | None = None

    def ask(self) -> Proposal | None:
        while len(self._done) < len(self._iters):
            i = next(self._cycle)
            if i in self._done:
                continue
            params = next(self._iters[i], None)
            if params is None:
                self._done.add(i)
                continue
            key = (self._names[i], repr(sorted(params.items())))
            if key in self._tried:
                continue
            self._tried.add(key)
            return Proposal(self._names[i], params, "grid", self.feature_set)
        return None

    def tell(self, record: TrialRecord) -> None:
        self._tried.add((record.family, repr(sorted(record.params.items()))))


class Chain(Proposer):
    """The portfolio, then the chosen strategy; the strategy learns from every trial."""

    def __init__(self, portfolio: Portfolio, strategy: OptunaSearch | GridSearch):
        self.portfolio = portfolio
        self.strategy = strategy

    def ask(self) -> Proposal | None:
        p = self.portfolio.ask()
        if p is not None:
            return p
        self.strategy.feature_set = self.portfolio.feature_set
        return self.strategy.ask()

    def tell(self, record: TrialRecord) -> None:
        self.portfolio.tell(record)
        self.strategy.tell(record)
