"""The audit chain and the artifact store detect tampering, and say where and how."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from forgeml import audit, registry
from forgeml.errors import ConfigError, IntegrityError
from forgeml.store import Store, entry_hash


@pytest.fixture
def history(store: Store, model_folder: Path, variant_folder, train_frame: pd.DataFrame) -> Store:
    """Six entries: a dataset, three versions, two alias moves."""
    data = registry.register_dataset(train_frame, "customers", store=store)
    registry.register_version(model_folder, "churn", datasets_used=[data], alias="champion", store=store)  # 2, 3
    registry.register_version(variant_folder("b"), "churn", store=store)  # 4
    registry.register_version(variant_folder("c"), "churn", store=store)  # 5
    registry.set_alias("churn", 2, "champion", store=store)  # 6
    report = audit.verify(store=store)
    assert report.ok and report.entries == 6
    return store


def _sql(store: Store, *statements: str) -> None:
    with store.write() as conn:
        for s in statements:
            conn.exec_driver_sql(s)


def test_log_filters(history: Store) -> None:
    entries = audit.read_log(store=history)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5, 6]
    assert entries[0].prev_hash == "0" * 64 and all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert [e.object_id for e in audit.read_log(model="churn", store=history)] == [
        "churn@1", "churn@champion", "churn@2", "churn@3", "churn@champion",
    ]  # fmt: skip
    assert audit.read_log(model="chur", store=history) == []
    assert [e.seq for e in audit.read_log(since=entries[3].time, store=history)] == [4, 5, 6]
    assert audit.read_log(since="2999-01-01", store=history) == []
    assert [e.seq for e in audit.read_log(limit=2, store=history)] == [5, 6]
    assert {e.actor for e in entries} == {"tester"}
    with pytest.raises(ConfigError, match="'since'"):
        audit.read_log(since="yesterday", store=history)


def test_record_other_events(history: Store) -> None:
    entry = audit.record("data.erased", "dataset", "customers@1", {"rows": 3}, store=history)
    assert entry.seq == 7 and entry.details == {"rows": 3}
    assert audit.verify(store=history).ok
    with pytest.raises(ConfigError, match="'action'"):
        audit.record("model.stolen", "model", "churn", store=history)


def test_edited_entry_is_found(history: Store) -> None:
    _sql(history, """UPDATE audit_log SET details = '{"alias":"champion","to_version":9}' WHERE seq = 3""")
    report = audit.verify(store=history)
    assert not report.ok
    assert [(p.seq, p.kind) for p in report.problems] == [(3, "edited")]


def test_edited_actor_is_found(history: Store) -> None:
    _sql(history, "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 5")
    assert [(p.seq, p.kind) for p in audit.verify(store=history).problems] == [(5, "edited")]


def test_edited_entry_with_recomputed_hash_is_found(history: Store) -> None:
    with history.read() as conn:
        row = dict(conn.execute(text("SELECT * FROM audit_log WHERE seq = 4")).mappings().one())
    row["actor"] = "mallory"
    forged = entry_hash(row)
    _sql(history, f"UPDATE audit_log SET actor = 'mallory', hash = '{forged}' WHERE seq = 4")
    problems = audit.verify(store=history).problems
    assert [(p.seq, p.kind) for p in problems] == [(4, "edited")]
    assert "entry 5 no longer links to it" in problems[0].message


def test_deleted_entry_is_found(history: Store) -> None:
    _sql(history, "DELETE FROM audit_log WHERE seq = 3")
    report = audit.verify(store=history)
    assert [(p.seq, p.kind) for p in report.problems] == [(3, "deleted")]
    assert "entry 3 deleted" in report.problems[0].message


def test_deleted_and_renumbered_entries_are_found(history: Store) -> None:
    _sql(
        history,
        "DELETE FROM audit_log WHERE seq = 2",
        *(f"UPDATE audit_log SET seq = {s - 1} WHERE seq = {s}" for s in range(3, 7)),
    )
    report = audit.verify(store=history)
    assert report.first is not None and (report.first.seq, report.first.kind) == (2, "deleted")
    assert "renumbered" in report.first.message


def test_reordered_entries_are_found(history: Store) -> None:
    _sql(
        history,
        "UPDATE audit_log SET seq = -1 WHERE seq = 4",
        "UPDATE audit_log SET seq = 4 WHERE seq = 5",
        "UPDATE audit_log SET seq = 5 WHERE seq = -1",
    )
    report = audit.verify(store=history)
    assert [(p.seq, p.kind) for p in report.problems] == [(4, "reordered"), (5, "reordered")]
    assert "now stored as seq 5" in report.problems[0].message


def test_three_kinds_are_told_apart_in_one_log(history: Store) -> None:
    _sql(
        history,
        "UPDATE audit_log SET object_id = 'churn@99' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 4",
        "UPDATE audit_log SET seq = -1 WHERE seq = 5",
        "UPDATE audit_log SET seq = 5 WHERE seq = 6",
        "UPDATE audit_log SET seq = 6 WHERE seq = -1",
    )
    kinds = [(p.seq, p.kind) for p in audit.verify(store=history).problems]
    assert kinds[:2] == [(2, "edited"), (4, "deleted")]
    assert (5, "reordered") in kinds


def _first_model_file(store: Store, ref: str) -> tuple[str, Path]:
    v = registry.resolve_version(ref, store=store)
    f = next(f for f in store.artifacts.manifest(v.artifact_digest) if f.path.startswith("models/"))
    return f.path, store.artifacts.object_path(f.sha256)


def test_modified_artifact_file_is_refused(history: Store, train_frame: pd.DataFrame) -> None:
    assert len(registry.load_model("churn@3", store=history).predict(train_frame)) == len(train_frame)  # cached
    rel, obj = _first_model_file(history, "churn@3")
    obj.chmod(0o644)
    with obj.open("ab") as f:
        f.write(b" ")
    with pytest.raises(IntegrityError, match=f"file '{rel}' does not match its recorded sha256") as info:
        registry.load_model("churn@3", store=history)
    assert info.value.code == "integrity_violation" and "churn@3" in str(info.value)


def test_swapped_artifact_file_is_refused(history: Store) -> None:
    rel, obj = _first_model_file(history, "churn@2")
    shutil.copyfile(
        history.artifacts.object_path(registry.resolve_version("churn@2", store=history).artifact_digest), obj
    )
    with pytest.raises(IntegrityError, match=f"file '{rel}'"):
        registry.resolve_model_path("churn@2", store=history)


def test_missing_or_swapped_manifest_is_refused(history: Store) -> None:
    digest = registry.resolve_version("churn@3", store=history).artifact_digest
    other = registry.resolve_version("churn@2", store=history).artifact_digest
    shutil.copyfile(history.artifacts.object_path(other), history.artifacts.object_path(digest))
    with pytest.raises(IntegrityError, match=r"manifest .* does not match its sha256"):
        registry.load_model("churn@3", store=history)
    history.artifacts.object_path(digest).unlink()
    with pytest.raises(IntegrityError, match=r"manifest object .* is missing"):
        registry.load_model("churn@3", store=history)


def test_tampered_cache_copy_is_rebuilt_from_verified_objects(history: Store, train_frame: pd.DataFrame) -> None:
    folder = registry.resolve_model_path("churn@1", store=history)
    (folder / "manifest.json").write_text("{}")
    again = registry.resolve_model_path("churn@1", store=history)
    assert again == folder and (again / "manifest.json").read_text() != "{}"
    assert len(registry.load_model("churn@1", store=history).predict(train_frame)) == len(train_frame)
