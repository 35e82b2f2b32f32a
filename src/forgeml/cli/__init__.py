"""The ``forgeml`` command line."""

from forgeml.cli import _audit, _models, _monitor, _predict, _serve, _train  # noqa: F401  (registers commands)
from forgeml.cli._app import app


def main() -> None:
    """Entry point of the ``forgeml`` console script."""
    app()


__all__ = ["app", "main"]
