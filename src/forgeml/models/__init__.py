"""The model zoo: one module per family, each declaring its search space and default configs."""

import importlib.util

from forgeml.models import catboost, forest, knn, lightgbm, linear, mlp, xgboost  # noqa: F401  registers families
from forgeml.models._base import Model, TaskInfo
from forgeml.models._registry import available_families, get_family, register

if importlib.util.find_spec("torch") is not None:  # the optional ``nn`` extra
    from forgeml.models import torch_mlp  # noqa: F401  registers the family

__all__ = ["Model", "TaskInfo", "available_families", "get_family", "register"]
