"""The one table from ``ForgeError`` codes to HTTP statuses, and the JSON error body.

Every error the server sends is JSON: ``{"error": message, "code": machine code}``, plus
``"instance"`` and ``"field"`` when one row's value is at fault. ``{"error": message}`` is also the
Open Inference Protocol's error shape, so V1 and V2 clients read the same body.

Example:
    >>> from forgeml.errors import NotFoundError
    >>> status_of(NotFoundError("no model 'x'"))
    404
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from forgeml.errors import ForgeError

__all__ = ["STATUS", "ForbiddenError", "PayloadTooLargeError", "UnauthorizedError", "error_body", "status_of"]


class UnauthorizedError(ForgeError):
    """No API key, or an unknown one, while keys are configured."""

    code = "unauthorized"


class ForbiddenError(ForgeError):
    """The API key is valid but its scope does not allow this endpoint."""

    code = "forbidden"


class PayloadTooLargeError(ForgeError):
    """The request body is larger than the server accepts."""

    code = "payload_too_large"


#: ForgeError machine code → HTTP status (anything unknown is a 500).
STATUS: dict[str, int] = {
    "invalid_config": 400,
    "invalid_data": 422,
    "schema_mismatch": 422,
    "invalid_target": 422,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "payload_too_large": 413,
    "budget_exceeded": 503,
    "model_format": 500,
    "integrity_violation": 500,
    "not_fitted": 500,
    "missing_dependency": 500,
}


def status_of(err: ForgeError) -> int:
    """The HTTP status for ``err`` (500 for codes not in :data:`STATUS`)."""
    return STATUS.get(err.code, 500)


def error_body(message: str, code: str, **extra: Any) -> dict[str, Any]:
    """The JSON error body; ``extra`` entries that are None are left out."""
    body: dict[str, Any] = {"error": message, "code": code}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def error_response(err: ForgeError) -> JSONResponse:
    """A JSON response for ``err`` with the status from :data:`STATUS`."""
    extra = {"instance": getattr(err, "instance", None), "field": getattr(err, "field", None) or None}
    headers = {"WWW-Authenticate": "Bearer"} if err.code == "unauthorized" else None
    return JSONResponse(error_body(err.message, err.code, **extra), status_of(err), headers=headers)
