"""``forgeml monitor``: a batch drift report of recent rows against the model's reference profile."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from forgeml.cli._app import app, handles_errors, out
from forgeml.cli._render import print_json
from forgeml.errors import ConfigError
from forgeml.monitoring import DriftReport, DriftThresholds, drift_report
from forgeml.registry import load_model as load

_D = DriftThresholds()


def _table(report: DriftReport) -> Table:
    table = Table(title=f"Drift of {report.n_rows:,} live rows against {report.n_reference:,} training rows")
    for name, right in (
        ("feature", False),
        ("statistic", False),
        ("value", True),
        ("threshold", True),
        ("drift", False),
        ("PSI", True),
        ("missing", True),
    ):
        table.add_column(name, justify="right" if right else "left", no_wrap=name in ("feature", "statistic"))
    for i, f in enumerate([*report.features, *report.predictions]):
        if i == len(report.features):
            table.add_section()
        table.add_row(
            f.name,
            f.statistic,
            f"{f.value:.3g}",
            f"{f.threshold:g}",
            "[bold red]yes[/]" if f.drifted else "no",
            f"{f.psi:.3f}",
            f"{f.missing_rate_reference:.0%}→{f.missing_rate_live:.0%}",
        )
    return table


@app.command()
@handles_errors
def monitor(
    model: Annotated[str, typer.Argument(help="Model folder, or registered NAME, NAME@VERSION or NAME@ALIAS.")],
    data: Annotated[str, typer.Option("--data", help="CSV, CSV.gz or Parquet file of recent rows (features).")],
    html: Annotated[Path | None, typer.Option("--html", help="Also write a self-contained HTML report.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    psi: Annotated[float, typer.Option("--psi", help="PSI above this is drift.")] = _D.psi,
    js: Annotated[float, typer.Option("--js", help="Jensen-Shannon distance above this is drift.")] = _D.jensenshannon,
    wasserstein: Annotated[
        float, typer.Option("--wasserstein", help="Wasserstein distance / reference std above this is drift.")
    ] = _D.wasserstein,
    p_value: Annotated[float, typer.Option("--p-value", help="Test p-value below this is drift.")] = _D.p_value,
    drift_share: Annotated[
        float, typer.Option("--drift-share", help="Dataset drift when at least this share of features drifts.")
    ] = _D.dataset_share,
    small_sample: Annotated[
        int, typer.Option("--small-sample", help="Below this many rows use tests (KS, chi-square), else distances.")
    ] = _D.small_sample,
    fail_on_drift: Annotated[bool, typer.Option("--fail-on-drift", help="Exit with code 2 on dataset drift.")] = False,
) -> None:
    """Compare recent rows (--data) with the reference profile stored with MODEL at training time."""
    thresholds = DriftThresholds(
        psi=psi,
        jensenshannon=js,
        wasserstein=wasserstein,
        p_value=p_value,
        dataset_share=drift_share,
        small_sample=small_sample,
    )
    if html is not None and not html.parent.is_dir():
        raise ConfigError(f"cannot write '{html}': folder '{html.parent}' does not exist; create it first.")
    report = drift_report(load(model).predictor, data, thresholds, model=model)
    if html is not None:
        html.write_text(report.to_html(), encoding="utf-8")
    if as_json:
        print_json(out, report.to_json())
    else:
        out.print(_table(report))
        verdict = "[bold red]yes[/]" if report.dataset_drift else "no"
        out.print(
            f"dataset drift: {verdict} ({len(report.drifted_features)} of {len(report.features)} features, "
            f"{report.share_drifted:.0%}; threshold {thresholds.dataset_share:.0%})"
        )
        if report.predictions:
            out.print(f"prediction drift: {'[bold red]yes[/]' if report.prediction_drift else 'no'}")
        if html is not None:
            out.print(f"wrote {html}", highlight=False)
    if fail_on_drift and report.dataset_drift:
        raise typer.Exit(2)
