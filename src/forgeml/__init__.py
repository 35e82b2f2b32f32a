"""forgeml: AutoML for tabular data, from a table to a cross-validated, time-budgeted ensemble.

Example:
    >>> from forgeml import AutoML
    >>> model = AutoML(time_limit="1m").fit("train.csv", target="y")   # doctest: +SKIP
    >>> model.leaderboard()                                           # doctest: +SKIP
"""

from forgeml._version import __version__
from forgeml.automl import AutoClassifier, AutoML, AutoRegressor, ProgressEvent
from forgeml.config import RunConfig
from forgeml.errors import (
    BudgetError,
    ConfigError,
    DataError,
    DependencyError,
    ForgeError,
    ModelFormatError,
    NotFittedError,
    NotFoundError,
    SchemaError,
    TargetError,
)
from forgeml.evaluation import evaluate, explain
from forgeml.governance import erase_subject
from forgeml.metrics import Scorer, make_scorer
from forgeml.registry import load
from forgeml.retraining import retrain, rollback

__all__ = [
    "AutoClassifier",
    "AutoML",
    "AutoRegressor",
    "BudgetError",
    "ConfigError",
    "DataError",
    "DependencyError",
    "ForgeError",
    "ModelFormatError",
    "NotFittedError",
    "NotFoundError",
    "ProgressEvent",
    "RunConfig",
    "SchemaError",
    "Scorer",
    "TargetError",
    "__version__",
    "erase_subject",
    "evaluate",
    "explain",
    "load",
    "make_scorer",
    "retrain",
    "rollback",
]
