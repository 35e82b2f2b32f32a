"""The model registry: datasets, model versions, aliases with history, lineage and model references.

Every change is written with its audit entry in one transaction (see ``forgeml.audit``).

Example:
    >>> import forgeml, forgeml.registry as registry                        # doctest: +SKIP
    >>> automl = forgeml.AutoML(max_trials=3).fit("train.csv", target="y")  # doctest: +SKIP
    >>> registry.register(automl, "churn", data="train.csv", alias="champion").ref  # doctest: +SKIP
    'churn@1'
    >>> registry.load_model("churn@champion").predict(rows)                 # doctest: +SKIP
"""

from forgeml.registry._aliases import alias_at, alias_history_of, remove_alias, set_alias
from forgeml.registry._datasets import dataset_bytes, get_dataset, list_datasets, read_dataset, register_dataset
from forgeml.registry._entities import AliasMove, AuditRecord, DatasetVersion, ModelSummary, ModelVersion
from forgeml.registry._models import (
    BEFORE_COMMIT_HOOKS,
    delete_version,
    get_version,
    list_models,
    list_versions,
    register_version,
)
from forgeml.registry._refs import DEFAULT_ALIAS, load_model, parse_ref, resolve_model_path, resolve_version
from forgeml.registry._register import library_versions, register

load = load_model

__all__ = [
    "BEFORE_COMMIT_HOOKS",
    "DEFAULT_ALIAS",
    "AliasMove",
    "AuditRecord",
    "DatasetVersion",
    "ModelSummary",
    "ModelVersion",
    "alias_at",
    "alias_history_of",
    "dataset_bytes",
    "delete_version",
    "get_dataset",
    "get_version",
    "library_versions",
    "list_datasets",
    "list_models",
    "list_versions",
    "load",
    "load_model",
    "parse_ref",
    "read_dataset",
    "register",
    "register_dataset",
    "register_version",
    "remove_alias",
    "resolve_model_path",
    "resolve_version",
    "set_alias",
]
