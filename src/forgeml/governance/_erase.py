"""``erase_subject``: remove one person's data from every place forgeml keeps it (the right to erasure).

Steps, each safe to repeat, with progress kept in the ``erasures`` row (keyed by the salted hash of
the id) so that a run interrupted at any point is completed by the next one:

1. open the ``erasures`` row (status ``running``), or resume the one an interrupted run left;
2. every live dataset version with a subject column whose content holds the id gets a new version
   without those rows (same name, same subject column); the old version is marked erased and its
   content object is deleted from the artifact store (unless a live version still uses it);
3. the subject's prediction-log and feedback rows are deleted;
4. every model version trained on an affected dataset version is listed; versions whose files embed
   training rows (k-NN members) are flagged as still holding the data until deleted;
5. with ``retrain=True``, each affected model with an alias is retrained on the new data through the
   champion/challenger gate (:func:`forgeml.retraining.retrain`);
6. one ``subject.erased`` audit entry and the finished ``erasures`` row record what was done, with the
   salted hash — never the id itself.

Example:
    >>> report = erase_subject("C-1042", reason="GDPR art. 17 request")   # doctest: +SKIP
    >>> [(d.dataset, d.rows_removed, d.new_version) for d in report.datasets]   # doctest: +SKIP
    [('churn-data@1', 3, 'churn-data@2')]
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, insert, or_, select, update

from forgeml.errors import ForgeError
from forgeml.governance._report import AffectedModel, DatasetErasure, ErasureReport, RetrainOutcome
from forgeml.logging import get_logger
from forgeml.registry import read_dataset, register_dataset
from forgeml.retraining import retrain as retrain_model
from forgeml.store import Store, append_audit, canonical_json, default_store, utc_now
from forgeml.store._subjects import normalise_subject, subject_hash, subject_variants
from forgeml.store.tables import aliases, datasets, erasures, feedback, model_versions, prediction_log, version_datasets

__all__ = ["ROW_KEEPING_FAMILIES", "erase_subject", "list_erasures"]

log = get_logger("governance")

#: Model families whose saved files contain training rows.
ROW_KEEPING_FAMILIES = ("knn",)


def erase_subject(
    subject_id: object,
    *,
    reason: str | None = None,
    retrain: bool = False,
    time_limit: str | float | None = None,
    store: Store | None = None,
) -> ErasureReport:
    """Erase every stored row about ``subject_id`` and report what was erased where (see the module).

    ``reason`` is kept with the erasure (any occurrence of the id in it is replaced by ``[subject]``).
    ``retrain`` retrains the affected aliased models without the subject (``time_limit`` per model,
    default: each model's own). Re-running finishes an interrupted erasure; after a complete one it
    finds nothing (``report.nothing_found``).

    Example:
        >>> erase_subject("C-1042", retrain=True).retrained[0].decision   # doctest: +SKIP
        'promoted'
    """
    st = store if store is not None else default_store()
    key = normalise_subject(subject_id)
    report = _open(st, subject_hash(key, st.settings), _redact(reason, str(subject_id).strip(), key))
    _erase_datasets(st, key, report)
    _destroy_content(st, report)
    _delete_records(st, key, report)
    _find_models(st, report)
    if retrain:
        _retrain(st, report, time_limit)
    _finish(st, report)
    return report


def list_erasures(*, store: Store | None = None) -> list[ErasureReport]:
    """Every recorded erasure request, oldest first (subjects appear only as salted hashes).

    Example:
        >>> [(r.erasure_id, r.status) for r in list_erasures()]   # doctest: +SKIP
        [(1, 'done')]
    """
    st = store if store is not None else default_store()
    with st.read() as conn:
        rows = conn.execute(select(erasures).order_by(erasures.c.id)).all()
    out = []
    for r in rows:
        rep = ErasureReport.from_json(json.loads(r.report_json) if r.report_json else {})
        rep.erasure_id, rep.status, rep.finished_at = int(r.id), r.status, r.finished_at
        out.append(rep)
    return out


# -- step 1: open or resume -------------------------------------------------------------------------
def _redact(reason: str | None, raw: str, key: str) -> str | None:
    if reason is None:
        return None
    for token in dict.fromkeys((raw, key)):
        if token:
            reason = re.sub(rf"(?<!\w){re.escape(token)}(?!\w)", "[subject]", reason)
    return reason


def _save(conn: Connection, report: ErasureReport) -> None:
    conn.execute(
        update(erasures)
        .where(erasures.c.id == report.erasure_id)
        .values(report_json=canonical_json(report.to_json()), status=report.status, finished_at=report.finished_at)
    )


def _open(store: Store, digest: str, reason: str | None) -> ErasureReport:
    with store.write() as conn:
        row = conn.execute(
            select(erasures)
            .where(erasures.c.subject_hash == digest, erasures.c.status == "running")
            .order_by(erasures.c.id.desc())
            .limit(1)
        ).first()
        if row is not None:
            report = ErasureReport.from_json(json.loads(row.report_json))
            report.resumed = True
            report.reason = report.reason or reason
            _save(conn, report)
            log.info("resuming erasure %d", report.erasure_id)
            return report
        now = utc_now()
        inserted = conn.execute(
            insert(erasures).values(
                subject_hash=digest, reason=reason, status="running", started_at=now, started_by=store.actor,
                report_json="{}",
            )
        ).inserted_primary_key  # fmt: skip
        report = ErasureReport(int(inserted[0]) if inserted else 0, digest, reason=reason, started_at=now)
        _save(conn, report)
        return report


# -- step 2: datasets -------------------------------------------------------------------------------
def _matches(s: pd.Series, key: str) -> np.ndarray:
    """Rows of ``s`` whose value is the subject id ``key`` (1042, 1042.0 and "1042" alike)."""
    if pd.api.types.is_bool_dtype(s):
        return np.zeros(len(s), dtype=bool)
    if pd.api.types.is_numeric_dtype(s):
        try:
            number = float(key)
        except ValueError:
            return np.zeros(len(s), dtype=bool)
        values = s.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.asarray(values == number)
    text = s.astype("string").str.strip()
    return np.asarray(text.isin(subject_variants(key)).fillna(False), dtype=bool)


def _erase_datasets(store: Store, key: str, report: ErasureReport) -> None:
    with store.read() as conn:
        live = conn.execute(
            select(datasets)
            .where(datasets.c.erased_at.is_(None), datasets.c.artifact_digest.is_not(None))
            .order_by(datasets.c.name, datasets.c.version)
        ).all()
    groups: dict[str, list[Any]] = {}
    for r in live:
        groups.setdefault(r.artifact_digest, []).append(r)
    searched = {d for d, rows in groups.items() if any(r.subject_column for r in rows)}
    unsearched = {f"{r.name}@{r.version}" for d, rows in groups.items() if d not in searched for r in rows}
    report.not_searched = sorted(set(report.not_searched) | unsearched)
    for digest in sorted(searched):
        _erase_content(store, key, groups[digest], report)


def _erase_content(store: Store, key: str, rows: Sequence[Any], report: ErasureReport) -> None:
    """Rewrite the dataset versions sharing one content object without the subject's rows."""
    first = next(r for r in rows if r.subject_column)
    ref, column = f"{first.name}@{first.version}", first.subject_column
    try:
        df = read_dataset(first.name, int(first.version), store=store)
    except ForgeError as err:
        report.problems.append(f"could not search dataset {ref}: {err.message}")
        return
    if column not in df.columns:
        report.problems.append(f"dataset {ref} has no column '{column}' although it is its subject column")
        return
    mask = _matches(df[column], key)
    n = int(mask.sum())
    if not n:
        return
    kept = df.loc[~mask].reset_index(drop=True)
    entries = []
    for r in rows:
        new = None
        if len(kept):
            target = json.loads(r.schema_json or "{}").get("target")
            new = register_dataset(
                kept,
                r.name,
                source=f"{r.name}@{r.version} without an erased subject's rows",
                target=target,
                subject_column=r.subject_column or column,
                store=store,
            ).ref
        entries.append(DatasetErasure(f"{r.name}@{r.version}", n, new))
    with store.write() as conn:
        conn.execute(
            update(datasets)
            .where(datasets.c.artifact_digest == first.artifact_digest, datasets.c.erased_at.is_(None))
            .values(erased_at=utc_now())
        )
        report.datasets.extend(entries)
        _save(conn, report)


def _destroy_content(store: Store, report: ErasureReport) -> None:
    """Delete the content objects of erased dataset versions that no live version or model uses."""
    with store.read() as conn:
        erased = set(
            conn.execute(
                select(datasets.c.artifact_digest)
                .where(datasets.c.erased_at.is_not(None), datasets.c.artifact_digest.is_not(None))
                .distinct()
            ).scalars()
        )
        live = set(
            conn.execute(
                select(datasets.c.artifact_digest).where(
                    datasets.c.erased_at.is_(None), datasets.c.artifact_digest.is_not(None)
                )
            ).scalars()
        )
        model_digests = list(conn.execute(select(model_versions.c.artifact_digest)).scalars())
    pending = {d for d in erased - live if store.artifacts.object_path(d).exists()}
    if not pending:
        return
    in_models = store.artifacts.referenced(model_digests) & pending
    n = 0
    for digest in sorted(pending - in_models):
        store.artifacts.object_path(digest).unlink(missing_ok=True)
        n += 1
    for digest in sorted(in_models):
        report.problems.append(f"erased dataset content {digest[:12]} is also a file of a registered model version")
    with store.write() as conn:
        report.content_destroyed += n
        _save(conn, report)


# -- step 3: prediction log and feedback ------------------------------------------------------------
def _delete_records(store: Store, key: str, report: ErasureReport) -> None:
    ids = subject_variants(key)
    with store.write() as conn:
        theirs = select(prediction_log.c.id).where(prediction_log.c.subject_id.in_(ids))
        n_feedback = conn.execute(
            delete(feedback).where(or_(feedback.c.subject_id.in_(ids), feedback.c.prediction_id.in_(theirs)))
        ).rowcount
        n_predictions = conn.execute(delete(prediction_log).where(prediction_log.c.subject_id.in_(ids))).rowcount
        if n_feedback or n_predictions:
            report.feedback_deleted += int(n_feedback or 0)
            report.predictions_deleted += int(n_predictions or 0)
            _save(conn, report)


# -- step 4: affected models ------------------------------------------------------------------------
def _embeds_rows(store: Store, digest: str) -> bool:
    try:
        files = {f.path: f.sha256 for f in store.artifacts.manifest(digest)}
        manifest = json.loads(store.artifacts.object_path(files["manifest.json"]).read_bytes())
    except (ForgeError, OSError, KeyError, ValueError):
        return True  # unreadable: assume the worst
    return any(m.get("family") in ROW_KEEPING_FAMILIES for m in manifest.get("members", []))


def _find_models(store: Store, report: ErasureReport) -> None:
    affected = {d.dataset for d in report.datasets}
    if not affected:
        return
    found: dict[tuple[str, int], tuple[str, list[str]]] = {}
    with store.read() as conn:
        rows = conn.execute(
            select(model_versions.c.model_name, model_versions.c.version, model_versions.c.artifact_digest,
                   datasets.c.name, datasets.c.version.label("dataset_version"))
            .join(version_datasets, version_datasets.c.version_id == model_versions.c.id)
            .join(datasets, datasets.c.id == version_datasets.c.dataset_id)
        ).all()  # fmt: skip
        for r in rows:
            ref = f"{r.name}@{r.dataset_version}"
            if ref in affected:
                found.setdefault((r.model_name, int(r.version)), (r.artifact_digest, []))[1].append(ref)
        names: dict[tuple[str, int], list[str]] = {}
        for n, a, v in conn.execute(select(aliases.c.model_name, aliases.c.alias, aliases.c.version)):
            names.setdefault((n, int(v)), []).append(a)
    report.affected_models = [
        AffectedModel(
            f"{name}@{version}",
            tuple(sorted(names.get((name, version), []))),
            tuple(sorted(refs)),
            _embeds_rows(store, digest),
        )
        for (name, version), (digest, refs) in sorted(found.items())
    ]
    with store.write() as conn:
        _save(conn, report)


# -- step 5: retraining -----------------------------------------------------------------------------
def _retrain(store: Store, report: ErasureReport, time_limit: str | float | None) -> None:
    done = {o.model for o in report.retrained}
    by_model: dict[str, list[AffectedModel]] = {}
    for m in report.affected_models:
        if m.aliases:
            by_model.setdefault(m.ref.rsplit("@", 1)[0], []).append(m)
    for name, versions in sorted(by_model.items()):
        if name in done:
            continue
        base = next((m for m in versions if "champion" in m.aliases), versions[-1])
        alias = "champion" if "champion" in base.aliases else base.aliases[0]
        outcome = _retrain_one(store, report, name, base, alias, time_limit)
        with store.write() as conn:
            report.retrained.append(outcome)
            _save(conn, report)


def _retrain_one(
    store: Store, report: ErasureReport, name: str, base: AffectedModel, alias: str, time_limit: str | float | None
) -> RetrainOutcome:
    refs = tuple(d.new_version for d in report.datasets if d.dataset in base.datasets and d.new_version)
    if not refs:
        return RetrainOutcome(name, base.ref, (), "failed", None, "no training rows are left without the subject")
    try:
        frames = []
        for ref in refs:
            ds, version = ref.rsplit("@", 1)
            frames.append(read_dataset(ds, int(version), store=store))
        data = pd.concat(frames, ignore_index=True)
        result = retrain_model(f"{name}@{alias}", data, mode="full", time_limit=time_limit, store=store)
    except ForgeError as err:
        log.warning("retraining %s after an erasure failed: %s", base.ref, err.message)
        return RetrainOutcome(name, base.ref, refs, "failed", None, err.message)
    return RetrainOutcome(name, base.ref, refs, result.decision, result.challenger.ref, result.reason)


# -- step 6: audit and finish -----------------------------------------------------------------------
def _finish(store: Store, report: ErasureReport) -> None:
    with store.write() as conn:
        report.status = "done"
        report.finished_at = utc_now()
        append_audit(
            conn,
            actor=store.actor,
            action="subject.erased",
            object_type="subject",
            object_id=report.subject_hash,
            details={
                "erasure_id": report.erasure_id,
                "reason": report.reason,
                "resumed": report.resumed,
                "nothing_found": report.nothing_found,
                "datasets": [f"{d.dataset} -> {d.new_version or 'no rows left'}" for d in report.datasets],
                "rows_removed": report.rows_removed,
                "content_destroyed": report.content_destroyed,
                "predictions_deleted": report.predictions_deleted,
                "feedback_deleted": report.feedback_deleted,
                "affected_models": [m.ref for m in report.affected_models],
                "still_holding": report.still_holding,
                "retrained": [f"{o.base}: {o.decision} {o.challenger or ''}".strip() for o in report.retrained],
                "not_searched": report.not_searched,
            },
        )
        _save(conn, report)
