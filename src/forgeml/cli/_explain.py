"""``forgeml explain``: the top contributing input columns of each prediction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from forgeml.cli._app import app, err, handles_errors, out
from forgeml.cli._render import print_json
from forgeml.data import read_table
from forgeml.errors import ConfigError
from forgeml.evaluation import explain as explain_rows
from forgeml.registry import load_model as load

MAX_ROWS = 1000  # explanations cost far more than predictions (Shapley sampling for some families)


def long_frame(explained: list[dict[str, Any]]) -> pd.DataFrame:
    """One line per (row, ranked column): row, prediction, explained class, output, base value,
    rank, feature, contribution; plus a ``(rest)`` line per row so that each row's lines sum up."""
    recs = []
    for i, e in enumerate(explained):
        head = {"row": i, "prediction": e["prediction"]}
        if "explained_class" in e:
            head["explained_class"] = e["explained_class"]
        head.update(output=e["output"], base_value=e["base_value"])
        for rank, (feature, value) in enumerate(e["contributions"].items(), start=1):
            recs.append({**head, "rank": rank, "feature": feature, "contribution": value})
        recs.append({**head, "rank": None, "feature": "(rest)", "contribution": e["rest"]})
    return pd.DataFrame(recs)


def _check_output(dest: Path) -> str:
    if not dest.parent.is_dir():
        raise ConfigError(f"cannot write '{dest}': folder '{dest.parent}' does not exist; create it first.")
    suffix = "".join(dest.suffixes[-2:]).lower()
    for kind in (".json", ".parquet", ".pq", ".csv.gz", ".csv"):
        if suffix.endswith(kind):
            return kind
    raise ConfigError(f"'-o' must end in .csv, .csv.gz, .parquet or .json, got '{dest}'.")


@app.command()
@handles_errors
def explain(
    model: Annotated[str, typer.Argument(help="Model folder, or registered NAME, NAME@VERSION or NAME@ALIAS.")],
    data: Annotated[str, typer.Argument(help="CSV, CSV.gz or Parquet file with rows to explain.")],
    top: Annotated[int, typer.Option("--top", help="Contributing columns to list per row.")] = 5,
    class_: Annotated[
        str | None,
        typer.Option("--class", help="Class to explain (default: the positive class, or the predicted one)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write .json, or .csv/.parquet (one line per row and column)."),
    ] = None,
    max_rows: Annotated[
        int, typer.Option("--max-rows", help="Explain at most the first N rows (0: every row).")
    ] = MAX_ROWS,
) -> None:
    """Explain each prediction: base value plus the top contributing input columns.

    Contributions are in the model's output space (class probability, or the predicted value):
    base_value + all contributions = output, and 'rest' is the sum of the columns not listed.
    """
    if top < 1:
        raise ConfigError(f"'--top' must be an integer >= 1, got {top}.")
    if max_rows < 0:
        raise ConfigError(f"'--max-rows' must be an integer >= 0 (0 explains every row), got {max_rows}.")
    kind = _check_output(output) if output is not None else None
    predictor = load(model)
    frame = read_table(data)
    if max_rows and len(frame) > max_rows:
        err.print(
            f"explaining the first {max_rows:,} of {len(frame):,} rows; pass --max-rows {len(frame)} (or 0) for all.",
            highlight=False,
            soft_wrap=True,
        )
        frame = frame.head(max_rows)
    ex = explain_rows(predictor, frame)
    explained = ex.top(top, class_)
    if output is None:
        print_json(out, explained)
        return
    if kind == ".json":
        output.write_text(json.dumps(explained, indent=1, default=str))
    elif kind in (".parquet", ".pq"):
        long_frame(explained).to_parquet(output, index=False)
    else:
        long_frame(explained).to_csv(output, index=False)
    out.print(f"wrote explanations of {ex.n_rows} rows to {output}", highlight=False, soft_wrap=True)
