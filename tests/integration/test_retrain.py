"""Retraining end to end on a real store (SQLite and PostgreSQL): gate, promotion, rollback, watch, CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

import forgeml
from forgeml import audit, registry
from forgeml.cli import app
from forgeml.config import Settings
from forgeml.errors import ConflictError, SchemaError, TargetError
from forgeml.predictor import load_predictor
from forgeml.retraining import retrain, rollback, tick
from forgeml.store import Store, close_default_stores

TABLES = (
    "audit_log, alias_history, aliases, version_datasets, model_versions, models, datasets, "
    "prediction_log, feedback, live_profiles, erasures"
)


def relation_frame(n: int, seed: int, *, flip: bool = False, shift: float = 0.0) -> pd.DataFrame:
    """Labels from ``x1`` (from ``x2`` when ``flip``: the relationship changed); ``shift`` moves and
    widens ``x1`` and ``x2`` so that the features drift too."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n) * (1 + shift) + shift
    x2 = rng.normal(size=n) * (1 + shift) + shift
    color = rng.choice(["red", "green", "blue"], size=n)
    driver = (x2 if flip else x1) - shift
    signal = driver / (1 + shift) + np.where(color == "red", 0.5, 0.0)
    y = np.where(signal + rng.normal(scale=0.3, size=n) > 0, "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "color": color, "y": y})


OLD = relation_frame(600, 0)


@pytest.fixture(scope="module")
def champion_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    automl = forgeml.AutoML(max_trials=3, executor="serial", families=["lightgbm", "linear"], seed=0)
    return automl.fit(OLD, target="y").save(tmp_path_factory.mktemp("champion") / "model")


@pytest.fixture(scope="module")
def pg_url(pg_server: Any) -> str:
    """A database of this module's own on the shared test server (see ``tests/integration/conftest.py``)."""
    return str(pg_server.create())


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """An empty store (SQLite or PostgreSQL); the environment points at it for the CLI."""
    home = tmp_path / "home"
    url = f"sqlite:///{home / 'forgeml.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    settings = Settings(home=home, database_url=url, artifact_root=home / "artifacts", actor="tester")
    for key, value in {"FORGEML_HOME": str(home), "FORGEML_DATABASE_URL": url, "FORGEML_ACTOR": "tester"}.items():
        monkeypatch.setenv(key, value)
    st = Store.open(settings)
    yield st
    close_default_stores()
    if st.backend == "postgresql":
        with st.write() as conn:
            conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    st.close()


@pytest.fixture
def champion(store: Store, champion_folder: Path) -> registry.ModelVersion:
    return registry.register(champion_folder, "m", data=OLD, alias="champion", store=store)


def _actions(store: Store) -> list[str]:
    return [e.action for e in audit.read_log(model="m", store=store)]


def test_changed_relationship_promotes_the_challenger(store: Store, champion: registry.ModelVersion) -> None:
    result = retrain("m", relation_frame(400, 1, flip=True), mode="incremental", margin=0.01, store=store)
    assert result.decision == "promoted" and result.promoted
    assert result.gate.challenger_score > result.gate.champion_score + 0.2
    assert result.gate.lower > 0 and "lower confidence bound" in result.reason
    assert registry.resolve_version("m@champion", store=store).version == result.challenger_version == 2
    assert registry.resolve_version("m@challenger", store=store).version == 2
    lineage = registry.get_version("m", 2, store=store).lineage
    assert lineage["retrain_mode"] == "incremental" and lineage["parent_version"] == 1
    roles = {(d["name"], d["role"]) for d in lineage["datasets"]}
    assert roles == {("m-data", "train"), ("m-fresh", "fresh")}
    assert set(registry.get_version("m", 2, store=store).datasets) == {"m-data@1", "m-fresh@1"}
    promoted = [e for e in audit.read_log(action="model.promoted", store=store)]
    assert len(promoted) == 1 and promoted[0].object_id == "m@2"
    assert promoted[0].details["champion_score"] == pytest.approx(result.gate.champion_score)
    assert promoted[0].details["margin"] == 0.01 and promoted[0].details["lower_bound"] > 0
    assert _actions(store)[-2:] == ["alias.moved", "model.promoted"]


def test_same_distribution_noise_is_not_promoted(store: Store, champion: registry.ModelVersion) -> None:
    result = retrain("m", relation_frame(400, 2), mode="incremental", margin=0.01, store=store)
    assert result.decision == "rejected" and not result.promoted
    assert result.reason.startswith("challenger") and result.reason == result.gate.reason
    assert any(why in result.reason for why in ("worse than the champion", "≤ margin 0.01", "not above 0"))
    assert registry.resolve_version("m@champion", store=store).version == 1
    assert registry.resolve_version("m@challenger", store=store).version == 2
    rejected = audit.read_log(action="model.rejected", store=store)
    assert [e.object_id for e in rejected] == ["m@2"] and rejected[0].details["reason"] == result.reason


def test_full_retrain_trains_on_old_and_fresh_rows(store: Store, champion: registry.ModelVersion) -> None:
    fresh = relation_frame(400, 3, flip=True)
    result = retrain("m", fresh, mode="full", time_limit=20, margin=0.01, store=store)
    assert result.decision == "promoted"
    assert result.rows["old"] == len(OLD) and result.rows["fresh_train"] == 320 and result.rows["holdout"] == 80
    lineage = registry.get_version("m", 2, store=store).lineage
    assert lineage["retrain_mode"] == "full" and lineage["retrain"]["n_combined_rows"] == len(OLD) + 320
    assert lineage["config"]["families"] == ["lightgbm", "linear"]


def test_incremental_continues_boosters_and_is_faster_than_full(store: Store, champion: registry.ModelVersion) -> None:
    fresh = relation_frame(400, 4, flip=True)
    inc = retrain("m", fresh, mode="incremental", promote=False, store=store)
    full = retrain("m", fresh, mode="full", time_limit=20, promote=False, store=store)
    assert inc.decision == full.decision == "not promoted"
    old = load_predictor(registry.resolve_model_path("m@1", store=store))
    new = load_predictor(registry.resolve_model_path(f"m@{inc.challenger_version}", store=store))
    assert new.schema == old.schema
    rounds = {m.name: m.model.best_iteration_ for m in old.members if m.model.family == "lightgbm"}
    continued = [m for m in new.members if m.model.family == "lightgbm"]
    assert continued and all(m.model.best_iteration_ > rounds[m.name] for m in continued)
    assert inc.seconds["train"] * 2 < full.seconds["train"], (inc.seconds, full.seconds)


def test_schema_problems_are_reported(store: Store, champion: registry.ModelVersion) -> None:
    fresh = relation_frame(200, 5)
    with pytest.raises(SchemaError, match="'x2'"):
        retrain("m", fresh.drop(columns=["x2"]), store=store)
    with pytest.raises(TargetError, match=r"'maybe'.*--mode full"):
        retrain("m", fresh.assign(y=["maybe"] * 10 + list(fresh["y"][10:])), mode="incremental", store=store)
    odd = fresh.assign(color=["purple"] * 7 + list(fresh["color"][7:]), extra=1.0)
    result = retrain("m", odd, mode="incremental", margin=0.01, store=store)
    assert result.changes.unseen_categories == {"color": {"purple": 7}}
    assert result.changes.new_columns == ["extra"]
    assert registry.list_versions("m", store=store)[-1].version == result.challenger_version == 2


def test_rollback_returns_to_the_previous_champion(store: Store, champion: registry.ModelVersion) -> None:
    with pytest.raises(ConflictError, match="no earlier champion"):
        rollback("m", store=store)
    retrain("m", relation_frame(400, 6, flip=True), mode="incremental", margin=0.01, store=store)
    retrain("m", relation_frame(400, 7, shift=0.0), mode="incremental", margin=0.01, store=store)
    assert registry.resolve_version("m@champion", store=store).version == 3
    assert rollback("m", store=store).version == 2
    assert rollback("m", store=store).version == 1
    with pytest.raises(ConflictError, match="champion history: 1"):
        rollback("m", store=store)
    entries = audit.read_log(action="model.rolled_back", store=store)
    assert [(e.details["from_version"], e.details["to_version"]) for e in entries] == [(3, 2), (2, 1)]


def test_watch_once_triggers_on_drift_only(store: Store, champion: registry.ModelVersion, tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    relation_frame(300, 8).to_csv(incoming / "a-same.csv", index=False)
    events = tick("m", incoming, mode="incremental", on_degradation=False, store=store)
    assert [(e.trigger, e.outcome) for e in events] == [(None, "no trigger")]
    assert registry.list_versions("m", store=store)[-1].version == 1
    relation_frame(400, 9, flip=True, shift=1.5).to_csv(incoming / "b-drifted.csv", index=False)
    events = tick("m", incoming, mode="incremental", on_degradation=False, store=store)
    assert [(Path(e.file).name, e.trigger, e.outcome) for e in events] == [("b-drifted.csv", "drift", "promoted")]
    assert tick("m", incoming, mode="incremental", on_degradation=False, store=store) == []
    triggered = audit.read_log(action="retrain.triggered", store=store)
    assert len(triggered) == 1 and triggered[0].details["trigger"] == "drift"
    assert triggered[0].details["outcome"] == "promoted" and triggered[0].details["challenger_version"] == 2


def test_cli_retrain_rollback_and_watch(store: Store, champion: registry.ModelVersion, tmp_path: Path) -> None:
    runner = CliRunner()
    fresh = tmp_path / "fresh.csv"
    relation_frame(400, 10, flip=True).to_csv(fresh, index=False)
    r = runner.invoke(app, ["retrain", "m", "--data", str(fresh), "--mode", "incremental", "--margin", "0.01"])
    assert r.exit_code == 0, r.output
    assert "promoted" in r.stdout and "champion v1 vs challenger v2" in r.stdout
    r = runner.invoke(app, ["rollback", "m", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["version"] == 1
    r = runner.invoke(app, ["retrain", "m", "--data", str(fresh), "--json", "--no-promote", "--mode", "incremental"])
    assert r.exit_code == 0, r.output
    payload = json.loads(r.stdout)
    assert payload["decision"] == "not promoted" and payload["challenger_version"] == 3
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    relation_frame(300, 11).to_csv(incoming / "new.csv", index=False)
    r = runner.invoke(
        app,
        ["watch", "m", "--data-dir", str(incoming), "--once", "--mode", "incremental", "--no-on-drift",
         "--no-on-degradation", "--margin", "0.01"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "new.csv: schedule →" in r.stdout
    r = runner.invoke(app, ["retrain", "m", "--data", str(fresh.with_name("missing.csv"))])
    assert r.exit_code == 1 and "missing.csv" in r.stderr


def test_watch_retrains_on_live_degradation(
    store: Store, champion: registry.ModelVersion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    from forgeml.monitoring import Performance
    from forgeml.retraining import _watch

    incoming = tmp_path / "incoming"
    incoming.mkdir()
    relation_frame(300, 12).to_csv(incoming / "same.csv", index=False)
    asked: list[str] = []

    def degraded(name: str, **_: object) -> SimpleNamespace:
        asked.append(name)
        return SimpleNamespace(performance=Performance("roc_auc", True, 0.95, 0.70, 250, 0.26, True, 0.1))

    monkeypatch.setattr(_watch, "live_report", degraded)
    events = tick("m", incoming, mode="incremental", retrain_options={"margin": 0.01}, store=store)
    assert asked == ["m"]
    assert [(e.trigger, e.outcome) for e in events] == [("degradation", "rejected")]
    assert "live roc_auc 0.7 is 26.3% worse than the reference 0.95" in events[0].reasons[0]
    entry = audit.read_log(action="retrain.triggered", store=store)[-1]
    assert entry.details["trigger"] == "degradation" and entry.details["outcome"] == "rejected"
