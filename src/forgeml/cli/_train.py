"""``forgeml train``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from forgeml.automl import AutoML
from forgeml.cli._app import app, handles_errors, out, setup_logging
from forgeml.cli._progress import TrainingProgress
from forgeml.cli._render import leaderboard_table, print_json
from forgeml.config import parse_duration
from forgeml.errors import ConfigError
from forgeml.registry import register


def _column_types(pairs: list[str]) -> dict[str, str]:
    types: dict[str, str] = {}
    for p in pairs:
        name, sep, role = p.rpartition("=")
        if not sep or not name:
            raise ConfigError(f"'--column' must look like NAME=ROLE (e.g. zip=categorical), got {p!r}.")
        types[name] = role
    return types


@app.command()
@handles_errors
def train(
    data: Annotated[str, typer.Argument(help="CSV, CSV.gz or Parquet file with the training rows.")],
    target: Annotated[str, typer.Option("--target", "-t", help="Column to predict.")],
    task: Annotated[str | None, typer.Option(help="binary, multiclass or regression (inferred if omitted).")] = None,
    metric: Annotated[str | None, typer.Option(help="Metric to optimise (default: roc_auc, log_loss or rmse).")] = None,
    time_limit: Annotated[
        str | None, typer.Option("--time-limit", help="Budget for the whole run: 60s, 5m, 1h (default 60s).")
    ] = None,
    search: Annotated[str, typer.Option(help="bayes (Optuna TPE), random or grid.")] = "bayes",
    max_trials: Annotated[
        int | None,
        typer.Option("--max-trials", help="Stop after N trials; without --time-limit the run is reproducible."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of every random choice.")] = 0,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder to save the model in.")] = Path("forgeml-model"),
    n_folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds.")] = 5,
    memory_limit: Annotated[str | None, typer.Option("--memory-limit", help="e.g. 4GB (default: free memory).")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help="Parallel trials (default: CPU cores).")] = None,
    group_column: Annotated[
        str | None, typer.Option("--group-column", help="Rows sharing this value stay in one fold.")
    ] = None,
    time_column: Annotated[
        str | None, typer.Option("--time-column", help="Validate on later rows than those trained on.")
    ] = None,
    subject_id: Annotated[
        str | None,
        typer.Option(
            "--subject-id",
            help="Column naming the person each row is about: never a feature, kept in registered data for "
            "'forgeml erase'.",
        ),
    ] = None,
    allow_pii: Annotated[
        list[str] | None,
        typer.Option("--allow-pii", help="Use this column as a feature although it looks like personal data."),
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(
            "--column", help="Override a column's role: NAME=numeric|categorical|boolean|datetime|text|identifier|drop."
        ),
    ] = None,
    families: Annotated[str | None, typer.Option(help="Comma-separated model families to try (default: all).")] = None,
    no_ensemble: Annotated[bool, typer.Option("--no-ensemble", help="Keep only the best single model.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or tables.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary (implies no progress bar).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging on stderr.")] = False,
    name: Annotated[
        str | None, typer.Option("--name", help="Register the model as the next version of NAME, with lineage.")
    ] = None,
    alias: Annotated[
        str | None, typer.Option("--alias", help="With --name: point this alias (e.g. champion) at the new version.")
    ] = None,
) -> None:
    """Train a cross-validated, time-budgeted ensemble and save it."""
    setup_logging(verbose)
    if alias is not None and name is None:
        raise ConfigError(f"'--alias' needs '--name NAME' to register the model under, got --alias {alias!r} alone.")
    limit = parse_duration(time_limit) if time_limit is not None else (None if max_trials else 60.0)
    show = not quiet and not as_json
    with TrainingProgress(out, time_limit=limit, max_trials=max_trials, enabled=show) as progress:
        automl = AutoML(
            task=task,
            metric=metric,
            time_limit=limit,
            max_trials=max_trials,
            search=search,
            seed=seed,
            n_folds=n_folds,
            memory_limit=memory_limit,
            n_jobs=jobs,
            group_column=group_column,
            time_column=time_column,
            subject_column=subject_id,
            allow_pii=allow_pii or (),
            column_types=_column_types(column or []),
            families=[f.strip() for f in families.split(",") if f.strip()] if families else None,
            ensemble=not no_ensemble,
            on_event=progress,
        ).fit(data, target=target)
    path = automl.save(out_dir)
    version = register(path, name, data=data, alias=alias, config=automl.config) if name else None
    pred = automl.predictor
    board = automl.leaderboard()
    pii = {c.name: c.reason for c in pred.schema.columns if c.role == "pii"}
    if as_json:
        print_json(
            out,
            {
                "model_path": str(path),
                "registered": None if version is None else version.ref,
                "task": pred.task,
                "metric": pred.metric,
                "cv_score": pred.info["cv_score"],
                "notes": list(pred.schema.notes),
                "subject_column": pred.schema.subject_column,
                "pii_columns": pii,
                "trials": pred.info["trials"],
                "leaderboard": board.to_dict("records"),
            },
        )
        return
    if quiet:
        out.print(str(path))
        return
    for note in pred.schema.notes:
        out.print(f"[dim]note:[/dim] {escape(note)}", highlight=False)
    if pii:
        out.print(f"[bold yellow]personal data kept out of the features:[/bold yellow] {', '.join(pii)}")
    if pred.schema.subject_column:
        out.print(f"[dim]subject id column:[/dim] {pred.schema.subject_column} (not a feature)")
    sel = pred.info.get("feature_selection", {})
    if sel.get("applied"):
        out.print(f"[dim]note:[/dim] feature selection dropped {', '.join(sel['proposed_drop'])}")
    out.print(leaderboard_table(board, pred.metric))
    out.print(
        f"[bold green]Saved[/bold green] {path}  task={pred.task}  CV {pred.metric}={pred.info['cv_score']:.5g}  "
        f"trials={pred.info['trials']}  time={pred.info['fit_seconds']:.1f}s"
    )
    if version is not None:
        out.print(f"[bold green]Registered[/bold green] {version.ref}" + (f" as {alias}" if alias else ""))
