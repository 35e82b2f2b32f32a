"""Frozen run configuration. Configuration is data: one object per run, validated once.

Example:
    >>> cfg = RunConfig(time_limit=parse_duration("2m"), seed=1)
    >>> cfg.time_limit
    120.0
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from forgeml.errors import ConfigError, check_param

__all__ = ["ROLES", "RunConfig", "Settings", "parse_age", "parse_duration", "parse_memory"]

SearchKind = Literal["bayes", "random", "grid"]
ROLES = ("numeric", "categorical", "boolean", "datetime", "text", "identifier", "drop")
TASKS = ("binary", "multiclass", "regression")
DEFAULT_TIME_LIMIT = 60.0

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|hr)?\s*$", re.IGNORECASE)
_UNITS = {None: 1.0, "s": 1.0, "sec": 1.0, "ms": 0.001, "m": 60.0, "min": 60.0, "h": 3600.0, "hr": 3600.0}
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$", re.IGNORECASE)
_AGE_UNITS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}
_FOREVER = ("", "forever", "none", "off", "never")
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$", re.IGNORECASE)


def parse_duration(value: str | float | int) -> float:
    """Parse ``60``, ``"60s"``, ``"5m"`` or ``"1h"`` into seconds.

    Example:
        >>> parse_duration("1h")
        3600.0
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ConfigError(f"'time_limit' must look like 60, 60s, 5m or 1h, got {value!r}.")
        unit = m.group(2).lower() if m.group(2) else None
        seconds = float(m.group(1)) * _UNITS[unit]
    check_param(seconds > 0, "time_limit", "a positive duration", value)
    return seconds


def parse_age(value: str | float | int | None, name: str = "retention") -> float | None:
    """Parse a maximum age such as ``"90d"``, ``"2w"``, ``"12h"`` or seconds into seconds; ``None``,
    ``"forever"``, ``"none"`` or ``"off"`` mean no limit (keep forever).

    Example:
        >>> parse_age("90d"), parse_age("forever")
        (7776000.0, None)
    """
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif str(value).strip().lower() in _FOREVER:
        return None
    else:
        m = _AGE.match(str(value))
        if not m:
            raise ConfigError(f"'{name}' must look like 90d, 2w, 12h or forever, got {value!r}.")
        seconds = float(m.group(1)) * _AGE_UNITS[m.group(2).lower()]
    check_param(seconds > 0, name, "a positive age (or 'forever')", value)
    return seconds


