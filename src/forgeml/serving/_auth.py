"""Optional API keys with two scopes: ``predict`` (read and predict) and ``admin`` (everything).

Keys come from ``FORGEML_API_KEYS`` (``"key1:predict,key2:admin"``; a key without a scope is
``predict``) or ``forgeml serve --api-key KEY[:SCOPE]``. With no keys configured every request is
allowed. Clients send ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``. Health, metrics and the
OpenAPI pages stay open so probes and Prometheus need no key.

Example:
    >>> keys = parse_keys("k1:predict, k2:admin")
    >>> keys.check("k2", "admin"), keys.enabled
    (None, True)
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from forgeml.errors import ConfigError
from forgeml.serving._errors import ForbiddenError, UnauthorizedError

__all__ = ["SCOPES", "ApiKeys", "parse_keys"]

SCOPES = ("predict", "admin")
ENV_VAR = "FORGEML_API_KEYS"


@dataclass(frozen=True)
class ApiKeys:
    """Configured keys and their scopes; empty means authentication is off."""

    scopes: Mapping[str, str] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return bool(self.scopes)

    def check(self, key: str | None, needed: str) -> None:
        """Raise 401/403 errors unless ``key`` may use an endpoint that needs scope ``needed``."""
        if not self.enabled:
            return None
        if not key:
            raise UnauthorizedError("this server needs an API key: send 'Authorization: Bearer KEY' or 'X-API-Key'.")
        scope = None
        for known, s in self.scopes.items():  # constant-time comparison against every key
            if hmac.compare_digest(known.encode(), key.encode()):
                scope = s
        if scope is None:
            raise UnauthorizedError("the API key is not valid.")
        if needed == "admin" and scope != "admin":
            raise ForbiddenError("this endpoint needs an admin API key; the key given may only predict.")
        return None


def parse_keys(spec: str | Iterable[str] | None = None) -> ApiKeys:
    """Parse ``KEY[:SCOPE]`` items (comma-separated text or a list); ``None`` reads ``FORGEML_API_KEYS``."""
    if spec is None:
        spec = os.environ.get(ENV_VAR, "")
    items = spec.split(",") if isinstance(spec, str) else [i for s in spec for i in s.split(",")]
    scopes: dict[str, str] = {}
    for item in (i.strip() for i in items):
        if not item:
            continue
        key, _, scope = item.partition(":")
        scope = scope.strip() or "predict"
        if scope not in SCOPES or not key.strip():
            raise ConfigError(
                f"an API key must be 'KEY' or 'KEY:SCOPE' with SCOPE in {', '.join(SCOPES)}, got {item!r}."
            )
        scopes[key.strip()] = scope
    return ApiKeys(scopes)
