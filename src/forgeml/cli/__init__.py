"""The ``forgeml`` command line."""

from forgeml.cli import _audit, _card, _erase, _explain, _models, _monitor, _predict, _report, _retrain, _serve, _train  # noqa: F401  (registers commands)
from forgeml.cli._app import app


def main() -> None:
    """Entry point of the ``forgeml`` console script."""
    app()


__all__ = ["app", "main"]
