"""Retraining: full and incremental challengers, the champion/challenger gate, rollback and triggers.

Example:
    >>> from forgeml.retraining import retrain, rollback
    >>> result = retrain("churn", "fresh.csv", mode="incremental")   # doctest: +SKIP
    >>> result.decision, result.reason                               # doctest: +SKIP
    ('rejected', 'challenger not better than the champion by more than the margin: ...')
    >>> rollback("churn").version                                    # doctest: +SKIP
    1
"""

from forgeml.retraining._gate import GateResult, paired_bootstrap, revalidate
from forgeml.retraining._incremental import continue_predictor
from forgeml.retraining._promotion import CHALLENGER, CHAMPION, rollback
from forgeml.retraining._retrain import MODES, RetrainResult, fresh_dataset_name, retrain, split_recent
from forgeml.retraining._schema_changes import SchemaChanges, TypeChange, compare_schema
from forgeml.retraining._triggers import PerformanceFigures, TriggerDecision, performance_from, should_retrain
from forgeml.retraining._watch import WatchEvent, new_files, tick, watch

__all__ = [
    "CHALLENGER",
    "CHAMPION",
    "MODES",
    "GateResult",
    "PerformanceFigures",
    "RetrainResult",
    "SchemaChanges",
    "TriggerDecision",
    "TypeChange",
    "WatchEvent",
    "compare_schema",
    "continue_predictor",
    "fresh_dataset_name",
    "new_files",
    "paired_bootstrap",
    "performance_from",
    "retrain",
    "revalidate",
    "rollback",
    "should_retrain",
    "split_recent",
    "tick",
    "watch",
]