def parse_memory(value: str | int | float) -> int:
    """Parse ``"4GB"``, ``"512M"`` or a byte count into bytes (powers of 1024).

    Example:
        >>> parse_memory("1G")
        1073741824
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        n = float(value)
    else:
        m = _MEMORY.match(str(value))
        if not m:
            raise ConfigError(f"'memory_limit' must look like 512MB, 4GB or a byte count, got {value!r}.")
        unit = (m.group(2) or "b")[0].lower()
        n = float(m.group(1)) * 1024 ** "bkmgt".index(unit)
    check_param(n > 0, "memory_limit", "a positive size", value)
    return int(n)


@dataclass(frozen=True)
class RunConfig:
    """Every setting of one training run.

    ``time_limit`` (seconds) bounds the whole call, refit and ensembling included. With
    ``max_trials`` and no ``time_limit`` the run is reproducible for a given ``seed``.
    ``subject_column`` names the column identifying the person a row is about (kept out of the
    features, kept in registered data so an erasure can find the rows); columns that look like
    personal data are excluded from the features unless named in ``allow_pii``.
    """

    task: str | None = None
    metric: str | Callable[..., float] | Any | None = None
    time_limit: float | None = None
    max_trials: int | None = None
    search: SearchKind = "bayes"
    seed: int = 0
    n_folds: int = 5
    memory_limit: int | None = None
    n_jobs: int | None = None
    group_column: str | None = None
    time_column: str | None = None
    column_types: Mapping[str, str] = field(default_factory=dict)
    families: tuple[str, ...] | None = None
    feature_selection: Literal["auto", "on", "off"] = "auto"
    ensemble: bool = True
    prune: bool = True
    executor: Literal["process", "serial"] = "process"
    debug: bool = False
    subject_column: str | None = None
    allow_pii: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_param(self.task is None or self.task in TASKS, "task", f"one of {', '.join(TASKS)}", self.task)
        check_param(self.search in ("bayes", "random", "grid"), "search", "one of bayes, random, grid", self.search)
        check_param(isinstance(self.seed, int) and self.seed >= 0, "seed", "an integer >= 0", self.seed)
        check_param(isinstance(self.n_folds, int) and self.n_folds >= 2, "n_folds", "an integer >= 2", self.n_folds)
        check_param(
            self.max_trials is None or (isinstance(self.max_trials, int) and self.max_trials >= 1),
            "max_trials",
            "an integer >= 1",
            self.max_trials,
        )
        check_param(
            self.time_limit is None or self.time_limit > 0,
            "time_limit",
            "a positive number of seconds",
            self.time_limit,
        )
        check_param(self.n_jobs is None or self.n_jobs >= 1, "n_jobs", "an integer >= 1", self.n_jobs)
        check_param(
            self.memory_limit is None or self.memory_limit > 0,
            "memory_limit",
            "a positive byte count",
            self.memory_limit,
        )
        check_param(
            self.feature_selection in ("auto", "on", "off"),
            "feature_selection",
            "one of auto, on, off",
            self.feature_selection,
        )
        check_param(self.executor in ("process", "serial"), "executor", "one of process, serial", self.executor)
        for col, role in self.column_types.items():
            check_param(role in ROLES, f"column_types[{col!r}]", f"one of {', '.join(ROLES)}", role)
        check_param(
            self.subject_column is None or (isinstance(self.subject_column, str) and bool(self.subject_column)),
            "subject_column",
            "a column name",
            self.subject_column,
        )
        check_param(
            all(isinstance(c, str) and c for c in self.allow_pii), "allow_pii", "a list of column names", self.allow_pii
        )

    @property
    def effective_time_limit(self) -> float | None:
        """The time limit in force: the given one, none with ``max_trials`` only, else 60 s."""
        if self.time_limit is not None:
            return self.time_limit
        return None if self.max_trials is not None else DEFAULT_TIME_LIMIT

    @property
    def workers(self) -> int:
        return self.n_jobs or max(1, os.cpu_count() or 1)

    def with_(self, **changes: Any) -> RunConfig:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """JSON-safe view (a callable metric is recorded by name)."""
        d = asdict(self)
        m = self.metric
        d["metric"] = m if m is None or isinstance(m, str) else getattr(m, "name", getattr(m, "__name__", "custom"))
        d["column_types"] = dict(self.column_types)
        d["families"] = list(self.families) if self.families else None
        d["allow_pii"] = list(self.allow_pii)
        return d


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or password database
        return "unknown"


@dataclass(frozen=True)
class Settings:
    """Where forgeml keeps its metadata and artifacts, and who is acting.

    ``home`` is ``FORGEML_HOME`` (default ``~/.forgeml``); ``database_url`` is ``FORGEML_DATABASE_URL``
    (default: an SQLite file ``forgeml.db`` in ``home``; PostgreSQL as
    ``postgresql+psycopg://user@host/db``); artifacts live in ``home/artifacts``; ``actor`` is
    ``FORGEML_ACTOR`` or the operating-system user name. ``retention`` (seconds, from
    ``FORGEML_RETENTION`` such as ``90d``; default None: keep forever) is the maximum age of prediction
    logs and feedback, enforced by ``forgeml gc`` and the server. ``erasure_salt`` is
    ``FORGEML_ERASURE_SALT`` (default: a random salt kept in ``home/erasure-salt``).

    Example:
        >>> s = Settings.from_env({"FORGEML_HOME": "/srv/forgeml", "FORGEML_ACTOR": "ana"})
        >>> s.database_url, s.actor
        ('sqlite:////srv/forgeml/forgeml.db', 'ana')
    """

    home: Path
    database_url: str
    artifact_root: Path
    actor: str
    retention: float | None = None
    erasure_salt: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``FORGEML_HOME``, ``FORGEML_DATABASE_URL``, ``FORGEML_ACTOR``, ``FORGEML_RETENTION`` and
        ``FORGEML_ERASURE_SALT`` (``os.environ`` by default)."""
        env = os.environ if environ is None else environ
        home = Path(env.get("FORGEML_HOME") or Path.home() / ".forgeml").expanduser()
        url = env.get("FORGEML_DATABASE_URL") or f"sqlite:///{home / 'forgeml.db'}"
        actor = env.get("FORGEML_ACTOR") or _os_user()
        return cls(
            home=home,
            database_url=url,
            artifact_root=home / "artifacts",
            actor=actor,
            retention=parse_age(env.get("FORGEML_RETENTION"), "FORGEML_RETENTION"),
            erasure_salt=env.get("FORGEML_ERASURE_SALT") or None,
        )
