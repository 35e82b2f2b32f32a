"""Progress events. The learning core emits them; the CLI (or any caller) chooses how to show them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProgressEvent:
    """``kind`` is ``phase`` (a step starts), ``trial`` (a trial ended) or ``done``."""

    kind: str
    message: str
    elapsed: float
    time_left: float | None
    trials_done: int = 0
    best_score: float | None = None
    best_model: str | None = None
    detail: dict[str, Any] | None = None


EventSink = Callable[[ProgressEvent], None]
