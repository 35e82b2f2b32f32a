"""``forgeml serve``: serve models over HTTP with uvicorn, with live monitoring on by default."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Annotated

import typer

from forgeml.cli._app import app, err, handles_errors, setup_logging
from forgeml.config import parse_duration
from forgeml.errors import ConfigError, DependencyError

if TYPE_CHECKING:
    from forgeml.monitoring import MonitorConfig


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
    monitor: Annotated[
        bool,
        typer.Option(
            "--monitor/--no-monitor",
            help="Live monitoring: prediction ids, prediction log, drift and performance gauges (default on).",
        ),
    ] = True,
    monitor_flush: Annotated[
        str,
        typer.Option(
            "--monitor-flush",
            envvar="FORGEML_MONITOR_FLUSH",
            help="How often buffered predictions are written to the store; a crash loses at most this much.",
        ),
    ] = "10s",
    monitor_window: Annotated[
        str,
        typer.Option("--monitor-window", envvar="FORGEML_MONITOR_WINDOW", help="Length of a live-profile window."),
    ] = "1h",
    log_inputs: Annotated[
        bool,
        typer.Option(
            "--log-inputs/--no-log-inputs",
            help="Keep each row as sent in the prediction log (off by default: data minimisation).",
        ),
    ] = False,
    shadow: Annotated[
        list[str] | None,
        typer.Option(
            "--shadow",
            help="Shadow model (NAME@ALIAS, NAME@VERSION or NAME=FOLDER, named like a served model): gets a copy "
            "of its traffic off the hot path; its answers are logged, never returned. Repeat per model.",
        ),
    ] = None,
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
    config = monitor_config(monitor_flush, monitor_window, log_inputs) if monitor else False
    shadows = list(shadow or [])
    err.print(f"serving {', '.join(models)} on http://{host}:{port} (docs at /docs)", highlight=False)
    if workers == 1:
        application = create_app(
            models, api_keys=keys, poll_seconds=poll, max_body_bytes=max_body_bytes, monitor=config, shadows=shadows
        )
        uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)
        return
    # several processes: each builds its app from the environment through the factory below
    os.environ["FORGEML_SERVE_MODELS"] = "\n".join(models)
    os.environ["FORGEML_SERVE_POLL"] = str(poll)
    os.environ["FORGEML_SERVE_MAX_BODY"] = str(max_body_bytes)
    os.environ["FORGEML_SERVE_MONITOR"] = "1" if monitor else "0"
    os.environ["FORGEML_MONITOR_FLUSH"] = monitor_flush
    os.environ["FORGEML_MONITOR_WINDOW"] = monitor_window
    os.environ["FORGEML_SERVE_LOG_INPUTS"] = "1" if log_inputs else "0"
    os.environ["FORGEML_SERVE_SHADOWS"] = "\n".join(shadows)
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

    env = os.environ
    monitor = env.get("FORGEML_SERVE_MONITOR", "1") == "1"
    config = (
        monitor_config(
            env.get("FORGEML_MONITOR_FLUSH", "10s"),
            env.get("FORGEML_MONITOR_WINDOW", "1h"),
            env.get("FORGEML_SERVE_LOG_INPUTS", "1") == "1",
        )
        if monitor
        else False
    )
    return create_app(
        env["FORGEML_SERVE_MODELS"].splitlines(),
        poll_seconds=float(env.get("FORGEML_SERVE_POLL", "2")),
        max_body_bytes=int(env.get("FORGEML_SERVE_MAX_BODY", str(8 * 1024 * 1024))),
        monitor=config,
        shadows=[s for s in env.get("FORGEML_SERVE_SHADOWS", "").splitlines() if s],
    )


def _seconds(value: str, option: str) -> float:
    try:
        return parse_duration(value)
    except ConfigError:
        raise ConfigError(f"'{option}' must look like 30s, 10m or 1h, got {value!r}.") from None


def monitor_config(flush: str, window: str, log_inputs: bool) -> MonitorConfig:
    """The server's monitoring settings from the command-line values (durations like ``10s``, ``1h``).

    Example:
        >>> monitor_config("5s", "10m", True).window_seconds
        600.0
    """
    from forgeml.monitoring import MonitorConfig

    return MonitorConfig(
        flush_seconds=_seconds(flush, "--monitor-flush"),
        window_seconds=_seconds(window, "--monitor-window"),
        log_inputs=log_inputs,
    )
