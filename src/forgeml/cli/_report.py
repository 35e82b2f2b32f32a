"""``forgeml report``: one self-contained HTML page about a model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from forgeml import registry
from forgeml.cli._app import app, handles_errors, out
from forgeml.errors import ConfigError, NotFoundError
from forgeml.evaluation import build_report
from forgeml.registry import load_model as load


def check_html_output(dest: Path, allowed: tuple[str, ...] = (".html",)) -> str:
    """The suffix of ``dest`` (one of ``allowed``), after checking its folder exists."""
    suffix = dest.suffix.lower()
    if suffix not in allowed:
        raise ConfigError(f"'-o' must end in {' or '.join(allowed)}, got '{dest}'.")
    if not dest.parent.is_dir():
        raise ConfigError(f"cannot write '{dest}': folder '{dest.parent}' does not exist; create it first.")
    return suffix


def training_table(ref: str) -> tuple[pd.DataFrame, str] | None:
    """The stored training table of a registered model version (None for folders, or when its
    content was not kept or was erased)."""
    if registry.parse_ref(ref) is None or Path(ref).exists():
        return None
    try:
        version = registry.resolve_version(ref)
        for d in version.lineage.get("datasets", []):
            frame = registry.read_dataset(d["name"], d["version"])
            return frame, f"training dataset {d['name']}@{d['version']}"
    except NotFoundError:
        return None
    return None


@app.command()
@handles_errors
def report(
    model: Annotated[str, typer.Argument(help="Model folder, or registered NAME, NAME@VERSION or NAME@ALIAS.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The .html file to write.")] = Path("report.html"),
    data: Annotated[
        str | None,
        typer.Option("--data", help="Labelled held-out rows (with the target) for metrics, curves and importance."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for row samples and permutations.")] = 0,
    max_rows: Annotated[int, typer.Option("--max-rows", help="Most rows to explain (a seeded sample).")] = 2000,
) -> None:
    """Write an HTML report: leaderboard, CV scores, importance, confusion matrix and ROC/PR curves
    or residual plots, calibration and the data profile. Viewing it needs no internet."""
    check_html_output(output)
    if max_rows < 1:
        raise ConfigError(f"'--max-rows' must be an integer >= 1, got {max_rows}.")
    automl = load(model)
    explain_data, label = None, ""
    if data is None:
        found = training_table(model)
        if found is not None:
            explain_data, label = found
    else:
        label = data
    html = build_report(
        automl, data=data, explain_data=explain_data, name=model, data_label=label, seed=seed, max_rows=max_rows
    )
    output.write_text(html, encoding="utf-8")
    out.print(f"wrote report of {model} to {output}", highlight=False, soft_wrap=True)
