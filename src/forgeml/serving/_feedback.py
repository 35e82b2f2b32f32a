"""``POST /v1/models/{name}:feedback``: the true outcomes of earlier predictions, by prediction id.

Feedback is written straight to the store (it is not the hot path); predictions still waiting in
the monitor's buffer (or in a flush under way) are written first, so ids from a response a moment
old are found. A second
outcome for the same id replaces the first (``updated`` in the response).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request

from forgeml.errors import ConfigError, DataError
from forgeml.monitoring import record_feedback
from forgeml.serving._deps import label, monitor_of, pool_of, require_predict
from forgeml.serving._schemas import V1FeedbackRequest, V1FeedbackResponse

router = APIRouter(prefix="/v1", tags=["KServe V1"])


@router.post("/models/{name}:feedback", response_model=V1FeedbackResponse, dependencies=[Depends(require_predict)])
async def feedback(name: str, body: V1FeedbackRequest, request: Request) -> dict[str, Any]:
    """Record true outcomes: ``{"ids": [...], "outcomes": [...]}``, ``outcomes[i]`` for ``ids[i]``
    (ids as returned by predict). 404 names an unknown id; 422 names an id whose outcome is not a
    value of the model's target."""
    label(request, "/v1/models/{name}:feedback")
    model = pool_of(request).get(name)
    label(request, "/v1/models/{name}:feedback", model)
    monitor = monitor_of(request)
    if monitor is None:
        raise ConfigError(
            "this server runs with --no-monitor, so no prediction is logged to join feedback to; "
            "serve with monitoring on to record feedback."
        )
    if len(body.ids) != len(body.outcomes):
        raise DataError(
            f"feedback needs one outcome per id; got {len(body.ids)} ids and {len(body.outcomes)} outcomes."
        )
    # Always flush, even with nothing pending: the background flusher may have taken the rows
    # from the buffer and not yet committed them; flush waits for it (one flush runs at a time).
    await asyncio.to_thread(monitor.flush, refresh=False)
    target = model.predictor.schema.target
    result = await asyncio.to_thread(record_feedback, name, body.ids, body.outcomes, target=target, store=monitor.store)
    return {"model_name": name, **result.to_json()}
