"""Successive-halving pruning over folds: a trial goes on only while it ranks in the top
``1/eta`` of the trials that reached the same number of folds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from forgeml.metrics import Scorer
from forgeml.search._trial import TrialRecord


class FoldPruner:
    """Prune at the rungs (numbers of finished folds), comparing prefix means fold by fold.

    Example:
        >>> from forgeml.metrics import get_scorer
        >>> p = FoldPruner(get_scorer("rmse"), min_peers=1)
        >>> peer = TrialRecord(0, "knn", {}, "portfolio", fold_scores={0: 1.0})
        >>> p.should_prune(TrialRecord(1, "knn", {}, "bayes", fold_scores={0: 9.0}), [peer])
        True
    """

    def __init__(self, scorer: Scorer, eta: int = 3, rungs: Sequence[int] = (1, 3), min_peers: int = 4) -> None:
        self.scorer = scorer
        self.eta = eta
        self.rungs = tuple(rungs)
        self.min_peers = min_peers

    def should_prune(self, trial: TrialRecord, peers: Sequence[TrialRecord]) -> bool:
        for rung in sorted(self.rungs, reverse=True):
            mine = trial.prefix_mean(rung)
            if mine is None:
                continue
            values = [v for p in peers if p.id != trial.id and (v := p.prefix_mean(rung)) is not None]
            if len(values) < self.min_peers:
                return False
            q = 1.0 - 1.0 / self.eta if self.scorer.greater_is_better else 1.0 / self.eta
            threshold = float(np.quantile(values, q))
            return self.scorer.better(threshold, mine)
        return False
