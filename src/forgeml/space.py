"""Typed search-space values, declared beside each model family.

Each value has a default (the cheap starting point), a few grid points, converts to an Optuna
distribution and serialises to JSON.

Example:
    >>> lr = Float(0.01, 0.3, default=0.05, log=True)
    >>> lr.grid
    (0.01, 0.05, 0.3)
    >>> Int(1, 3).to_json()["type"]
    'int'
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import optuna

from forgeml.errors import ConfigError

__all__ = ["Categorical", "Float", "Int", "SearchSpace", "Value"]

Scalar = int | float | str | bool | None


@dataclass(frozen=True)
class Float:
    """A float between ``low`` and ``high`` (log scale when ``log``)."""

    low: float
    high: float
    default: float | None = None
    log: bool = False
    grid_points: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ConfigError(f"Float 'low' must be < 'high', got {self.low} and {self.high}.")
        if self.log and self.low <= 0:
            raise ConfigError(f"Float with log=True needs 'low' > 0, got {self.low}.")
        d = self.low if self.default is None else self.default
        if not self.low <= d <= self.high:
            raise ConfigError(f"Float default must lie in [{self.low}, {self.high}], got {d}.")

    @property
    def start(self) -> float:
        return self.low if self.default is None else self.default

    @property
    def grid(self) -> tuple[float, ...]:
        return self.grid_points or tuple(dict.fromkeys((self.low, self.start, self.high)))

    def contains(self, v: Any) -> bool:
        return isinstance(v, int | float) and self.low <= v <= self.high

    def to_optuna(self) -> optuna.distributions.BaseDistribution:
        return optuna.distributions.FloatDistribution(self.low, self.high, log=self.log)

    def to_json(self) -> dict[str, Any]:
        return {"type": "float", "low": self.low, "high": self.high, "default": self.start, "log": self.log}


@dataclass(frozen=True)
class Int:
    """An integer between ``low`` and ``high`` inclusive (log scale when ``log``)."""

    low: int
    high: int
    default: int | None = None
    log: bool = False
    grid_points: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.low <= self.high:
            raise ConfigError(f"Int 'low' must be <= 'high', got {self.low} and {self.high}.")
        d = self.low if self.default is None else self.default
        if not self.low <= d <= self.high:
            raise ConfigError(f"Int default must lie in [{self.low}, {self.high}], got {d}.")

    @property
    def start(self) -> int:
        return self.low if self.default is None else self.default

    @property
    def grid(self) -> tuple[int, ...]:
        return self.grid_points or tuple(dict.fromkeys((self.low, self.start, self.high)))

    def contains(self, v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and self.low <= v <= self.high

    def to_optuna(self) -> optuna.distributions.BaseDistribution:
        return optuna.distributions.IntDistribution(self.low, self.high, log=self.log)

    def to_json(self) -> dict[str, Any]:
        return {"type": "int", "low": self.low, "high": self.high, "default": self.start, "log": self.log}


@dataclass(frozen=True)
class Categorical:
    """One of a few choices; the first is the default unless ``default`` says otherwise."""

    choices: tuple[Scalar, ...]
    default: Scalar = field(default=None)

    def __post_init__(self) -> None:
        if not self.choices:
            raise ConfigError("Categorical 'choices' must hold at least one value, got ().")
        if self.default is not None and self.default not in self.choices:
            raise ConfigError(f"Categorical default must be one of {self.choices}, got {self.default!r}.")

    @property
    def start(self) -> Scalar:
        return self.choices[0] if self.default is None else self.default

    @property
    def grid(self) -> tuple[Scalar, ...]:
        return self.choices

    def contains(self, v: Any) -> bool:
        return v in self.choices

    def to_optuna(self) -> optuna.distributions.BaseDistribution:
        return optuna.distributions.CategoricalDistribution(self.choices)

    def to_json(self) -> dict[str, Any]:
        return {"type": "categorical", "choices": list(self.choices), "default": self.start}


Value = Float | Int | Categorical


@dataclass(frozen=True)
class SearchSpace:
    """A mapping of hyper-parameter name to typed value.

    Example:
        >>> space = SearchSpace({"k": Int(1, 5, default=3)})
        >>> space.starting_point()
        {'k': 3}
        >>> len(list(space.grid()))
        3
    """

    values: Mapping[str, Value]

    def starting_point(self) -> dict[str, Any]:
        return {k: v.start for k, v in self.values.items()}

    def contains(self, params: Mapping[str, Any]) -> bool:
        """True when every parameter of ``params`` lies in this space (extra keys excluded)."""
        return all(k in self.values and self.values[k].contains(v) for k, v in params.items())

    def grid(self) -> Iterator[dict[str, Any]]:
        keys = list(self.values)
        for combo in itertools.product(*(self.values[k].grid for k in keys)):
            yield dict(zip(keys, combo, strict=True))

    def suggest(self, trial: optuna.Trial, prefix: str = "") -> dict[str, Any]:
        """Ask an Optuna trial for one value of each parameter (names prefixed by ``prefix``)."""
        out: dict[str, Any] = {}
        for k, v in self.values.items():
            name = prefix + k
            if isinstance(v, Float):
                out[k] = trial.suggest_float(name, v.low, v.high, log=v.log)
            elif isinstance(v, Int):
                out[k] = trial.suggest_int(name, v.low, v.high, log=v.log)
            else:
                out[k] = trial.suggest_categorical(name, list(v.choices))
        return out

    def distributions(self, prefix: str = "") -> dict[str, optuna.distributions.BaseDistribution]:
        return {prefix + k: v.to_optuna() for k, v in self.values.items()}

    def to_json(self) -> dict[str, Any]:
        return {k: v.to_json() for k, v in self.values.items()}

    def __len__(self) -> int:
        return len(self.values)

    def names(self) -> Sequence[str]:
        return list(self.values)
