"""Model references: a path, ``NAME`` (the ``champion`` alias, else the latest version), ``NAME@3``
or ``NAME@ALIAS``, resolved to a verified model folder.

Example:
    >>> parse_ref("churn@3"), parse_ref("churn@champion"), parse_ref("churn")
    (('churn', 3), ('churn', 'champion'), ('churn', None))
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from forgeml.automl import AutoML
from forgeml.automl import load as load_folder
from forgeml.errors import NotFoundError
from forgeml.registry._common import store_or_default
from forgeml.registry._entities import ModelVersion
from forgeml.registry._models import get_version, known_models, list_versions
from forgeml.store import Store
from forgeml.store.tables import aliases

__all__ = ["DEFAULT_ALIAS", "load_model", "parse_ref", "resolve_model_path", "resolve_version"]

DEFAULT_ALIAS = "champion"
_REF = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9_.\-]*)(?:@(?P<sel>[A-Za-z0-9][A-Za-z0-9_.\-]*))?$")


def parse_ref(ref: str) -> tuple[str, int | str | None] | None:
    """``(name, version or alias or None)`` for a registry reference, None when ``ref`` cannot be one."""
    m = _REF.match(ref)
    if m is None or m.group("name").isdigit():
        return None
    sel = m.group("sel")
    return m.group("name"), (int(sel) if sel is not None and sel.isdigit() else sel)


def resolve_version(ref: str, *, store: Store | None = None) -> ModelVersion:
    """The registered version ``ref`` names; :class:`NotFoundError` lists what exists."""
    parsed = parse_ref(ref)
    if parsed is None:
        raise NotFoundError(f"'{ref}' is not a model reference; use NAME, NAME@VERSION or NAME@ALIAS.")
    name, sel = parsed
    st = store_or_default(store)
    if isinstance(sel, int):
        return get_version(name, sel, store=st)
    with st.read() as conn:
        current = dict(
            conn.execute(select(aliases.c.alias, aliases.c.version).where(aliases.c.model_name == name)).all()
        )
        names = known_models(conn)
    if name not in names:
        raise NotFoundError(f"no registered model '{name}'; registered models: {', '.join(names) or 'none'}.")
    if sel is None:
        if DEFAULT_ALIAS in current:
            return get_version(name, int(current[DEFAULT_ALIAS]), store=st)
        versions = list_versions(name, store=st)
        if not versions:
            raise NotFoundError(f"model '{name}' has no versions left (all were deleted).")
        return versions[-1]
    if sel == "latest":
        return list_versions(name, store=st)[-1]
    if sel not in current:
        listed = ", ".join(f"{a} -> {v}" for a, v in sorted(current.items())) or "none"
        raise NotFoundError(f"model '{name}' has no alias '{sel}'; aliases: {listed}.")
    return get_version(name, int(current[sel]), store=st)


def _looks_like_path(ref: str) -> bool:
    return parse_ref(ref) is None or "/" in ref or "\\" in ref


def resolve_model_path(ref: str | Path, *, store: Store | None = None) -> Path:
    """A folder to load ``ref`` from: an existing path as is, else the registered version's verified copy.

    Every artifact file is checked against its sha256 first; a mismatch raises
    :class:`~forgeml.errors.IntegrityError` naming the file.

    Example:
        >>> resolve_model_path("churn@champion")   # doctest: +SKIP
        PosixPath('/home/ana/.forgeml/artifacts/cache/5f1c…')
    """
    text = str(ref)
    if isinstance(ref, Path) or Path(text).exists() or _looks_like_path(text):
        path = Path(text)
        if not path.exists():
            raise NotFoundError(f"no model at '{path}'; give a model folder or a registered NAME[@VERSION|@ALIAS].")
        return path
    st = store_or_default(store)
    version = resolve_version(text, store=st)
    return st.artifacts.materialize(version.artifact_digest, label=f"model '{version.ref}'")


def load_model(ref: str | Path, *, store: Store | None = None) -> AutoML:
    """Load a model from a folder or the registry (``NAME``, ``NAME@3``, ``NAME@champion``).

    Example:
        >>> model = load_model("churn@champion")   # doctest: +SKIP
        >>> model.predict(rows)                     # doctest: +SKIP
    """
    return load_folder(resolve_model_path(ref, store=store))
