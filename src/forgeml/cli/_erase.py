"""``forgeml erase``: remove one person's data everywhere forgeml keeps it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from forgeml.cli._app import app, handles_errors, out, setup_logging
from forgeml.cli._render import print_json
from forgeml.governance import ErasureReport, erase_subject


@app.command()
@handles_errors
def erase(
    subject: Annotated[
        str, typer.Option("--subject", help="The subject id (value of the models' --subject-id column).")
    ],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (kept with the erasure; the id is masked).")
    ] = None,
    retrain: Annotated[
        bool, typer.Option("--retrain", help="Retrain affected aliased models without the subject (through the gate).")
    ] = False,
    time_limit: Annotated[
        str | None, typer.Option("--time-limit", help="With --retrain: budget per model (default: each model's own).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging on stderr.")] = False,
) -> None:
    """Erase a subject's rows from every dataset version, the prediction log and feedback; list (and with
    --retrain, retrain) the models trained on them. Safe to re-run; the audit trail keeps only a salted hash."""
    setup_logging(verbose)
    report = erase_subject(subject, reason=reason, retrain=retrain, time_limit=time_limit)
    if as_json:
        print_json(out, report.to_json())
        return
    _print(report)


def _print(r: ErasureReport) -> None:
    resumed = " (resumed an interrupted erasure)" if r.resumed else ""
    out.print(f"[bold]erasure {r.erasure_id}[/bold] of subject {r.subject_hash[:16]}…{resumed}", highlight=False)
    if r.nothing_found:
        out.print("nothing found: the subject is in no dataset, prediction log or feedback (already erased?)")
    if r.datasets:
        table = Table(title="Datasets")
        for col in ("version", "rows removed", "new version"):
            table.add_column(col)
        for d in r.datasets:
            table.add_row(d.dataset, str(d.rows_removed), d.new_version or "- (no rows left)")
        out.print(table)
        out.print(f"old content destroyed: {r.content_destroyed} object(s)")
    out.print(f"prediction log rows deleted: {r.predictions_deleted}; feedback rows deleted: {r.feedback_deleted}")
    if r.affected_models:
        table = Table(title="Models trained on the subject's rows")
        for col in ("version", "aliases", "datasets", "embeds training rows"):
            table.add_column(col)
        for m in r.affected_models:
            table.add_row(
                m.ref, ", ".join(m.aliases) or "-", ", ".join(m.datasets), "yes" if m.holds_training_rows else "no"
            )
        out.print(table)
        if not r.retrained:
            out.print("re-run with --retrain to retrain the aliased ones without the subject")
    for o in r.retrained:
        made = f" -> {o.challenger}" if o.challenger else ""
        out.print(f"retrained {o.base}{made}: [bold]{o.decision}[/bold] ({escape(o.reason)})", highlight=False)
    if r.still_holding:
        out.print(
            f"[yellow]still holding the subject's rows in their files:[/yellow] {', '.join(r.still_holding)} "
            "(delete those versions once replaced: forgeml models delete NAME@VERSION, then forgeml gc)"
        )
    if r.not_searched:
        out.print(f"[yellow]not searched (no subject id column):[/yellow] {', '.join(r.not_searched)}", highlight=False)
    for p in r.problems:
        out.print(f"[red]problem:[/red] {escape(p)}", highlight=False)
