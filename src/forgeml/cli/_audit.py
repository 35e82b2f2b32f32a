"""``forgeml audit log|verify`` and ``forgeml gc`` (artifacts and retention)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from forgeml import audit
from forgeml.cli._app import app, err, handles_errors, out
from forgeml.cli._render import print_json
from forgeml.governance import enforce_retention
from forgeml.store import DEFAULT_GC_GRACE_S, default_store

audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def _short(value: object) -> str:
    text = str(value)
    return text[:12] + "…" if len(text) == 64 and all(c in "0123456789abcdef" for c in text) else text


@audit_app.command("log")
@handles_errors
def log(
    model: Annotated[str | None, typer.Option("--model", help="Only entries about this model.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only entries at or after this ISO date/time.")] = None,
    action: Annotated[str | None, typer.Option("--action", help="Only this action, e.g. alias.moved.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Only the newest N entries.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Who changed what, and when."""
    entries = audit.read_log(model=model, since=since, action=action, limit=limit)
    if as_json:
        print_json(out, [e.to_json() for e in entries])
        return
    table = Table(title="Audit log")
    for col in ("seq", "time (UTC)", "actor", "action", "object", "details"):
        table.add_column(col, overflow="fold")
    for e in entries:
        details = ", ".join(f"{k}={_short(v)}" for k, v in sorted(e.details.items()) if v not in (None, [], ""))
        table.add_row(str(e.seq), e.time[:19], e.actor, e.action, e.object_id, details)
    out.print(table)


@audit_app.command("verify")
@handles_errors
def verify(
    expect_head: Annotated[
        str | None,
        typer.Option("--expect-head", help="Hash of the newest entry kept elsewhere; detects deleted newest entries."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check the hash chain; exit 1 naming the first edited, deleted or reordered entry."""
    report = audit.verify()
    anchored = expect_head is None or any(e.hash.startswith(expect_head) for e in audit.read_log())
    if as_json:
        print_json(out, {**report.to_json(), "expected_head_found": anchored})
    if report.ok and anchored:
        if not as_json:
            out.print(f"audit log intact: {report.entries} entries, head {report.head_seq} {report.head_hash}")
        return
    if not as_json:
        for p in report.problems:
            err.print(f"[bold red]tampered:[/bold red] seq {p.seq} {p.kind}: {p.message}", highlight=False)
        if not anchored:
            err.print(f"[bold red]tampered:[/bold red] no entry has the expected hash {expect_head}; entries were "
                      "deleted from the end of the log", highlight=False)  # fmt: skip
    raise typer.Exit(1)


@app.command("gc")
@handles_errors
def gc(
    grace: Annotated[
        float, typer.Option("--grace", help="Keep files younger than this many seconds (registrations in flight).")
    ] = DEFAULT_GC_GRACE_S,
    retention: Annotated[
        str | None,
        typer.Option(
            "--retention",
            help="Also delete prediction logs, feedback and live windows older than this (90d, 2w, 12h); "
            "default: FORGEML_RETENTION, unset = keep forever.",
        ),
    ] = None,
) -> None:
    """Remove artifact files no registered version uses (deleted versions, crashed registrations, erased
    dataset content) and enforce the retention of prediction logs and feedback."""
    store = default_store()
    kept = enforce_retention(retention, store=store)
    report = store.gc(grace_seconds=grace)
    r = report.removed
    out.print(
        f"kept {report.kept_versions} versions; removed {r.objects} objects ({r.bytes} bytes), "
        f"{r.temp_files} temporary files, {r.cache_folders} cached copies"
    )
    if kept.max_age_s is None:
        out.print("retention: none configured (prediction logs and feedback are kept forever)")
    else:
        out.print(
            f"retention: deleted {kept.predictions_deleted} prediction log rows, {kept.feedback_deleted} feedback "
            f"rows and {kept.live_windows_deleted} live windows older than {kept.cutoff}",
            highlight=False,
        )
