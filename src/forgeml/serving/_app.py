"""``create_app``: the FastAPI app serving forgeml models (KServe V1, Open Inference Protocol V2,
Prometheus ``/metrics``, OpenAPI at ``/docs``).

Example:
    >>> app = create_app(["credit=/models/credit"], api_keys="k1:predict,k2:admin")   # doctest: +SKIP
    >>> import uvicorn; uvicorn.run(app, port=8080)                                      # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from forgeml._version import __version__
from forgeml.errors import ConfigError, ForgeError
from forgeml.governance import retention_loop
from forgeml.monitoring import LiveMonitor, MonitorConfig
from forgeml.serving import _explain, _feedback, _v1, _v2
from forgeml.serving._auth import ApiKeys, parse_keys
from forgeml.serving._deps import label
from forgeml.serving._errors import error_body, error_response
from forgeml.serving._metrics import ServingMetrics
from forgeml.serving._middleware import ServingMiddleware
from forgeml.serving._monitoring import MonitorMetrics
from forgeml.serving._pool import ModelPool
from forgeml.store import Store

__all__ = ["DEFAULT_MAX_BODY_BYTES", "create_app"]

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024


def create_app(
    models: Sequence[str],
    *,
    api_keys: ApiKeys | str | Iterable[str] | None = None,
    poll_seconds: float = 2.0,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    monitor: MonitorConfig | bool = True,
    shadows: Sequence[str] = (),
    store: Store | None = None,
) -> FastAPI:
    """The serving app for ``models`` (folders, ``NAME=PATH`` or registry references).

    ``api_keys``: an :class:`ApiKeys`, ``"KEY:SCOPE,..."`` text or a list of ``KEY:SCOPE``; None
    reads ``FORGEML_API_KEYS`` (unset: no authentication). Models are loaded at start-up; alias
    references are polled every ``poll_seconds`` and hot-swapped when they move.

    ``monitor``: live monitoring (True: :class:`MonitorConfig` defaults; False: off, no prediction
    ids, nothing logged) into ``store`` (a ``forgeml.store.Store``; default: the one the environment
    names). ``shadows``: models that get a copy of a served model's traffic, named like it.

    Example:
        >>> app = create_app(["credit@champion"], poll_seconds=5)   # doctest: +SKIP
    """
    if shadows and monitor is False:
        raise ConfigError("shadow models get their traffic from the monitor; turn monitoring on to use --shadow.")
    metrics = ServingMetrics()
    pool = ModelPool(models, metrics=metrics, poll_seconds=poll_seconds, shadows=shadows)
    keys = api_keys if isinstance(api_keys, ApiKeys) else parse_keys(api_keys)
    live = _monitor(monitor, pool, metrics, store)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(pool.load_all)
        watcher = asyncio.create_task(pool.watch())
        flusher = await _start_monitor(live)
        retention = asyncio.create_task(retention_loop(store))  # FORGEML_RETENTION, enforced hourly
        try:
            yield
        finally:
            watcher.cancel()
            retention.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            with contextlib.suppress(asyncio.CancelledError):
                await retention
            await _stop_monitor(live, flusher)

    app = FastAPI(
        title="forgeml model server",
        version=__version__,
        description="Predictions from forgeml models: KServe V1 rows, Open Inference Protocol V2, Prometheus metrics.",
        lifespan=lifespan,
    )
    app.state.pool = pool
    app.state.metrics = metrics
    app.state.api_keys = keys
    app.state.monitor = live
    app.include_router(_v1.router)
    app.include_router(_feedback.router)
    app.include_router(_v2.router)
    app.include_router(_explain.router)
    _add_handlers(app)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        label(request, "/metrics")
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    app.add_middleware(_v1.PredictShortcut)  # inside the serving middleware (metrics, body limit)
    app.add_middleware(ServingMiddleware, metrics=metrics, max_body_bytes=max_body_bytes)
    return app


def _monitor(
    config: MonitorConfig | bool, pool: ModelPool, metrics: ServingMetrics, store: Store | None
) -> LiveMonitor | None:
    if config is False:
        return None
    cfg = config if isinstance(config, MonitorConfig) else MonitorConfig()

    def shadow_of(name: str) -> Any:
        shadow = pool.shadow(name)
        return shadow.monitored if shadow is not None else None

    return LiveMonitor(
        cfg,
        store=store,
        listener=MonitorMetrics(metrics, window_seconds=cfg.window_seconds),
        models=lambda: [m.monitored for m in pool.all()],
        shadow_of=shadow_of,
    )


async def _start_monitor(live: LiveMonitor | None) -> asyncio.Task[None] | None:
    """Open the store (migrating it), load the latest windows into the gauges, start the flusher."""
    if live is None:
        return None
    try:
        await asyncio.to_thread(lambda: live.store)
    except ForgeError:
        raise
    except Exception as err:
        raise ConfigError(
            f"monitoring needs the metadata store and cannot open it: {err}. Set FORGEML_HOME or "
            "FORGEML_DATABASE_URL, or serve with --no-monitor."
        ) from err
    await asyncio.to_thread(live.refresh)
    return asyncio.create_task(live.run())


async def _stop_monitor(live: LiveMonitor | None, flusher: asyncio.Task[None] | None) -> None:
    """Stop the flusher and write what is still buffered (a clean shutdown loses nothing)."""
    if live is None or flusher is None:
        return
    flusher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await flusher
    with contextlib.suppress(Exception):  # logged by flush
        await asyncio.to_thread(live.flush)


def _validation_body(err: RequestValidationError) -> dict[str, Any]:
    first = err.errors()[0] if err.errors() else {}
    loc = [p for p in first.get("loc", ()) if p != "body"]
    instance = loc[1] if len(loc) >= 2 and loc[0] in ("instances", "inputs") and isinstance(loc[1], int) else None
    where = ".".join(str(p) for p in loc) or "body"
    message = f"invalid request at '{where}': {first.get('msg', 'invalid value')}"
    if instance is not None and loc[0] == "instances":
        message = (
            f"instance {instance}: {first.get('msg', 'invalid value')} (each instance is an object of column: value)"
        )
    return error_body(message, "invalid_request", instance=instance, details=err.errors()[:5])


def _add_handlers(app: FastAPI) -> None:
    @app.exception_handler(ForgeError)
    async def forge_error(request: Request, err: ForgeError) -> JSONResponse:
        return error_response(err)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, err: RequestValidationError) -> JSONResponse:
        body = _validation_body(err)
        body["details"] = [{k: v for k, v in d.items() if k in ("loc", "msg", "type")} for d in body.get("details", [])]
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(err.status_code, "http_error")
        return JSONResponse(error_body(str(err.detail), code), status_code=err.status_code, headers=err.headers)
