"""One ASGI middleware around the whole app: body-size limit (413), in-flight gauge, latency and
request counters, and a last-resort JSON 500 so nothing crashes the server or answers in HTML."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forgeml.serving._errors import error_body
from forgeml.serving._metrics import ServingMetrics

log = logging.getLogger("forgeml.serving")


class _TooLarge(Exception):
    pass


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


class ServingMiddleware:
    """See the module docstring. Handlers label a request by setting ``request.state.model``,
    ``.version`` and ``.endpoint`` (the route template); unlabelled requests count as ``other``."""

    def __init__(self, app: ASGIApp, *, metrics: ServingMetrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        state: dict[str, Any] = scope.setdefault("state", {})
        status = 500
        started = False
        m = self.metrics
        m.in_flight.inc()
        try:
            length = _content_length(scope)
            if length is not None and length > self.max_body:
                status = 413
                await _send_json(send, 413, self._too_large(length))
                return
            seen = 0

            async def receive_limited() -> Message:
                nonlocal seen
                message = await receive()
                if message["type"] == "http.request":
                    seen += len(message.get("body", b""))
                    if seen > self.max_body:
                        raise _TooLarge
                return message

            async def send_watch(message: Message) -> None:
                nonlocal status, started
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    started = True
                await send(message)

            try:
                await self.app(scope, receive_limited, send_watch)
            except _TooLarge:
                status = 413
                if not started:
                    await _send_json(send, 413, self._too_large(seen))
            except Exception:  # nothing crashes the server: log it, answer JSON 500
                log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
                status = 500
                if not started:
                    await _send_json(send, 500, error_body("internal server error; see the server log.", "internal"))
        finally:
            m.in_flight.dec()
            model, version = state.get("model", ""), state.get("version", "")
            endpoint = state.get("endpoint")
            if not endpoint:  # set by routing even when validation fails before the handler
                endpoint = getattr(scope.get("route"), "path", None) or "other"
            requests, duration = m.request_of(model, version, endpoint, status)
            requests.inc()
            duration.observe(time.perf_counter() - start)

    def _too_large(self, size: int) -> dict[str, Any]:
        return error_body(
            f"the request body has {size} bytes, more than the {self.max_body} this server accepts; "
            "send fewer rows per request or raise --max-body-bytes.",
            "payload_too_large",
        )


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
