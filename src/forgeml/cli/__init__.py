"""The ``forgeml`` command line."""

from forgeml.cli import _predict, _train  # noqa: F401  (registers commands)
from forgeml.cli._app import app


def main() -> None:
    """Entry point of the ``forgeml`` console script."""
    app()


__all__ = ["app", "main"]
