"""``forgeml models list|show|alias|unalias|delete`` and ``forgeml datasets list``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from forgeml import registry
from forgeml.cli._app import app, handles_errors, out
from forgeml.cli._render import print_json
from forgeml.errors import ConfigError

models_app = typer.Typer(help="Registered models: versions, aliases, lineage.", no_args_is_help=True)
datasets_app = typer.Typer(help="Registered datasets.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(datasets_app, name="datasets")


def _score(v: float | None) -> str:
    return "-" if v is None else f"{v:.5g}"


@models_app.command("list")
@handles_errors
def list_cmd(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Every registered model with its versions and aliases."""
    found = registry.list_models()
    if as_json:
        print_json(out, [m.to_json() for m in found])
        return
    table = Table(title="Registered models")
    for col in ("name", "versions", "latest", "aliases", "created"):
        table.add_column(col)
    for m in found:
        aliases = ", ".join(f"{a} -> {v}" for a, v in sorted(m.aliases.items())) or "-"
        table.add_row(m.name, str(len(m.versions)), str(m.latest or "-"), aliases, m.created_at[:19])
    out.print(table)


@models_app.command("show")
@handles_errors
def show(
    ref: Annotated[str, typer.Argument(help="NAME (every version), NAME@VERSION or NAME@ALIAS.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """A model's versions, or one version with its lineage."""
    parsed = registry.parse_ref(ref)
    if parsed is None:
        raise ConfigError(f"'REF' must look like NAME, NAME@VERSION or NAME@ALIAS, got {ref!r}.")
    if parsed[1] is None:
        versions = registry.list_versions(parsed[0])
        history = registry.alias_history_of(parsed[0])
        if as_json:
            print_json(
                out,
                {
                    "name": parsed[0],
                    "versions": [v.to_json() for v in versions],
                    "alias_history": [h.to_json() for h in history],
                },
            )
            return
        table = Table(title=f"Model {parsed[0]}")
        for col in ("version", "aliases", "metric", "cv score", "datasets", "created", "by"):
            table.add_column(col)
        for v in versions:
            table.add_row(
                str(v.version), ", ".join(v.aliases) or "-", v.metric or "-", _score(v.cv_score),
                ", ".join(v.datasets) or "-", v.created_at[:19], v.created_by,
            )  # fmt: skip
        out.print(table)
        for h in history:
            moved = "removed" if h.version is None else f"-> {h.version}"
            out.print(
                f"[dim]{h.moved_at[:19]}[/dim] {h.alias} {moved} (was {h.previous_version or '-'}) by {h.moved_by}"
            )
        return
    v = registry.resolve_version(ref)
    if as_json:
        print_json(out, v.to_json())
        return
    lin = v.lineage
    versions = lin.get("versions", {})
    out.print(f"[bold]{v.ref}[/bold]  aliases: {', '.join(v.aliases) or '-'}")
    rows = [
        ("metric", f"{v.metric or '-'} = {_score(v.cv_score)} (cross-validated)"),
        ("datasets", ", ".join(v.datasets) or "-"),
        ("task / target", f"{lin.get('task', '-')} / {lin.get('target', '-')}"),
        ("seed", str(lin.get("seed", "-"))),
        ("training time", "-" if lin.get("fit_seconds") is None else f"{lin['fit_seconds']:.1f} s"),
        ("trials", str(lin.get("trials", "-"))),
        ("registered", f"{v.created_at[:19]} by {v.created_by}"),
        ("forgeml", str(versions.get("forgeml", "-"))),
        ("libraries", ", ".join(f"{k} {val}" for k, val in versions.items() if k != "forgeml" and val)),
        ("artifact", f"sha256 {v.artifact_digest} ({v.artifact_size} bytes)"),
    ]
    table = Table(show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in rows:
        table.add_row(key, value)
    out.print(table)


@models_app.command("alias")
@handles_errors
def alias_cmd(
    name: Annotated[str, typer.Argument(help="Registered model name.")],
    version: Annotated[int, typer.Argument(help="Version the alias should point at.")],
    alias: Annotated[str, typer.Argument(help="Alias, e.g. champion or challenger.")],
) -> None:
    """Point NAME@ALIAS at VERSION (an audited move; the history is kept)."""
    move = registry.set_alias(name, version, alias)
    if move is None:
        out.print(f"{name}@{alias} already points at version {version}")
    else:
        was = "" if move.previous_version is None else f" (was {move.previous_version})"
        out.print(f"{name}@{alias} -> {version}{was}")


@models_app.command("unalias")
@handles_errors
def unalias(
    name: Annotated[str, typer.Argument(help="Registered model name.")],
    alias: Annotated[str, typer.Argument(help="Alias to remove.")],
) -> None:
    """Remove NAME@ALIAS (an audited move)."""
    move = registry.remove_alias(name, alias)
    out.print(f"removed {name}@{alias} (was {move.previous_version})")


@models_app.command("delete")
@handles_errors
def delete(ref: Annotated[str, typer.Argument(help="NAME@VERSION to delete.")]) -> None:
    """Delete one version (refused while an alias points at it); 'forgeml gc' then frees its files."""
    parsed = registry.parse_ref(ref)
    if parsed is None or not isinstance(parsed[1], int):
        raise ConfigError(f"'REF' must be NAME@VERSION with a version number, got {ref!r}.")
    gone = registry.delete_version(parsed[0], parsed[1])
    out.print(f"deleted {gone.ref}")


@datasets_app.command("list")
@handles_errors
def datasets_list(
    name: Annotated[str | None, typer.Argument(help="Only versions of this dataset.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every registered dataset version with its fingerprint, size and source."""
    found = registry.list_datasets(name)
    if as_json:
        print_json(out, [d.to_json() for d in found])
        return
    table = Table(title="Registered datasets")
    for col in ("dataset", "rows", "columns", "sha256", "source", "registered"):
        table.add_column(col)
    for d in found:
        table.add_row(d.ref, str(d.n_rows), str(d.n_columns), d.fingerprint[:16], d.source or "-", d.created_at[:19])
    out.print(table)
