"""``POST /v1/models/{name}:explain`` (KServe V1 convention): per-row explanations.

The body is a predict body plus an optional ``top`` (default 5) and ``class``::

    {"instances": [{"age": 41, ...}], "top": 3}

and the answer, for each row, the prediction, the explained class (the positive class of a binary
model, else the predicted one, or ``class``), the explained output (that class's probability, or
the value), the base value, the ``top`` largest contributions by size and ``rest`` (the others'
sum), so that ``base_value + sum(contributions) + rest == output``::

    {"explanations": [{"prediction": "bad", "explained_class": "bad", "output": 0.71,
                       "base_value": 0.30, "contributions": {"checking_status": 0.22, ...},
                       "rest": 0.03}], "model_name": "credit", "model_version": "3"}

It needs the same API key scope as predict. Rows are checked with the fast path's rules, so a bad
value is a 422 naming the instance and the field, as for ``:predict``.

Example:
    >>> httpx.post(f"{url}/v1/models/credit:explain", json={"instances": rows, "top": 3})  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from forgeml.errors import ConfigError
from forgeml.evaluation import explain
from forgeml.serving._deps import label, pool_of, require_predict

__all__ = ["V1ExplainRequest", "V1ExplainResponse", "router"]

router = APIRouter(prefix="/v1", tags=["KServe V1"])

#: Most rows one explain request may hold (explaining costs far more than predicting).
MAX_ROWS = 1000


class V1ExplainRequest(BaseModel):
    """Rows to explain (one object per row, ``column: value``), how many columns to list, and
    optionally which class to explain."""

    instances: list[dict[str, Any]] = Field(..., min_length=1, examples=[[{"age": 41, "purpose": "car"}]])
    top: int = Field(5, ge=1, description="Contributing columns to list per row, largest first.")
    class_: str | None = Field(None, alias="class", description="Class to explain (classifiers).")


class V1Explanation(BaseModel):
    prediction: Any
    explained_class: Any = None
    output: float
    base_value: float
    contributions: dict[str, float]
    rest: float


class V1ExplainResponse(BaseModel):
    explanations: list[V1Explanation]
    model_name: str
    model_version: str


@router.post(
    "/models/{name}:explain",
    response_model=V1ExplainResponse,
    response_model_exclude_none=True,
    dependencies=[Depends(require_predict)],
)
async def explain_rows(name: str, body: V1ExplainRequest, request: Request) -> dict[str, Any]:
    """Explain ``instances``: base value plus the ``top`` contributing columns per row."""
    label(request, "/v1/models/{name}:explain")
    model = pool_of(request).get(name)  # held for the whole request: a hot swap cannot change it
    label(request, "/v1/models/{name}:explain", model)
    if len(body.instances) > MAX_ROWS:
        raise ConfigError(f"an explain request may hold at most {MAX_ROWS} instances, got {len(body.instances)}.")
    fast = model.fast

    def run() -> list[dict[str, Any]]:
        cols = fast.columns(body.instances)  # RowSchemaError names the instance and the field
        frame = pd.DataFrame({c: cols[c] for c, _ in fast.features})
        return explain(model.predictor, frame).top(body.top, body.class_)

    explained = await run_in_threadpool(run)  # explaining is CPU-heavy: keep the event loop free
    return {"explanations": explained, "model_name": model.name, "model_version": model.version}
