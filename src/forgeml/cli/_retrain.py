"""``forgeml retrain``, ``forgeml rollback`` and ``forgeml watch``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from forgeml.cli._app import app, err, handles_errors, out, setup_logging
from forgeml.cli._progress import TrainingProgress
from forgeml.cli._render import print_json
from forgeml.config import parse_duration
from forgeml.errors import ConfigError
from forgeml.monitoring import DriftThresholds
from forgeml.retraining import MODES, RetrainResult, SchemaChanges, WatchEvent, retrain, rollback, watch

_MODE_HELP = "full: a new search on old + fresh rows; incremental: continue the champion's boosters."


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ConfigError(f"'--mode' must be one of {', '.join(MODES)}, got {mode!r}.")
    return mode


def _changes(changes: SchemaChanges) -> None:
    lines = changes.lines()
    if not lines:
        out.print(f"schema: no changes in {changes.n_rows:,} fresh rows")
        return
    out.print(f"schema changes in {changes.n_rows:,} fresh rows:")
    for line in lines:
        out.print(f"  • {line}", highlight=False)


def _result_table(r: RetrainResult) -> Table:
    g = r.gate
    better = "higher" if g.greater_is_better else "lower"
    table = Table(title=f"{r.name}: champion v{r.champion_version} vs challenger v{r.challenger_version} ({r.mode})")
    table.add_column("", style="bold")
    table.add_column("value", overflow="fold")
    table.add_row(f"champion {g.metric}", f"{g.champion_score:.5g}")
    table.add_row(f"challenger {g.metric}", f"{g.challenger_score:.5g}  ({better} is better)")
    table.add_row("improvement", f"{g.improvement:+.4g}  (margin {g.margin:g})")
    table.add_row(f"{g.confidence:.0%} interval", f"[{g.lower:+.4g}, {g.upper:+.4g}]  ({g.n_boot} paired resamples)")
    table.add_row("held-out rows", f"{g.n_rows:,}")
    colour = {"promoted": "green", "rejected": "red"}.get(r.decision, "yellow")
    table.add_row("decision", f"[bold {colour}]{r.decision}[/]")
    table.add_row("reason", r.reason)
    table.add_row("seconds", ", ".join(f"{k} {v:.1f}" for k, v in r.seconds.items()))
    table.add_row("datasets", ", ".join([*r.old_datasets, f"{r.fresh_dataset} (fresh)"]))
    return table


@app.command("retrain")
@handles_errors
def retrain_command(
    name: Annotated[str, typer.Argument(help="Registered model: NAME (its champion), NAME@VERSION or NAME@ALIAS.")],
    data: Annotated[str, typer.Option("--data", help="Fresh labelled rows: CSV, CSV.gz or Parquet.")],
    mode: Annotated[str, typer.Option("--mode", help=_MODE_HELP)] = "full",
    time_limit: Annotated[
        str | None, typer.Option("--time-limit", help="Budget for training: 60s, 5m (default: the champion's).")
    ] = None,
    holdout: Annotated[float, typer.Option("--holdout", help="Most recent share of fresh rows held out.")] = 0.2,
    margin: Annotated[float, typer.Option("--margin", help="Promote only if better by more than this.")] = 0.0,
    confidence: Annotated[float, typer.Option("--confidence", help="Bootstrap confidence level.")] = 0.95,
    seed: Annotated[int, typer.Option(help="Seed of the hold-out validation split and the bootstrap.")] = 0,
    no_promote: Annotated[bool, typer.Option("--no-promote", help="Register the challenger only.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON (no progress bar).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging on stderr.")] = False,
) -> None:
    """Train a challenger for NAME on fresh data; promote it to champion if it is better on held-out rows."""
    setup_logging(verbose)
    limit = None if time_limit is None else parse_duration(time_limit)
    show = not as_json
    with TrainingProgress(err, time_limit=limit, max_trials=None, enabled=show) as progress:
        result = retrain(
            name,
            data,
            mode=_check_mode(mode),
            time_limit=limit,
            holdout=holdout,
            margin=margin,
            confidence=confidence,
            seed=seed,
            promote=not no_promote,
            on_event=progress,
        )
    if as_json:
        print_json(out, result.to_json())
        return
    _changes(result.changes)
    for note in result.notes:
        out.print(f"[yellow]note:[/] {note}", highlight=False)
    out.print(_result_table(result))


@app.command("rollback")
@handles_errors
def rollback_command(
    name: Annotated[str, typer.Argument(help="Registered model name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the alias move as JSON.")] = False,
) -> None:
    """Point NAME@champion back at the version it pointed at before."""
    move = rollback(name)
    if as_json:
        print_json(out, move.to_json())
        return
    out.print(f"{name}@champion: version {move.previous_version} → {move.version}", highlight=False)


def _print_events(events: list[WatchEvent]) -> None:
    for e in events:
        why = "; ".join(e.reasons) or "no trigger"
        out.print(f"{Path(e.file).name}: {e.trigger or '-'} → {e.outcome} ({why})", highlight=False)


@app.command("watch")
@handles_errors
def watch_command(
    name: Annotated[str, typer.Argument(help="Registered model name.")],
    data_dir: Annotated[Path, typer.Option("--data-dir", help="Folder where new labelled files arrive.")],
    every: Annotated[str, typer.Option("--every", help="Time between checks: 10m, 1h.")] = "1h",
    mode: Annotated[str, typer.Option("--mode", help=_MODE_HELP)] = "full",
    on_drift: Annotated[
        bool, typer.Option("--on-drift/--no-on-drift", help="Retrain when a new file drifts from the reference.")
    ] = True,
    on_degradation: Annotated[
        bool, typer.Option("--on-degradation/--no-on-degradation", help="Retrain when the live metric degrades.")
    ] = True,
    drift_share: Annotated[float, typer.Option("--drift-share", help="Share of drifted features that triggers.")] = 0.5,
    degradation: Annotated[float, typer.Option("--degradation", help="Relative drop of the live metric.")] = 0.1,
    time_limit: Annotated[str | None, typer.Option("--time-limit", help="Budget for each retrain.")] = None,
    margin: Annotated[float, typer.Option("--margin", help="Promote only if better by more than this.")] = 0.0,
    once: Annotated[bool, typer.Option("--once", help="Run one check and exit (for cron).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print each check's events as JSON.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging on stderr.")] = False,
) -> None:
    """Watch a folder for new data and retrain NAME on it: on a schedule (with --no-on-drift
    --no-on-degradation every new file is used), or when drift or degradation crosses a threshold."""
    setup_logging(verbose)
    period = parse_duration(every)
    if not once:
        err.print(f"watching {data_dir} for {name} every {every} (Ctrl-C stops)", highlight=False)

    def show(events: list[WatchEvent]) -> None:
        if as_json:
            print_json(out, [e.to_json() for e in events])
        elif events:
            _print_events(events)
        elif once:
            out.print(f"no new data in {data_dir}", highlight=False)

    watch(
        name,
        data_dir,
        every=period,
        once=once,
        on_tick=show,
        mode=_check_mode(mode),
        on_drift=on_drift,
        on_degradation=on_degradation,
        thresholds=DriftThresholds(dataset_share=drift_share),
        degradation=degradation,
        retrain_options={"time_limit": time_limit, "margin": margin},
    )
