"""Shared pieces of the routers: the app's state, auth dependencies and running a prediction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from forgeml.monitoring import LiveMonitor
from forgeml.serving._auth import ApiKeys
from forgeml.serving._metrics import ServingMetrics
from forgeml.serving._pool import LoadedModel, ModelPool

T = TypeVar("T")

#: Requests with more rows than this are predicted in a worker thread, keeping the loop free.
THREAD_ROWS = 256


def pool_of(request: Request) -> ModelPool:
    pool: ModelPool = request.app.state.pool
    return pool


def monitor_of(request: Request) -> LiveMonitor | None:
    """The app's live monitor (None with monitoring off)."""
    monitor: LiveMonitor | None = request.app.state.monitor
    return monitor


def _key(request: Request) -> str | None:
    auth = request.headers.get("authorization")
    if auth and auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key")


def check_key(request: Request, scope: str) -> None:
    """Raise 401/403 unless the request's API key may use an endpoint needing ``scope``."""
    keys: ApiKeys = request.app.state.api_keys
    if keys.enabled:
        keys.check(_key(request), scope)


def _require(scope: str) -> Callable[[Request], Awaitable[None]]:
    async def dependency(request: Request) -> None:  # async: FastAPI runs sync dependencies in a thread
        check_key(request, scope)

    return dependency


require_predict = _require("predict")
require_admin = _require("admin")


def label(request: Request, endpoint: str, model: LoadedModel | None = None) -> None:
    """Name the request for the metrics middleware."""
    state = request.state
    state.endpoint = endpoint
    if model is not None:
        state.model = model.name
        state.version = model.version


async def run_rows(request: Request, model: LoadedModel, n_rows: int, fn: Callable[[], T]) -> T:
    """``fn()`` on the event loop for small requests, in a worker thread above :data:`THREAD_ROWS`
    rows (prediction and encoding both), then count the rows predicted."""
    out = fn() if n_rows <= THREAD_ROWS else await run_in_threadpool(fn)
    metrics: ServingMetrics = request.app.state.metrics
    metrics.rows_of(model.name, model.version).inc(n_rows)
    return out


async def predict_rows(
    request: Request, model: LoadedModel, rows: Sequence[Mapping[str, Any]], probabilities: bool
) -> tuple[list[Any], list[dict[str, float]] | None]:
    """Labels (and probabilities) for ``rows`` with the model version the request started on."""
    codec = model.codec

    def run() -> tuple[list[Any], list[dict[str, float]] | None]:
        raw = model.fast.predict_raw(rows)
        return codec.predictions(raw), codec.probabilities(raw) if probabilities else None

    return await run_rows(request, model, len(rows), run)


async def predict_rows_logged(
    request: Request, model: LoadedModel, rows: Sequence[Mapping[str, Any]], probabilities: bool
) -> tuple[list[Any], list[dict[str, float]] | None, list[str] | None]:
    """As :func:`predict_rows`, and the rows are handed to the monitor: also returns their
    prediction ids (None with monitoring off)."""
    codec, monitor, monitored = model.codec, monitor_of(request), model.monitored

    def run() -> tuple[list[Any], list[dict[str, float]] | None, list[str] | None]:
        if monitor is None:
            raw, ids = model.fast.predict_raw(rows), None
        else:
            raw, columns = model.fast.predict_raw_with_columns(rows)
            ids = monitor.record(monitored, rows, raw, columns)
        return codec.predictions(raw), codec.probabilities(raw) if probabilities else None, ids

    return await run_rows(request, model, len(rows), run)
