"""An injectable clock, so budget logic is testable without sleeping."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Something that tells wall-clock seconds (``time.time`` semantics)."""

    def now(self) -> float: ...


class SystemClock:
    """The real clock. Wall time is used because deadlines cross process boundaries."""

    def now(self) -> float:
        return time.time()


class FakeClock:
    """A clock that only moves when told to.

    Example:
        >>> clock = FakeClock(100.0)
        >>> clock.advance(5)
        >>> clock.now()
        105.0
    """

    def __init__(self, start: float = 0.0) -> None:
        self._t = float(start)

    def now(self) -> float:
        return self._t

    def advance(self, seconds: float) -> None:
        self._t += float(seconds)
