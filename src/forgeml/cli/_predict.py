"""``forgeml predict``, ``forgeml leaderboard`` and ``forgeml evaluate``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from forgeml.cli._app import app, handles_errors, out
from forgeml.cli._batch import DEFAULT_CHUNK_ROWS, score_file
from forgeml.cli._render import leaderboard_table, print_json
from forgeml.errors import ConfigError
from forgeml.evaluation import evaluate
from forgeml.registry import load_model as load


def _write(frame: pd.DataFrame, dest: Path | None) -> None:
    if dest is None:
        frame.to_csv(sys.stdout, index=False)
        return
    if not dest.parent.is_dir():
        raise ConfigError(f"cannot write '{dest}': folder '{dest.parent}' does not exist; create it first.")
    suffix = "".join(dest.suffixes[-2:]).lower()
    if suffix.endswith((".parquet", ".pq")):
        frame.to_parquet(dest, index=False)
    elif suffix.endswith((".csv", ".csv.gz")):
        frame.to_csv(dest, index=False)
    else:
        raise ConfigError(f"'-o' must end in .csv, .csv.gz or .parquet, got '{dest}'.")


@app.command()
@handles_errors
def predict(
    model: Annotated[str, typer.Argument(help="Model folder, or registered NAME, NAME@VERSION or NAME@ALIAS.")],
    data: Annotated[str, typer.Argument(help="CSV, CSV.gz or Parquet file with rows to score.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write .csv or .parquet (default: CSV on stdout).")
    ] = None,
    proba: Annotated[bool, typer.Option("--proba", help="Add one probability column per class.")] = False,
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", help="Rows scored at a time (memory stays near one chunk).")
    ] = DEFAULT_CHUNK_ROWS,
) -> None:
    """Predict every row of DATA with MODEL, streaming in chunks with a progress bar."""
    automl = load(model)
    n = score_file(automl.predictor, data, output, proba=proba, chunk_rows=chunk_size)
    if output is not None:
        out.print(f"wrote {n} predictions to {output}", highlight=False)


@app.command()
@handles_errors
def leaderboard(
    model: Annotated[str, typer.Argument(help="Model folder, or registered NAME, NAME@VERSION or NAME@ALIAS.")],
    show_all: Annotated[bool, typer.Option("--all", help="Include pruned, failed and skipped trials.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON records.")] = False,
) -> None:
    """Show every model tried, with CV score, fit and predict time."""
    automl = load(model)
    board = automl.leaderboard()
    if as_json:
        print_json(out, board.to_dict("records"))
    else:
        out.print(leaderboard_table(board, automl.predictor.metric, limit=None, show_all=show_all))


@app.command(name="evaluate")
@handles_errors
def evaluate_cmd(
    model: Annotated[str, typer.Argument(help="Model folder, or registered NAME, NAME@VERSION or NAME@ALIAS.")],
    data: Annotated[str, typer.Argument(help="Labelled rows (must contain the target column).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Metrics on labelled data, with a confusion matrix or a residual summary."""
    report = evaluate(load(model), data)
    if as_json:
        print_json(out, report)
        return
    table = Table(title=f"{report['task']} metrics on {report['n_rows']} rows")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in report["metrics"].items():
        table.add_row(
            name + (" *" if name == report["optimised_metric"] else ""), "-" if value is None else f"{value:.5g}"
        )
    out.print(table)
    if "confusion_matrix" in report:
        cm = report["confusion_matrix"]
        t = Table(title="confusion matrix (rows: true, columns: predicted)")
        t.add_column("")
        for lab in cm["labels"]:
            t.add_column(lab, justify="right")
        for lab, row in zip(cm["labels"], cm["matrix"], strict=True):
            t.add_row(lab, *[str(v) for v in row])
        out.print(t)
    else:
        out.print("residuals: " + ", ".join(f"{k}={v:.5g}" for k, v in report["residuals"].items()))
