"""Open Inference Protocol (KServe V2): health, model metadata and readiness, and ``infer``.

Each input tensor is one feature column (``shape [n]`` or ``[n, 1]``); the outputs are
``predictions`` (labels or values) and, for classifiers, ``probabilities`` (``[n, classes]``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from forgeml.errors import NotFoundError, SchemaError
from forgeml.serving._deps import label, pool_of, predict_rows_logged, require_predict
from forgeml.serving._pool import LoadedModel
from forgeml.serving._schemas import V2InferRequest, V2InferResponse

router = APIRouter(prefix="/v2", tags=["Open Inference Protocol (V2)"])

_DATATYPES = {"numeric": "FP64", "boolean": "BOOL", "categorical": "BYTES", "datetime": "BYTES", "text": "BYTES"}


@router.get("/health/live")
async def live(request: Request) -> dict[str, bool]:
    """The process is up."""
    label(request, "/v2/health/live")
    return {"live": True}


@router.get("/health/ready")
async def ready(request: Request) -> JSONResponse:
    """Every configured model is loaded (503 until then)."""
    label(request, "/v2/health/ready")
    ok = pool_of(request).ready
    return JSONResponse({"ready": ok}, status_code=200 if ok else 503)


def _model(request: Request, name: str, version: str | None, endpoint: str) -> LoadedModel:
    label(request, endpoint)
    model = pool_of(request).get(name)
    label(request, endpoint, model)
    if version is not None and version != model.version:
        raise NotFoundError(f"model '{name}' serves version {model.version}, not {version}.")
    return model


def _metadata(model: LoadedModel) -> dict[str, Any]:
    schema = model.predictor.schema
    cls = schema.target.is_classification
    outputs = [{"name": "predictions", "datatype": "BYTES" if cls else "FP64", "shape": [-1]}]
    if cls:
        outputs.append({"name": "probabilities", "datatype": "FP64", "shape": [-1, len(model.predictor.classes)]})
    return {
        "name": model.name,
        "versions": [model.version],
        "platform": "forgeml",
        "inputs": [{"name": c.name, "datatype": _DATATYPES[c.role], "shape": [-1]} for c in schema.features],
        "outputs": outputs,
    }


@router.get("/models/{name}", dependencies=[Depends(require_predict)])
async def metadata(name: str, request: Request) -> dict[str, Any]:
    return _metadata(_model(request, name, None, "/v2/models/{name}"))


@router.get("/models/{name}/versions/{version}", dependencies=[Depends(require_predict)])
async def metadata_version(name: str, version: str, request: Request) -> dict[str, Any]:
    return _metadata(_model(request, name, version, "/v2/models/{name}/versions/{version}"))


@router.get("/models/{name}/ready", dependencies=[Depends(require_predict)])
async def model_ready(name: str, request: Request) -> dict[str, Any]:
    model = _model(request, name, None, "/v2/models/{name}/ready")
    return {"name": model.name, "version": model.version, "ready": True}


@router.get("/models/{name}/versions/{version}/ready", dependencies=[Depends(require_predict)])
async def model_version_ready(name: str, version: str, request: Request) -> dict[str, Any]:
    model = _model(request, name, version, "/v2/models/{name}/versions/{version}/ready")
    return {"name": model.name, "version": model.version, "ready": True}


def _flat(data: list[Any]) -> list[Any]:
    return [v for d in data for v in (d if isinstance(d, list) else [d])]


def _rows(body: V2InferRequest) -> list[dict[str, Any]]:
    columns = {t.name: _flat(t.data) for t in body.inputs}
    lengths = {len(v) for v in columns.values()}
    if len(lengths) != 1:
        sizes = ", ".join(f"{k}={len(v)}" for k, v in columns.items())
        raise SchemaError(f"every input tensor must hold the same number of rows, got {sizes}.")
    n = lengths.pop()
    names = list(columns)
    return [{k: columns[k][i] for k in names} for i in range(n)]


async def _infer(request: Request, model: LoadedModel, body: V2InferRequest) -> JSONResponse:
    rows = _rows(body)
    wanted = {o.get("name") for o in body.outputs or []}
    cls = model.predictor.schema.target.is_classification
    probas = cls and (not wanted or "probabilities" in wanted)
    predictions, probabilities, ids = await predict_rows_logged(request, model, rows, probas)
    outputs: list[dict[str, Any]] = []
    if not wanted or "predictions" in wanted:
        dt = "BYTES" if cls else "FP64"
        outputs.append({"name": "predictions", "shape": [len(rows)], "datatype": dt, "data": predictions})
    if probabilities is not None:
        labels = [str(c) for c in model.predictor.classes]
        flat = [p[c] for p in probabilities for c in labels]
        outputs.append(
            {
                "name": "probabilities",
                "shape": [len(rows), len(labels)],
                "datatype": "FP64",
                "data": flat,
                "parameters": {"classes": labels},
            }
        )
    out: dict[str, Any] = {"model_name": model.name, "model_version": model.version, "id": body.id, "outputs": outputs}
    if ids is not None:
        out["parameters"] = {"ids": ids}
    return JSONResponse(out)


@router.post(
    "/models/{name}/infer", responses={200: {"model": V2InferResponse}}, dependencies=[Depends(require_predict)]
)
async def infer(name: str, body: V2InferRequest, request: Request) -> JSONResponse:
    """Predict columns given as one tensor per feature."""
    return await _infer(request, _model(request, name, None, "/v2/models/{name}/infer"), body)


@router.post(
    "/models/{name}/versions/{version}/infer",
    responses={200: {"model": V2InferResponse}},
    dependencies=[Depends(require_predict)],
)
async def infer_version(name: str, version: str, body: V2InferRequest, request: Request) -> JSONResponse:
    """As ``infer``, refusing (404) when ``version`` is not the one served."""
    model = _model(request, name, version, "/v2/models/{name}/versions/{version}/infer")
    return await _infer(request, model, body)
