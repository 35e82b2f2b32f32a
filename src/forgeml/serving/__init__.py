"""Serving forgeml models over HTTP (the edge layer; only ``forgeml.cli`` imports it).

KServe V1 rows (``POST /v1/models/{name}:predict``), the Open Inference Protocol V2
(``/v2/health/*``, ``/v2/models/{name}[/versions/{v}]/infer``), Prometheus ``/metrics``, optional
API keys and hot swap when a registry alias moves. Live monitoring (on by default): prediction ids in
responses, a prediction log and live-profile windows written by a background flusher, drift and
performance gauges, ``POST /v1/models/{name}:feedback`` and shadow models (see
:mod:`forgeml.monitoring`). ForgeError codes map to HTTP statuses in one
table, :data:`STATUS`.

Example:
    >>> from forgeml.serving import create_app                  # doctest: +SKIP
    >>> app = create_app(["credit@champion"])                    # doctest: +SKIP
"""

from forgeml.serving._app import DEFAULT_MAX_BODY_BYTES, create_app
from forgeml.serving._auth import ApiKeys, parse_keys
from forgeml.serving._errors import STATUS
from forgeml.serving._metrics import ServingMetrics
from forgeml.serving._pool import LoadedModel, ModelPool, ModelSource, parse_source

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "STATUS",
    "ApiKeys",
    "LoadedModel",
    "ModelPool",
    "ModelSource",
    "ServingMetrics",
    "create_app",
    "parse_keys",
    "parse_source",
]
