"""The model zoo: one module per family, each declaring its search space and default configs."""

from forgeml.models import catboost, forest, knn, lightgbm, linear, mlp, xgboost  # noqa: F401  registers families
from forgeml.models._base import Model, TaskInfo
from forgeml.models._registry import available_families, get_family, register

__all__ = ["Model", "TaskInfo", "available_families", "get_family", "register"]
