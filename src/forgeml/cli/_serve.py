"""``forgeml serve``: serve models over HTTP with uvicorn."""

from __future__ import annotations

import logging
import os
from typing import Annotated

import typer

from forgeml.cli._app import app, err, handles_errors, setup_logging
from forgeml.errors import ConfigError, DependencyError


@app.command()
@handles_errors
def serve(
    models: Annotated[
        list[str],
        typer.Option("--models", "-m", help="Model to serve: folder, NAME=FOLDER, NAME, NAME@VERSION or NAME@ALIAS."),
    ],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    workers: Annotated[int, typer.Option(help="Worker processes (each loads every model).")] = 1,
    api_key: Annotated[
        list[str] | None,
        typer.Option("--api-key", help="KEY or KEY:SCOPE (predict|admin); repeat. Default: $FORGEML_API_KEYS."),
    ] = None,
    poll: Annotated[float, typer.Option(help="Seconds between registry checks for moved aliases.")] = 2.0,
    max_body_bytes: Annotated[int, typer.Option(help="Largest request body accepted (413 above).")] = 8 * 1024 * 1024,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Serve MODELS over HTTP: KServe V1, Open Inference Protocol V2, /metrics, /docs."""
    try:
        import uvicorn

        from forgeml.serving import create_app, parse_keys
    except ImportError as e:  # pragma: no cover - the serving extras are dependencies
        raise DependencyError(f"serving needs fastapi and uvicorn: pip install forgeml ({e}).") from e
    if workers < 1:
        raise ConfigError(f"'--workers' must be an integer >= 1, got {workers}.")
    setup_logging(verbose)
    logging.getLogger("forgeml").setLevel(logging.DEBUG if verbose else logging.INFO)
    keys = parse_keys(api_key) if api_key else parse_keys(None)
    err.print(f"serving {', '.join(models)} on http://{host}:{port} (docs at /docs)", highlight=False)
    if workers == 1:
        application = create_app(models, api_keys=keys, poll_seconds=poll, max_body_bytes=max_body_bytes)
        uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)
        return
    # several processes: each builds its app from the environment through the factory below
    os.environ["FORGEML_SERVE_MODELS"] = "\n".join(models)
    os.environ["FORGEML_SERVE_POLL"] = str(poll)
    os.environ["FORGEML_SERVE_MAX_BODY"] = str(max_body_bytes)
    if api_key:
        os.environ["FORGEML_API_KEYS"] = ",".join(api_key)
    uvicorn.run(
        "forgeml.cli._serve:_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


def _factory() -> object:
    """App factory for multi-worker uvicorn (reads what ``serve`` put in the environment)."""
    from forgeml.serving import create_app

    return create_app(
        os.environ["FORGEML_SERVE_MODELS"].splitlines(),
        poll_seconds=float(os.environ.get("FORGEML_SERVE_POLL", "2")),
        max_body_bytes=int(os.environ.get("FORGEML_SERVE_MAX_BODY", str(8 * 1024 * 1024))),
    )
