"""Search: proposers (portfolio, grid, random, Bayesian), the scheduler, executors, pruning."""

from forgeml.search._budget import Budget
from forgeml.search._dataset import TrainingData
from forgeml.search._executors import Executor, ProcessExecutor, SerialExecutor, make_executor
from forgeml.search._pruner import FoldPruner
from forgeml.search._samplers import Chain, GridSearch, OptunaSearch, Portfolio, Proposal, Proposer, portfolio_order
from forgeml.search._scheduler import Scheduler, SearchSettings
from forgeml.search._trial import TrialRecord
from forgeml.search._worker import Task, TaskResult, run_task

__all__ = [
    "Budget",
    "Chain",
    "Executor",
    "FoldPruner",
    "GridSearch",
    "OptunaSearch",
    "Portfolio",
    "ProcessExecutor",
    "Proposal",
    "Proposer",
    "Scheduler",
    "SearchSettings",
    "SerialExecutor",
    "Task",
    "TaskResult",
    "TrainingData",
    "TrialRecord",
    "make_executor",
    "portfolio_order",
    "run_task",
]
