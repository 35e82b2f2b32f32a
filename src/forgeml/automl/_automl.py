"""The facades: ``AutoML`` and ``load``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from forgeml._clock import Clock
from forgeml.automl._events import EventSink
from forgeml.automl._run import train
from forgeml.config import RunConfig, parse_duration, parse_memory
from forgeml.errors import NotFittedError
from forgeml.predictor import Predictor, load_predictor, save_predictor


class AutoML:
    """Find the most accurate model for a table within a time budget.

    Settings live in the constructor (one place); ``fit`` takes the data and the target column.
    ``subject_column`` names the column identifying the person each row is about: it is never a
    feature and stays in data registered with the model, so ``forgeml erase`` can find a person's
    rows. Columns that look like personal data (e-mail, phone, card number, national id, IP address,
    name) are left out of the features and listed in the notes, unless named in ``allow_pii``.

    Example:
        >>> from forgeml import AutoML
        >>> automl = AutoML(time_limit="1m", seed=0).fit("train.csv", target="churn")  # doctest: +SKIP
        >>> automl.leaderboard().head()                                                  # doctest: +SKIP
        >>> automl.predict(new_rows)                                                     # doctest: +SKIP
        >>> automl.save("churn-model")                                                   # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        task: str | None = None,
        metric: Any = None,
        time_limit: str | float | None = None,
        max_trials: int | None = None,
        search: str = "bayes",
        seed: int = 0,
        n_folds: int = 5,
        memory_limit: str | int | None = None,
        n_jobs: int | None = None,
        group_column: str | None = None,
        time_column: str | None = None,
        subject_column: str | None = None,
        allow_pii: Sequence[str] = (),
        column_types: Mapping[str, str] | None = None,
        families: Sequence[str] | None = None,
        feature_selection: str = "auto",
        ensemble: bool = True,
        executor: str = "process",
        on_event: EventSink | None = None,
        clock: Clock | None = None,
        debug: bool = False,
    ) -> None:
        self.config = RunConfig(
            task=task,
            metric=metric,
            time_limit=None if time_limit is None else parse_duration(time_limit),
            max_trials=max_trials,
            search=search,  # type: ignore[arg-type]
            seed=seed,
            n_folds=n_folds,
            memory_limit=None if memory_limit is None else parse_memory(memory_limit),
            n_jobs=n_jobs,
            group_column=group_column,
            time_column=time_column,
            subject_column=subject_column,
            allow_pii=tuple(allow_pii),
            column_types=dict(column_types or {}),
            families=tuple(families) if families else None,
            feature_selection=feature_selection,  # type: ignore[arg-type]
            ensemble=ensemble,
            executor=executor,  # type: ignore[arg-type]
            debug=debug,
        )
        self.on_event = on_event
        self.clock = clock
        self.predictor_: Predictor | None = None

    @classmethod
    def from_predictor(cls, predictor: Predictor) -> AutoML:
        self = cls()
        self.predictor_ = predictor
        return self

    def fit(self, data: Any, target: str) -> Self:
        """Train on ``data`` (a DataFrame or a CSV / CSV.gz / Parquet path) to predict ``target``."""
        self.predictor_ = train(data, target, self.config, clock=self.clock, on_event=self.on_event)
        return self

    @property
    def predictor(self) -> Predictor:
        if self.predictor_ is None:
            raise NotFittedError("this AutoML is not fitted yet; call fit(data, target=...) first.")
        return self.predictor_

    def predict(self, data: Any) -> np.ndarray:
        """Labels (classification) or values (regression) for every row of ``data``."""
        return self.predictor.predict(data)

    def predict_proba(self, data: Any) -> pd.DataFrame:
        """Class probabilities, one column per class."""
        return self.predictor.predict_proba(data)

    def leaderboard(self) -> pd.DataFrame:
        """Every trial (and the ensemble) with CV score, std, fit seconds and predict seconds per 1,000 rows."""
        return self.predictor.leaderboard_frame()

    def save(self, path: str | Path) -> Path:
        """Write the model as one self-contained folder."""
        return save_predictor(self.predictor, path)

    @property
    def classes_(self) -> list[Any]:
        return self.predictor.classes

    @property
    def cv_score_(self) -> float:
        return float(self.predictor.info["cv_score"])


def load(path: str | Path) -> AutoML:
    """Load a model folder written by ``AutoML.save`` or ``forgeml train``.

    Example:
        >>> model = forgeml.load("forgeml-model")   # doctest: +SKIP
    """
    return AutoML.from_predictor(load_predictor(path))
