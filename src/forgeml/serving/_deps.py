"""Shared pieces of the routers: the app's state, auth dependencies and running a prediction."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from forgeml.serving._auth import ApiKeys
from forgeml.serving._metrics import ServingMetrics
from forgeml.serving._pool import LoadedModel, ModelPool

#: Requests with more rows than this are predicted in a worker thread, keeping the loop free.
THREAD_ROWS = 256


def pool_of(request: Request) -> ModelPool:
    pool: ModelPool = request.app.state.pool
    return pool


def _key(request: Request) -> str | None:
    auth = request.headers.get("authorization")
    if auth and auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key")


def _require(scope: str) -> Callable[[Request], None]:
    def dependency(request: Request) -> None:
        keys: ApiKeys = request.app.state.api_keys
        if keys.enabled:
            keys.check(_key(request), scope)

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


async def predict_rows(
    request: Request, model: LoadedModel, rows: Sequence[Mapping[str, Any]], probabilities: bool
) -> tuple[list[Any], list[dict[str, float]] | None]:
    """Labels (and probabilities) for ``rows`` with the model version the request started on."""

    def run() -> tuple[list[Any], list[dict[str, float]] | None]:
        fast = model.fast
        raw = fast.predict_raw(rows)
        return _labels(model, raw), _probas(model, raw) if probabilities else None

    out = run() if len(rows) <= THREAD_ROWS else await run_in_threadpool(run)
    metrics: ServingMetrics = request.app.state.metrics
    metrics.rows.labels(model.name, model.version).inc(len(rows))
    return out


def _labels(model: LoadedModel, raw: Any) -> list[Any]:
    from forgeml.data import decode_labels

    target = model.predictor.schema.target
    if target.is_classification:
        return list(decode_labels(raw.argmax(axis=1), target).tolist())
    return [float(v) for v in raw]


def _probas(model: LoadedModel, raw: Any) -> list[dict[str, float]] | None:
    if not model.predictor.schema.target.is_classification:
        return None
    labels = [str(c) for c in model.predictor.classes]
    return [dict(zip(labels, map(float, r), strict=True)) for r in raw.tolist()]
