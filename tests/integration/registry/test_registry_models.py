"""Datasets, model versions with lineage, aliases with history, references and deletion."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _registry_helpers import small_frame

import forgeml
from forgeml import audit, registry
from forgeml.errors import ConfigError, ConflictError, NotFoundError
from forgeml.store import Store, append_audit


def test_dataset_registration_is_idempotent_on_content(store: Store, train_frame: pd.DataFrame, tmp_path: Path) -> None:
    first = registry.register_dataset(train_frame, "customers", store=store)
    shuffled_columns = train_frame[list(reversed(train_frame.columns))].copy()
    again = registry.register_dataset(shuffled_columns, "customers", store=store)
    assert again == first and first.ref == "customers@1"
    assert first.n_rows == len(train_frame) and first.n_columns == 3 and len(first.fingerprint) == 64
    assert [c["name"] for c in first.schema["columns"]] == list(train_frame.columns)
    assert [e.action for e in audit.read_log(store=store)] == ["dataset.registered"]  # no entry for the no-op

    path = tmp_path / "customers_v2.csv"
    small_frame(seed=1).to_csv(path, index=False)
    second = registry.register_dataset(path, "customers", store=store)
    assert second.version == 2 and second.source == str(path) and second.fingerprint != first.fingerprint
    assert [d.ref for d in registry.list_datasets(store=store)] == ["customers@1", "customers@2"]
    assert registry.get_dataset("customers", store=store) == second
    with pytest.raises(NotFoundError, match="customers@1, customers@2"):
        registry.get_dataset("nope", store=store)


def test_register_records_lineage(store: Store, trained: forgeml.AutoML, train_frame: pd.DataFrame) -> None:
    v = registry.register(trained, "churn", data=train_frame, alias="champion", store=store)
    assert (v.ref, v.aliases, v.datasets) == ("churn@1", ("champion",), ("churn-data@1",))
    lin = v.lineage
    assert lin["datasets"][0]["fingerprint"] == forgeml.data.fingerprint(train_frame)
    assert lin["versions"]["forgeml"] == forgeml.__version__
    assert {"lightgbm", "xgboost", "catboost", "scikit-learn", "pandas", "numpy"} <= set(lin["versions"])
    assert lin["config"]["max_trials"] == 1 and lin["seed"] == 0
    assert v.metric == lin["metric"] == "roc_auc" and v.cv_score == pytest.approx(trained.cv_score_)
    assert lin["leaderboard"] and lin["fit_seconds"] > 0 and lin["actor"] == "tester" == v.created_by
    assert lin["target"] == "label" and lin["task"] == "binary"
    actions = [(e.action, e.object_id) for e in audit.read_log(store=store)]
    assert actions == [
        ("dataset.registered", "churn-data@1"),
        ("model.registered", "churn@1"),
        ("alias.moved", "churn@champion"),
    ]


def test_references_resolve_and_list_what_exists(
    store: Store, model_folder: Path, variant_folder, train_frame: pd.DataFrame
) -> None:
    for tag in ("a", "b", "c"):
        registry.register_version(variant_folder(tag), "churn", store=store)
    assert registry.resolve_version("churn", store=store).version == 3  # no champion: the latest
    registry.set_alias("churn", 2, "champion", store=store)
    assert registry.resolve_version("churn", store=store).version == 2  # the champion
    assert registry.resolve_version("churn@1", store=store).version == 1
    assert registry.resolve_version("churn@champion", store=store).version == 2
    assert registry.resolve_version("churn@latest", store=store).version == 3
    assert registry.resolve_model_path(model_folder, store=store) == model_folder  # a path is used as is

    model = forgeml.load("churn@champion")  # the public load takes references (environment store)
    assert list(model.predict(train_frame)) == list(forgeml.load(model_folder).predict(train_frame))

    with pytest.raises(NotFoundError, match=r"no registered model 'chrun'; registered models: churn\."):
        registry.load_model("chrun", store=store)
    with pytest.raises(NotFoundError, match="versions: 1, 2, 3"):
        registry.resolve_version("churn@9", store=store)
    with pytest.raises(NotFoundError, match="aliases: champion -> 2"):
        registry.resolve_version("churn@staging", store=store)
    with pytest.raises(NotFoundError, match="no model at"):
        registry.resolve_model_path("./missing/folder", store=store)


def test_alias_history_answers_which_version_was_champion_when(store: Store, variant_folder) -> None:
    for tag in ("a", "b", "c"):
        registry.register_version(variant_folder(tag), "churn", store=store)
    before = datetime.now(UTC)
    marks = []
    for version in (1, 2, 3):
        move = registry.set_alias("churn", version, "champion", store=store)
        assert move is not None and move.version == version
        marks.append(datetime.now(UTC))
    assert registry.set_alias("churn", 3, "champion", store=store) is None  # no move, no entry

    assert registry.alias_at("churn", "champion", before, store=store) is None
    assert [registry.alias_at("churn", "champion", t, store=store) for t in marks] == [1, 2, 3]
    assert registry.alias_at("churn", "champion", marks[1].isoformat(), store=store) == 2
    history = registry.alias_history_of("churn", "champion", store=store)
    assert [(h.previous_version, h.version) for h in history] == [(None, 1), (1, 2), (2, 3)]
    moves = audit.read_log(action="alias.moved", store=store)
    assert [(e.details["from_version"], e.details["to_version"]) for e in moves] == [(None, 1), (1, 2), (2, 3)]

    removed = registry.remove_alias("churn", "champion", store=store)
    assert (removed.previous_version, removed.version) == (3, None)
    assert registry.alias_at("churn", "champion", datetime.now(UTC), store=store) is None
    with pytest.raises(NotFoundError, match="versions: 1, 2, 3"):
        registry.set_alias("churn", 7, "champion", store=store)
    with pytest.raises(ConfigError, match="'alias'"):
        registry.set_alias("churn", 1, "12", store=store)


def test_delete_refused_while_aliased_then_gc_frees_files(
    store: Store, variant_folder, train_frame: pd.DataFrame
) -> None:
    v1 = registry.register_version(variant_folder("a"), "churn", alias="champion", store=store)
    registry.register_version(variant_folder("b"), "churn", store=store)
    with pytest.raises(ConflictError, match="alias 'champion' points at it"):
        registry.delete_version("churn", 1, store=store)
    assert [v.version for v in registry.list_versions("churn", store=store)] == [1, 2]

    registry.set_alias("churn", 2, "champion", store=store)
    gone = registry.delete_version("churn", 1, store=store)
    assert gone.version == 1
    assert [v.version for v in registry.list_versions("churn", store=store)] == [2]
    assert audit.read_log(store=store)[-1].action == "model.deleted"
    with pytest.raises(NotFoundError, match="versions: 2"):
        registry.delete_version("churn", 1, store=store)
    assert registry.register_version(variant_folder("c"), "churn", store=store).version == 3  # never reused

    manifest = store.artifacts.object_path(v1.artifact_digest)
    assert manifest.exists()
    report = store.gc(grace_seconds=0)
    assert report.kept_versions == 2 and report.removed.objects >= 2  # v1's manifest and its own notes.txt
    assert not manifest.exists()
    assert len(registry.load_model("churn@2", store=store).predict(train_frame)) == len(
        train_frame
    )  # shared files kept
    assert audit.verify(store=store).ok


def test_names_are_checked(store: Store, model_folder: Path) -> None:
    with pytest.raises(ConfigError, match="'model name'"):
        registry.register_version(model_folder, "bad name@1", store=store)
    with pytest.raises(ConfigError, match="'dataset name'"):
        registry.register_dataset(pd.DataFrame({"x": [1]}), "../etc", store=store)
    assert registry.list_models(store=store) == []


def test_an_alias_move_and_its_record_are_written_together_or_not_at_all(
    store: Store, variant_folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    for tag in ("a", "b"):
        registry.register_version(variant_folder(tag), "churn", store=store)
    registry.set_alias("churn", 1, "champion", store=store)
    promoted = registry.AuditRecord("model.promoted", "model_version", "churn@2", {"margin": 0.0})

    def crash_on_the_record(conn: Any, **entry: Any) -> dict[str, Any]:
        if entry["action"] == "model.promoted":
            raise OSError("disk full")  # the process fails after the move was written, before its record
        return append_audit(conn, **entry)

    with monkeypatch.context() as m:
        m.setattr("forgeml.registry._aliases.append_audit", crash_on_the_record)
        with pytest.raises(OSError, match="disk full"):
            registry.set_alias("churn", 2, "champion", store=store, record=promoted)
    assert registry.resolve_version("churn@champion", store=store).version == 1
    assert [h.version for h in registry.alias_history_of("churn", "champion", store=store)] == [1]
    assert audit.read_log(action="model.promoted", store=store) == []

    registry.set_alias("churn", 2, "champion", store=store, record=promoted)
    moved = audit.read_log(action="alias.moved", store=store)[-1]
    entry = audit.read_log(action="model.promoted", store=store)[-1]
    assert entry.seq == moved.seq + 1 and entry.details == {"margin": 0.0}
    assert registry.set_alias("churn", 2, "champion", store=store, record=promoted) is None  # no move, no record
    assert len(audit.read_log(action="model.promoted", store=store)) == 1
    assert audit.verify(store=store).ok
