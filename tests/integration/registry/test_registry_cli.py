"""``forgeml train --name``, ``models``, ``datasets``, ``audit`` and ``gc`` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from forgeml import registry
from forgeml.cli import app
from forgeml.store import Store


@pytest.fixture
def churn(store: Store, variant_folder, train_frame: pd.DataFrame) -> Store:
    """churn@1 (champion) and churn@2, trained on the registered dataset 'customers'."""
    data = registry.register_dataset(train_frame, "customers", store=store)
    registry.register_version(variant_folder("a"), "churn", datasets_used=[data], alias="champion", store=store)
    registry.register_version(variant_folder("b"), "churn", datasets_used=[data], store=store)
    return store


def ok(result) -> str:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    return result.stdout


def test_train_with_name_registers_with_lineage(store: Store, runner: CliRunner, write_csv, train_frame) -> None:
    data = write_csv(train_frame, "customers.csv")
    args = ["train", str(data), "-t", "label", "--max-trials", "1", "--families", "linear", "--folds", "2"]
    out = ok(
        runner.invoke(app, [*args, "-o", str(data.parent / "m1"), "--name", "churn", "--alias", "champion", "--json"])
    )
    assert json.loads(out)["registered"] == "churn@1"
    registry.register(data.parent / "m1", "churn", data=data, store=store)  # the same data: the same dataset
    v = registry.resolve_version("churn", store=store)
    assert (v.version, v.aliases, v.datasets) == (1, ("champion",), ("customers@1",))
    assert v.lineage["config"]["n_folds"] == 2 and v.lineage["datasets"][0]["source"] == str(data)
    assert [m.versions for m in registry.list_models(store=store)] == [(1, 2)]
    predictions = ok(runner.invoke(app, ["predict", "churn@2", str(data)]))
    assert predictions.splitlines()[0] == "prediction" and len(predictions.splitlines()) == len(train_frame) + 1


def test_alias_without_name_is_refused_before_training(
    store: Store, runner, write_csv, train_frame, user_error
) -> None:
    data = write_csv(train_frame)
    user_error(runner.invoke(app, ["train", str(data), "-t", "label", "--alias", "champion"]), "--name")


def test_models_list_and_show(churn: Store, runner: CliRunner) -> None:
    table = ok(runner.invoke(app, ["models", "list"]))
    assert "churn" in table and "champion -> 1" in table
    listed = json.loads(ok(runner.invoke(app, ["models", "list", "--json"])))
    assert listed == [{**listed[0], "name": "churn", "versions": [1, 2], "latest": 2, "aliases": {"champion": 1}}]

    every = json.loads(ok(runner.invoke(app, ["models", "show", "churn", "--json"])))
    assert [v["version"] for v in every["versions"]] == [1, 2]
    assert [(h["alias"], h["version"]) for h in every["alias_history"]] == [("champion", 1)]
    assert "customers@1" in ok(runner.invoke(app, ["models", "show", "churn"]))

    one = json.loads(ok(runner.invoke(app, ["models", "show", "churn@champion", "--json"])))
    assert one["version"] == 1 and one["datasets"] == ["customers@1"] and len(one["artifact_digest"]) == 64
    text = ok(runner.invoke(app, ["models", "show", "churn@2"]))
    assert "churn@2" in text and "sha256" in text


def test_alias_unalias_and_delete(churn: Store, runner: CliRunner, user_error) -> None:
    user_error(runner.invoke(app, ["models", "delete", "churn@1"]), "cannot delete 'churn@1'", "champion")
    assert "churn@champion -> 2 (was 1)" in ok(runner.invoke(app, ["models", "alias", "churn", "2", "champion"]))
    assert "already points" in ok(runner.invoke(app, ["models", "alias", "churn", "2", "champion"]))
    assert "deleted churn@1" in ok(runner.invoke(app, ["models", "delete", "churn@1"]))
    assert "removed churn@champion" in ok(runner.invoke(app, ["models", "unalias", "churn", "champion"]))
    user_error(runner.invoke(app, ["models", "delete", "churn"]), "NAME@VERSION")
    user_error(runner.invoke(app, ["models", "alias", "churn", "5", "champion"]), "no version 5", "versions: 2")
    actions = [e["action"] for e in json.loads(ok(runner.invoke(app, ["audit", "log", "--model", "churn", "--json"])))]
    assert actions[-3:] == ["alias.moved", "model.deleted", "alias.removed"]
    assert "removed 2 objects" in ok(runner.invoke(app, ["gc", "--grace", "0"]))  # churn@1's manifest and notes


def test_unknown_model_lists_known_ones(churn: Store, runner: CliRunner, user_error, write_csv, train_frame) -> None:
    data = str(write_csv(train_frame))
    user_error(runner.invoke(app, ["predict", "chrun", data]), "no registered model 'chrun'", "churn")
    user_error(runner.invoke(app, ["leaderboard", "churn@7"]), "no version 7", "versions: 1, 2")
    user_error(runner.invoke(app, ["evaluate", "churn@staging", data]), "no alias 'staging'", "champion -> 1")
    user_error(runner.invoke(app, ["models", "show", "nope"]), "registered models: churn")
    assert json.loads(ok(runner.invoke(app, ["evaluate", "churn@champion", data, "--json"])))["n_rows"] == len(
        train_frame
    )
    assert "score" in ok(runner.invoke(app, ["leaderboard", "churn"]))


def test_datasets_list(churn: Store, runner: CliRunner) -> None:
    assert "customers@1" in ok(runner.invoke(app, ["datasets", "list"]))
    listed = json.loads(ok(runner.invoke(app, ["datasets", "list", "--json"])))
    assert [(d["name"], d["version"], d["n_rows"]) for d in listed] == [("customers", 1, 120)]
    assert json.loads(ok(runner.invoke(app, ["datasets", "list", "other", "--json"]))) == []


def test_audit_log_and_verify(churn: Store, runner: CliRunner) -> None:
    entries = json.loads(ok(runner.invoke(app, ["audit", "log", "--json"])))
    assert [e["action"] for e in entries] == [
        "dataset.registered",
        "model.registered",
        "alias.moved",
        "model.registered",
    ]
    assert "alias.moved" in ok(runner.invoke(app, ["audit", "log"]))
    since = json.loads(ok(runner.invoke(app, ["audit", "log", "--since", entries[3]["time"], "--json"])))
    assert [e["seq"] for e in since] == [4]
    assert "audit log intact: 4 entries" in ok(runner.invoke(app, ["audit", "verify"]))
    report = json.loads(ok(runner.invoke(app, ["audit", "verify", "--json", "--expect-head", entries[2]["hash"][:16]])))
    assert report["ok"] and report["head_seq"] == 4

    with churn.write() as conn:
        conn.exec_driver_sql("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
        conn.exec_driver_sql("DELETE FROM audit_log WHERE seq = 4")
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "seq 2 edited" in result.stderr
    result = runner.invoke(app, ["audit", "verify", "--expect-head", entries[3]["hash"]])
    assert result.exit_code == 1 and "deleted from the end" in " ".join(result.stderr.split())
    report = json.loads(runner.invoke(app, ["audit", "verify", "--json"]).stdout)
    assert not report["ok"] and report["problems"][0]["kind"] == "edited"


def test_path_model_still_works(runner: CliRunner, store: Store, model_folder: Path, write_csv, train_frame) -> None:
    out = ok(runner.invoke(app, ["predict", str(model_folder), str(write_csv(train_frame))]))
    assert len(out.splitlines()) == len(train_frame) + 1
