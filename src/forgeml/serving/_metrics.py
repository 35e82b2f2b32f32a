"""Prometheus metrics of one app, on its own ``CollectorRegistry`` (no global state).

Names follow Prometheus conventions (``forgeml_`` prefix, base units, ``_total`` counters) and the
labels are ``model``, ``version``, ``endpoint`` (the route template) and ``status`` — never row or
user ids.

Example:
    >>> m = ServingMetrics()
    >>> m.requests.labels("credit", "1", "/v1/models/{name}:predict", "200").inc()
    >>> b"forgeml_requests_total" in m.render()[0]
    True
"""

from __future__ import annotations

import contextlib
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["LATENCY_BUCKETS", "ServingMetrics"]

#: Request latency buckets in seconds, fine below a millisecond where the fast path lives.
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServingMetrics:
    """The server's metrics; ``render()`` gives the exposition text and its content type."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "forgeml_requests",
            "HTTP requests handled, by model, model version, endpoint and HTTP status.",
            ["model", "version", "endpoint", "status"],
            registry=r,
        )
        self.duration = Histogram(
            "forgeml_request_duration_seconds",
            "Time to handle a request, from receiving it to the end of the response, in seconds.",
            ["model", "version", "endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge("forgeml_requests_in_flight", "Requests being handled right now.", registry=r)
        self.rows = Counter(
            "forgeml_rows_predicted", "Rows predicted, by model and model version.", ["model", "version"], registry=r
        )
        self.load_duration = Histogram(
            "forgeml_model_load_duration_seconds",
            "Time to load and warm a model version, in seconds.",
            ["model"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
            registry=r,
        )
        self.info = Gauge(
            "forgeml_model_info",
            "1 for the model version being served, by model and version.",
            ["model", "version"],
            registry=r,
        )
        self.swaps = Counter("forgeml_model_swaps", "Hot swaps to a new model version.", ["model"], registry=r)
        # label children by label values, so a request costs two dict lookups, not three .labels() calls
        self._request_children: dict[tuple[str, str, str, int], tuple[Any, Any]] = {}
        self._rows_children: dict[tuple[str, str], Any] = {}

    def request_of(self, model: str, version: str, endpoint: str, status: int) -> tuple[Any, Any]:
        """The ``requests`` counter and ``duration`` histogram children for these labels (cached)."""
        key = (model, version, endpoint, status)
        children = self._request_children.get(key)
        if children is None:
            children = (
                self.requests.labels(model, version, endpoint, str(status)),
                self.duration.labels(model, version, endpoint),
            )
            self._request_children[key] = children
        return children

    def rows_of(self, model: str, version: str) -> Any:
        """The ``rows`` counter child for ``model`` and ``version`` (cached)."""
        child = self._rows_children.get((model, version))
        if child is None:
            child = self._rows_children[(model, version)] = self.rows.labels(model, version)
        return child

    def served(self, model: str, version: str, previous: str | None) -> None:
        """Record that ``model`` now serves ``version`` (replacing ``previous``)."""
        if previous is not None and previous != version:
            with contextlib.suppress(KeyError):
                self.info.remove(model, previous)
            self.swaps.labels(model).inc()
        self.info.labels(model, version).set(1)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
