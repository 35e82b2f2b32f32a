"""KServe V1 endpoints for tabular rows: list, describe, predict, and an admin reload."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from forgeml.serving._deps import label, pool_of, predict_rows, require_admin, require_predict
from forgeml.serving._schemas import ModelInfo, V1ModelList, V1PredictRequest, V1PredictResponse

router = APIRouter(prefix="/v1", tags=["KServe V1"])


@router.get("/models", response_model=V1ModelList, dependencies=[Depends(require_predict)])
async def list_models(request: Request) -> dict[str, Any]:
    """Every served model with its current version."""
    label(request, "/v1/models")
    return {"models": [m.describe() for m in pool_of(request).all()]}


@router.get("/models/{name}", response_model=ModelInfo, dependencies=[Depends(require_predict)])
async def get_model(name: str, request: Request) -> dict[str, Any]:
    """One model: version, task, classes and its input columns with their roles."""
    label(request, "/v1/models/{name}")
    model = pool_of(request).get(name)
    label(request, "/v1/models/{name}", model)
    return model.describe()


@router.post(
    "/models/{name}:predict",
    responses={200: {"model": V1PredictResponse}},
    dependencies=[Depends(require_predict)],
)
async def predict(name: str, body: V1PredictRequest, request: Request) -> JSONResponse:
    """Predict ``instances`` (one object per row). A bad or missing field gives 422 naming the
    instance index and the field."""
    label(request, "/v1/models/{name}:predict")
    model = pool_of(request).get(name)  # held for the whole request: a hot swap cannot change it
    label(request, "/v1/models/{name}:predict", model)
    predictions, probabilities = await predict_rows(request, model, body.instances, body.probabilities)
    out: dict[str, Any] = {"predictions": predictions, "model_name": model.name, "model_version": model.version}
    if probabilities is not None:
        out["probabilities"] = probabilities
    return JSONResponse(out)


@router.post("/models/{name}:reload", response_model=ModelInfo, dependencies=[Depends(require_admin)])
async def reload(name: str, request: Request) -> dict[str, Any]:
    """Load the model again from its source (admin keys only); swaps without dropping requests."""
    label(request, "/v1/models/{name}:reload")
    from starlette.concurrency import run_in_threadpool

    model = await run_in_threadpool(pool_of(request).reload, name)
    label(request, "/v1/models/{name}:reload", model)
    return model.describe()
