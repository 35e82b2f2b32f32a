"""Helpers shared by the registry modules: name checks, the store to use, JSON columns."""

from __future__ import annotations

import json
import re
from typing import Any

from forgeml.errors import ConfigError
from forgeml.store import Store, default_store

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,199}$")


def check_name(value: str, what: str) -> str:
    """``value`` if it is a valid model, dataset or alias name, else :class:`ConfigError`.

    Example:
        >>> check_name("churn-v2", "model name")
        'churn-v2'
    """
    if not isinstance(value, str) or not _NAME.match(value) or value.isdigit():
        raise ConfigError(
            f"'{what}' must start with a letter or digit and hold only letters, digits, '_', '.' or '-' "
            f"(not only digits, at most 200 characters), got {value!r}."
        )
    return value


def store_or_default(store: Store | None) -> Store:
    return store if store is not None else default_store()


def loads(text: str | None) -> Any:
    return json.loads(text) if text else {}
