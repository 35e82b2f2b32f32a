"""KServe V1 endpoints for tabular rows: list, describe, predict, and an admin reload.

``predict`` is the hot path. :class:`PredictShortcut` hands it its requests without the router, and
it reads the body itself (``json.loads``, whatever the content type, so ``curl -d @row.json``
works). The common shape — an object whose ``instances`` is a non-empty list of objects and whose
``probabilities`` is absent or a boolean — is accepted without building a pydantic model; anything
else goes through :class:`V1PredictRequest` exactly as FastAPI would, so the 422 bodies (and the
400 for an undecodable body) are the ones FastAPI's own validation gives. The response is encoded
once into bytes, byte for byte what ``JSONResponse`` would send.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from forgeml.serving._deps import check_key, label, monitor_of, pool_of, require_admin, require_predict, run_rows
from forgeml.serving._schemas import ModelInfo, V1ModelList, V1PredictRequest, V1PredictResponse

router = APIRouter(prefix="/v1", tags=["KServe V1"])

PREDICT = "/v1/models/{name}:predict"
_PREDICT_BODY = {
    "required": True,
    "content": {"application/json": {"schema": V1PredictRequest.model_json_schema()}},
}


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


def parse_predict_body(body: bytes) -> tuple[list[dict[str, Any]], bool]:
    """``(instances, probabilities)`` from a V1 predict body, or the error FastAPI would raise.

    Example:
        >>> parse_predict_body(b'{"instances": [{"age": 41}]}')
        ([{'age': 41}], False)
    """
    if not body:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}])
    try:
        data = json.loads(body)
    except json.JSONDecodeError as e:
        error = {"type": "json_invalid", "loc": ("body", e.pos), "msg": "JSON decode error", "input": {}}
        raise RequestValidationError([{**error, "ctx": {"error": e.msg}}], body=e.doc) from e
    except Exception as e:  # not UTF-8/16/32: FastAPI's answer for a body it cannot read
        raise StarletteHTTPException(400, "There was an error parsing the body") from e
    if type(data) is dict:
        instances = data.get("instances")
        probabilities = data.get("probabilities", False)
        if (
            type(instances) is list
            and instances
            and type(probabilities) is bool
            and all(type(row) is dict for row in instances)
        ):
            return instances, probabilities
    try:
        parsed = V1PredictRequest.model_validate(data, from_attributes=True)
    except ValidationError as e:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in e.errors(include_url=False)]
        raise RequestValidationError(errors, body=data) from None
    return parsed.instances, parsed.probabilities


class _RawRoute(APIRoute):
    """A route whose endpoint takes ``(name, request)`` and does its own reading and checking, so
    FastAPI's per-request parameter solving is skipped; it is still routed and documented as usual."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            response: Response = await endpoint(request.path_params["name"], request)
            return response

        return handler


async def predict(name: str, request: Request) -> Response:
    """Predict ``instances`` (one object per row). A bad or missing field gives 422 naming the
    instance index and the field. While the server monitors, the response has one prediction id
    per row (``ids``) and the rows go to the monitor's buffer (no database write here)."""
    state = request.state
    state.endpoint = PREDICT
    check_key(request, "predict")
    model = pool_of(request).get(name)  # held for the whole request: a hot swap cannot change it
    state.model, state.version = model.name, model.version
    instances, probabilities = parse_predict_body(await request.body())
    fast, codec, monitor = model.fast, model.codec, monitor_of(request)
    if monitor is None:
        body = await run_rows(
            request, model, len(instances), lambda: codec.encode(fast.predict_raw(instances), probabilities)
        )
        return Response(body, media_type="application/json")
    monitored = model.monitored

    def run() -> bytes:
        raw, columns = fast.predict_raw_with_columns(instances)
        return codec.encode(raw, probabilities, monitor.record(monitored, instances, raw, columns))

    return Response(await run_rows(request, model, len(instances), run), media_type="application/json")


router.add_api_route(
    "/models/{name}:predict",
    predict,
    methods=["POST"],
    response_class=Response,
    responses={200: {"model": V1PredictResponse}},
    openapi_extra={"requestBody": _PREDICT_BODY},
    route_class_override=_RawRoute,
)


class PredictShortcut:
    """ASGI layer that sends ``POST /v1/models/{name}:predict`` straight to :func:`predict`,
    skipping the router and FastAPI's per-route wrappers (about 45 µs of the 120 µs a single-row
    request costs the app). The route stays registered: the OpenAPI page, and any request this
    layer leaves alone (another method, a ``root_path``), go through FastAPI as before. Errors go to
    the app's exception handlers, looked up the way Starlette's ``ExceptionMiddleware`` does, so the
    responses are the same; anything unhandled propagates to the serving middleware (JSON 500).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            match = _PREDICT_PATH.match(scope["path"])
            if match is not None:
                await self._predict(match.group(1), scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _predict(self, name: str, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            response = await predict(name, request)
        except Exception as exc:
            handler = _handler_for(scope["app"].exception_handlers, exc)
            if handler is None:
                raise
            if inspect.iscoroutinefunction(handler):
                response = await handler(request, exc)
            else:
                response = await run_in_threadpool(handler, request, exc)
        await response(scope, receive, send)


#: FastAPI's own pattern for the route (a ``{name}`` parameter matches ``[^/]+``).
_PREDICT_PATH = re.compile(r"^/v1/models/([^/]+):predict$")


def _handler_for(handlers: Mapping[Any, Callable[..., Any]], exc: Exception) -> Callable[..., Any] | None:
    if isinstance(exc, StarletteHTTPException) and exc.status_code in handlers:
        return handlers[exc.status_code]
    for cls in type(exc).__mro__:
        if cls is Exception:  # served by the outer error middleware, not per route
            return None
        if cls in handlers:
            return handlers[cls]
    return None


@router.post("/models/{name}:reload", response_model=ModelInfo, dependencies=[Depends(require_admin)])
async def reload(name: str, request: Request) -> dict[str, Any]:
    """Load the model again from its source (admin keys only); swaps without dropping requests."""
    label(request, "/v1/models/{name}:reload")
    model = await run_in_threadpool(pool_of(request).reload, name)
    label(request, "/v1/models/{name}:reload", model)
    return model.describe()
