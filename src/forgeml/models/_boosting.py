"""Round-count rules shared by the gradient-boosting families (LightGBM, XGBoost, CatBoost)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forgeml.errors import check_param

#: Extra (non-searched) parameters every booster accepts: a cap on rounds and a fixed patience.
BOOSTER_EXTRA_PARAMS = ("max_rounds", "early_stopping_rounds")
DEFAULT_MAX_ROUNDS = 10_000


def patience(learning_rate: float, params: Mapping[str, Any]) -> int:
    """Early-stopping patience: ``early_stopping_rounds`` if given, else scaled with the learning
    rate (slow learners wait longer), between 20 and 200 rounds."""
    given = params.get("early_stopping_rounds")
    if given is not None:
        check_param(isinstance(given, int) and given >= 1, "early_stopping_rounds", "an integer >= 1", given)
        return int(given)
    return int(min(200, max(20, round(2.5 / learning_rate))))


def max_rounds(params: Mapping[str, Any]) -> int:
    """The most boosting rounds any fit may run (``max_rounds``, default 10000)."""
    cap = params.get("max_rounds", DEFAULT_MAX_ROUNDS)
    check_param(isinstance(cap, int) and cap >= 1, "max_rounds", "an integer >= 1", cap)
    return int(cap)


def planned_rounds(
    learning_rate: float, params: Mapping[str, Any], has_validation: bool, n_iterations: int | None
) -> int:
    """How many rounds to plan for.

    ``n_iterations`` (a refit) is exact. With validation data, early stopping ends the fit, so
    the cap is ``max_rounds``. Without either, a fit cannot know when to stop: it runs
    ``20 / learning_rate`` rounds (400 at 0.05), a conservative budget, capped by ``max_rounds``.
    """
    cap = max_rounds(params)
    if n_iterations is not None:
        check_param(
            isinstance(n_iterations, int) and n_iterations >= 1, "n_iterations", "an integer >= 1", n_iterations
        )
        return int(n_iterations)
    if has_validation:
        return cap
    return int(min(cap, max(50, round(20 / learning_rate))))
