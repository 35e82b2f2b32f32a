"""The one ``forgeml`` logger. A library logs quietly: a NullHandler only.

Handlers are attached by the CLI and the server, never at import.
"""

from __future__ import annotations

import logging as _logging

_ROOT = "forgeml"
_logging.getLogger(_ROOT).addHandler(_logging.NullHandler())


def get_logger(name: str | None = None) -> _logging.Logger:
    """Return the ``forgeml`` logger or one of its children.

    Example:
        >>> get_logger("search").name
        'forgeml.search'
    """
    return _logging.getLogger(_ROOT if not name else f"{_ROOT}.{name}")


def set_verbosity(level: str) -> None:
    """Set the ``forgeml`` logger level by name: ``debug``, ``info``, ``warning`` or ``error``."""
    _logging.getLogger(_ROOT).setLevel(level.upper())
