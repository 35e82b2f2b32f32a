"""Model families registered under a unique key."""

from __future__ import annotations

from forgeml.errors import ConfigError
from forgeml.models._base import Model

_FAMILIES: dict[str, type[Model]] = {}


def register(cls: type[Model]) -> type[Model]:
    """Class decorator: make a family available under ``cls.family``."""
    if cls.family in _FAMILIES and _FAMILIES[cls.family] is not cls:
        raise ConfigError(f"model family {cls.family!r} is registered twice.")
    _FAMILIES[cls.family] = cls
    return cls


def get_family(name: str) -> type[Model]:
    """The model class registered as ``name``.

    Example:
        >>> get_family("lightgbm").encoding
        'native'
    """
    _ensure_loaded()
    if name not in _FAMILIES:
        raise ConfigError(f"'family' must be one of {', '.join(sorted(_FAMILIES))}, got {name!r}.")
    return _FAMILIES[name]


def available_families() -> list[str]:
    """Names of every registered family, in the order they were registered."""
    _ensure_loaded()
    return list(_FAMILIES)


def _ensure_loaded() -> None:
    import forgeml.models  # noqa: F401  (registers the built-in families)
