"""One exception tree for forgeml.

Every error a user can cause is a :class:`ForgeError` subclass with a stable machine ``code``
and a message that says what must hold, what was received and what to do. The CLI prints the
message without a traceback; the server maps ``code`` to an HTTP status in one table.

Hierarchy::

    ForgeError
    ├── ConfigError          invalid parameter or option            (invalid_config)
    ├── DataError            unreadable, empty or unusable data     (invalid_data)
    │   ├── SchemaError      prediction input breaks the schema     (schema_mismatch)
    │   └── TargetError      target column missing or unusable      (invalid_target)
    ├── BudgetError          time or memory budget cannot be met    (budget_exceeded)
    ├── ModelFormatError     saved model cannot be loaded           (model_format)
    │   └── IntegrityError   a stored file's sha256 does not match  (integrity_violation)
    ├── ConflictError        the change conflicts with current state (conflict)
    ├── NotFoundError        a named thing does not exist           (not_found)
    ├── NotFittedError       used before fit                        (not_fitted)
    └── DependencyError      optional dependency missing            (missing_dependency)
"""

from __future__ import annotations

__all__ = [
    "BudgetError",
    "ConfigError",
    "ConflictError",
    "DataError",
    "DependencyError",
    "ForgeError",
    "IntegrityError",
    "ModelFormatError",
    "NotFittedError",
    "NotFoundError",
    "SchemaError",
    "TargetError",
]


class ForgeError(Exception):
    """Base of every error forgeml raises on purpose.

    Example:
        >>> try:
        ...     raise DataError("file 'x.csv' is empty; give a file with a header and rows")
        ... except ForgeError as err:
        ...     print(err.code)
        invalid_data
    """

    code = "forge_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(ForgeError, ValueError):
    """An option or parameter has an invalid value."""

    code = "invalid_config"


class DataError(ForgeError, ValueError):
    """Input data cannot be read or used."""

    code = "invalid_data"


class SchemaError(DataError):
    """Prediction-time input does not match the schema the model was trained on."""

    code = "schema_mismatch"


class TargetError(DataError):
    """The target column is missing or cannot be learned from."""

    code = "invalid_target"


class BudgetError(ForgeError):
    """The time or memory budget cannot fit the requested work."""

    code = "budget_exceeded"


class ModelFormatError(ForgeError):
    """A saved model cannot be loaded (missing files, bad hash, newer format)."""

    code = "model_format"


class IntegrityError(ModelFormatError):
    """A stored artifact does not match the sha256 recorded for it: it was corrupted or swapped.

    Example:
        >>> IntegrityError("file 'models/m/model.json' does not match its recorded sha256").code
        'integrity_violation'
    """

    code = "integrity_violation"


class ConflictError(ForgeError):
    """The requested change conflicts with the current state (e.g. deleting a version an alias points at)."""

    code = "conflict"


class NotFoundError(ForgeError, LookupError):
    """A named model, file or column does not exist."""

    code = "not_found"


class NotFittedError(ForgeError, AttributeError):
    """An estimator was used before ``fit``."""

    code = "not_fitted"


class DependencyError(ForgeError, ImportError):
    """An optional dependency is not installed."""

    code = "missing_dependency"


def check_param(condition: bool, name: str, must: str, got: object) -> None:
    """Raise :class:`ConfigError` with the one message template unless ``condition`` holds.

    Example:
        >>> check_param(3 >= 1, "max_trials", "an integer >= 1", 3)
    """
    if not condition:
        raise ConfigError(f"'{name}' must be {must}, got {got!r}.")
