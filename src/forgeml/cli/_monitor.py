"""``forgeml monitor``: drift of live traffic (or of a table of recent rows, ``--data``) against the
model's reference profile, and its performance on feedback against the CV estimate.

``forgeml monitor NAME [--window 1h]`` reads what ``forgeml serve`` stored; ``forgeml monitor MODEL
--data rows.csv`` compares a table (the batch form)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from forgeml.cli._app import app, handles_errors, out
from forgeml.cli._render import print_json
from forgeml.config import parse_duration
from forgeml.errors import ConfigError, NotFoundError
from forgeml.monitoring import DriftReport, DriftThresholds, LiveReport, drift_report, live_report
from forgeml.registry import load_model as load

_D = DriftThresholds()


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:.4g}"


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


def _windows(report: LiveReport) -> Table:
    p = report.performance
    table = Table(title=f"Windows of {report.model} version {report.version}: drift and {p.metric} on feedback")
    for name in ("window start", "rows", "dataset drift", "drifted features", "labels", p.metric):
        table.add_column(name, justify="right" if name in ("rows", "labels", p.metric) else "left")
    perf = {w.start: w for w in p.windows}
    for w in report.windows:
        pw = perf.get(w.start)
        table.add_row(
            w.start[:19],
            f"{w.n_rows:,}",
            "[bold red]yes[/]" if w.dataset_drift else "no",
            ", ".join(w.drifted_features) or "—",
            str(pw.n_feedback if pw else 0),
            _fmt(pw.value if pw else None),
        )
    return table


def _print_live(report: LiveReport, show_shadow: bool) -> None:
    d, p = report.drift, report.performance
    out.print(_table(d))
    out.print(_windows(report))
    verdict = "[bold red]yes[/]" if d.dataset_drift else "no"
    out.print(
        f"dataset drift: {verdict} ({len(d.drifted_features)} of {len(d.features)} features, "
        f"{d.share_drifted:.0%}; threshold {d.thresholds.dataset_share:.0%})"
    )
    if d.predictions:
        out.print(f"prediction drift: {'[bold red]yes[/]' if d.prediction_drift else 'no'}")
    state = "[bold red]degraded[/]" if p.degraded else "ok"
    out.print(
        f"performance: {p.metric} {_fmt(p.value)} on {p.n_feedback:,} labelled predictions; "
        f"CV estimate {_fmt(p.cv_score)}: {state}",
        highlight=False,
    )
    s = report.shadow
    if s is not None:
        agree = "—" if s.agreement is None else f"{s.agreement:.1%}"
        out.print(
            f"shadow (version {', '.join(map(str, s.shadow_versions))}): {s.n_compared:,} rows compared, "
            f"agreement {agree}, mean absolute difference {_fmt(s.mean_abs_diff)}; on {s.n_feedback:,} labelled rows "
            f"{p.metric} served {_fmt(s.champion_score)} vs shadow {_fmt(s.shadow_score)}",
            highlight=False,
        )
    elif show_shadow:
        out.print("shadow: no shadow predictions were logged in this span", highlight=False)


def _live(
    model: str, window: str | None, version: int | None, thresholds: DriftThresholds, degradation: float
) -> LiveReport:
    span = None
    if window is not None:
        try:
            span = timedelta(seconds=parse_duration(window))
        except ConfigError:
            raise ConfigError(f"'--window' must look like 30m, 1h or 24h, got {window!r}.") from None
    predictor = None
    if "=" in model:  # NAME=FOLDER: a model served from a folder, logged as version 0
        model, _, folder = model.partition("=")
        if not Path(folder).is_dir():
            raise NotFoundError(f"no model folder '{folder}'; give NAME=FOLDER as it was served.")
        predictor = load(folder).predictor
    return live_report(
        model, window=span, version=version, predictor=predictor, thresholds=thresholds, degradation=degradation
    )


@app.command()
@handles_errors
def monitor(
    model: Annotated[
        str,
        typer.Argument(
            help="Registered NAME, NAME@VERSION or NAME@ALIAS (NAME=FOLDER for a model served from a folder); "
            "with --data, also a model folder."
        ),
    ],
    data: Annotated[
        str | None,
        typer.Option("--data", help="Batch form: CSV, CSV.gz or Parquet file of recent rows (features)."),
    ] = None,
    window: Annotated[
        str | None,
        typer.Option("--window", help="Live form: only windows of the last 30m, 1h, 24h ... (default: all stored)."),
    ] = None,
    version: Annotated[
        int | None, typer.Option("--version", help="Live form: this version instead of the one NAME names.")
    ] = None,
    shadow: Annotated[
        bool, typer.Option("--shadow", help="Live form: say so when no shadow model's predictions were logged.")
    ] = False,
    degradation: Annotated[
        float, typer.Option("--degradation", help="Degraded when the metric is worse than CV by this share.")
    ] = 0.1,
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
    """Drift of MODEL's live traffic (or of --data rows) against its reference profile, and its performance."""
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
    if data is None:
        live = _live(model, window, version, thresholds, degradation)
        if html is not None:
            html.write_text(live.to_html(), encoding="utf-8")
        if as_json:
            print_json(out, live.to_json())
        else:
            _print_live(live, shadow)
            if html is not None:
                out.print(f"wrote {html}", highlight=False)
        if fail_on_drift and live.drift.dataset_drift:
            raise typer.Exit(2)
        return
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
