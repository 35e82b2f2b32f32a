"""Erasing a subject: every dataset version, the artifact files, the prediction log and feedback, the
affected models, the audit trail without the raw id, idempotence and resuming after a crash — on
SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from _registry_helpers import small_frame
from sqlalchemy import insert, select, text

import forgeml
from forgeml import audit, registry
from forgeml.errors import NotFoundError
from forgeml.governance import _erase, erase_subject, list_erasures, subject_hash
from forgeml.store import Store, format_time
from forgeml.store.tables import datasets, erasures, feedback, prediction_log

SUBJECT = "C-0007"


def people_frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    df = small_frame(n, seed)
    df.insert(0, "customer_id", [f"C-{i % 40:04d}" for i in range(n)])  # three rows per customer
    df["email"] = [f"person{i % 40}@example.org" for i in range(n)]
    return df


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    return people_frame()


@pytest.fixture(scope="module")
def linear_model(people: pd.DataFrame) -> forgeml.AutoML:
    return forgeml.AutoML(
        max_trials=1, executor="serial", families=["linear"], n_folds=2, subject_column="customer_id"
    ).fit(people, target="label")


@pytest.fixture(scope="module")
def knn_model(people: pd.DataFrame) -> forgeml.AutoML:
    return forgeml.AutoML(
        max_trials=1, executor="serial", families=["knn"], n_folds=2, subject_column="customer_id"
    ).fit(people, target="label")


@pytest.fixture
def world(store: Store, people: pd.DataFrame, linear_model, knn_model) -> Iterator[Store]:
    """churn@1 (champion, on churn-data@1), churn@2 (k-NN, on churn-data@2 = @1 plus 30 rows, one more of them
    the subject's), a dataset
    without a subject column, and prediction-log and feedback rows for the subject and others."""
    registry.register(linear_model, "churn", data=people, alias="champion", store=store)
    more = pd.concat([people, people_frame(30, seed=1)], ignore_index=True)
    registry.register(knn_model, "churn", data=more, dataset_name="churn-data", store=store)
    registry.register_dataset(people.drop(columns=["customer_id"]), "anonymous", store=store)
    now = format_time(pd.Timestamp.now(tz="UTC").to_pydatetime())
    with store.write() as conn:
        for i, sid in enumerate([SUBJECT, SUBJECT, "C-0008", None, "C-0007x"]):
            pid = uuid.uuid4().hex
            conn.execute(
                insert(prediction_log).values(
                    id=pid, model_name="churn", version=1, created_at=now, subject_id=sid,
                    features_json=f'{{"customer_id": "{sid}"}}', prediction_json='"yes"',
                )
            )  # fmt: skip
            # the first feedback row names no subject: it goes because its prediction was the subject's
            conn.execute(
                insert(feedback).values(
                    prediction_id=pid, model_name="churn", version=1, created_at=now,
                    subject_id=None if i == 0 else sid, outcome_json='"no"',
                )
            )  # fmt: skip
    yield store


def _read(store: Store, ref: str) -> pd.DataFrame:
    name, version = ref.split("@")
    return registry.read_dataset(name, int(version), store=store)


def _table_text(store: Store, table: str) -> str:
    with store.read() as conn:
        return "\n".join(str(tuple(r)) for r in conn.execute(text(f"SELECT * FROM {table}")))


def test_erase_removes_the_subject_everywhere(world: Store, people: pd.DataFrame) -> None:
    store = world
    old = {d.ref: d for d in registry.list_datasets("churn-data", store=store)}
    report = erase_subject(SUBJECT, reason=f"GDPR request from {SUBJECT}", store=store)

    assert report.status == "done" and not report.resumed and not report.nothing_found
    assert [(d.dataset, d.rows_removed) for d in report.datasets] == [("churn-data@1", 3), ("churn-data@2", 4)]
    assert [d.new_version for d in report.datasets] == ["churn-data@3", "churn-data@4"]
    for d in report.datasets:  # the new versions hold everyone else, the subject nowhere
        before = old[d.dataset]
        assert d.new_version is not None
        new = _read(store, d.new_version)
        assert SUBJECT not in set(new["customer_id"]) and len(new) == before.n_rows - d.rows_removed
        assert registry.get_dataset("churn-data", int(d.new_version.split("@")[1]), store=store).subject_column
        with pytest.raises(NotFoundError, match="destroyed by an erasure"):
            registry.read_dataset("churn-data", before.version, store=store)
        assert not store.artifacts.object_path(before.artifact_digest).exists()  # destroyed, not hidden
    assert report.content_destroyed == 2
    assert report.not_searched == ["anonymous@1"]

    with store.read() as conn:
        logged = sorted(str(s) for s in conn.execute(select(prediction_log.c.subject_id)).scalars())
        fed = sorted(str(s) for s in conn.execute(select(feedback.c.subject_id)).scalars())
    assert logged == ["C-0007x", "C-0008", "None"] and fed == ["C-0007x", "C-0008", "None"]
    assert (report.predictions_deleted, report.feedback_deleted) == (2, 2)

    affected = {m.ref: m for m in report.affected_models}
    assert set(affected) == {"churn@1", "churn@2"}
    assert affected["churn@1"].aliases == ("champion",) and not affected["churn@1"].holds_training_rows
    assert affected["churn@2"].holds_training_rows and report.still_holding == ["churn@2"]

    entry = audit.read_log(action="subject.erased", store=store)[-1]
    assert entry.object_id == subject_hash(SUBJECT, store.settings) == report.subject_hash
    assert entry.details["rows_removed"] == 7 and entry.details["affected_models"] == ["churn@1", "churn@2"]
    assert entry.details["reason"] == "GDPR request from [subject]"
    for table in ("audit_log", "erasures"):
        assert SUBJECT not in _table_text(store, table)
    assert audit.verify(store=store).ok


def test_a_second_run_finds_nothing_left(world: Store) -> None:
    first = erase_subject(SUBJECT, store=world)
    again = erase_subject(" C-0007 ", store=world)
    assert first.rows_removed == 7 and again.nothing_found and not again.resumed
    assert (again.datasets, again.affected_models, again.content_destroyed) == ([], [], 0)
    assert [(e.erasure_id, e.status) for e in list_erasures(store=world)] == [(1, "done"), (2, "done")]
    assert len(registry.list_datasets("churn-data", store=world)) == 4  # no further versions


@pytest.mark.parametrize("crash_in", ["_destroy_content", "_delete_records", "_find_models"])
def test_an_interrupted_erasure_is_completed_by_the_next_run(
    world: Store, monkeypatch: pytest.MonkeyPatch, crash_in: str
) -> None:
    original = getattr(_erase, crash_in)

    def crash(*args: object) -> None:
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(_erase, crash_in, crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        erase_subject(SUBJECT, store=world)
    with world.read() as conn:
        assert conn.execute(select(erasures.c.status)).scalars().all() == ["running"]
    assert audit.read_log(action="subject.erased", store=world) == []

    monkeypatch.setattr(_erase, crash_in, original)
    report = erase_subject(SUBJECT, store=world)
    assert report.resumed and report.status == "done" and report.erasure_id == 1
    assert [d.rows_removed for d in report.datasets] == [3, 4]  # counted by the crashed run, kept
    assert (report.predictions_deleted, report.feedback_deleted, report.content_destroyed) == (2, 2, 2)
    assert {m.ref for m in report.affected_models} == {"churn@1", "churn@2"}
    with world.read() as conn:
        digests = conn.execute(select(datasets.c.artifact_digest).where(datasets.c.erased_at.is_not(None))).scalars()
        assert all(not world.artifacts.object_path(d).exists() for d in digests)
        assert SUBJECT not in [str(s) for s in conn.execute(select(prediction_log.c.subject_id)).scalars()]
    assert len(audit.read_log(action="subject.erased", store=world)) == 1
    assert erase_subject(SUBJECT, store=world).nothing_found


def test_numeric_subject_ids_match_however_they_were_written(store: Store) -> None:
    df = small_frame(60)
    df["member_no"] = np.arange(60) % 20 + 1000  # int column
    registry.register_dataset(df, "members", subject_column="member_no", store=store)
    with store.write() as conn:
        conn.execute(
            insert(prediction_log).values(
                id=uuid.uuid4().hex, model_name="m", version=1, created_at=format_time(pd.Timestamp.now(tz="UTC")),
                subject_id="1007.0", prediction_json="1",
            )
        )  # fmt: skip
    report = erase_subject("1007", store=store)
    assert [(d.dataset, d.rows_removed) for d in report.datasets] == [("members@1", 3)]
    assert report.predictions_deleted == 1 and report.affected_models == []
    assert 1007 not in set(registry.read_dataset("members", 2, store=store)["member_no"])


def test_erase_with_retrain_revalidates_the_champion_without_the_subject(world: Store) -> None:
    report = erase_subject(SUBJECT, retrain=True, store=world)
    assert [(o.model, o.base, o.data) for o in report.retrained] == [("churn", "churn@1", ("churn-data@3",))]
    outcome = report.retrained[0]
    assert outcome.decision in ("promoted", "rejected") and outcome.challenger == "churn@3"
    challenger = registry.resolve_version("churn@3", store=world)
    assert "churn-data@1" not in challenger.datasets and "churn-data@2" not in challenger.datasets
    for ref in challenger.datasets:
        assert SUBJECT not in set(_read(world, ref)["customer_id"])
    assert "challenger" in challenger.aliases or "champion" in challenger.aliases
    assert erase_subject(SUBJECT, retrain=True, store=world).retrained == []  # nothing left: no retraining
