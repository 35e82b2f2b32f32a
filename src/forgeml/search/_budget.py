"""The wall-clock budget of a whole run: when search must stop so refit and ensembling fit."""

from __future__ import annotations

from dataclasses import dataclass

from forgeml._clock import Clock


@dataclass
class Budget:
    """``limit`` seconds from ``start`` (``None``: unbounded); ``reserve`` is kept for the end.

    Example:
        >>> from forgeml._clock import FakeClock
        >>> c = FakeClock(0.0); b = Budget(c, start=0.0, limit=10.0, reserve=2.0)
        >>> c.advance(7); round(b.search_left(), 1)
        1.0
    """

    clock: Clock
    start: float
    limit: float | None
    reserve: float = 0.0

    @property
    def end(self) -> float | None:
        return None if self.limit is None else self.start + self.limit

    def elapsed(self) -> float:
        return self.clock.now() - self.start

    def left(self) -> float:
        return float("inf") if self.limit is None else self.start + self.limit - self.clock.now()

    def search_left(self) -> float:
        return self.left() - self.reserve

    def search_deadline(self) -> float | None:
        return None if self.limit is None else self.start + self.limit - self.reserve
