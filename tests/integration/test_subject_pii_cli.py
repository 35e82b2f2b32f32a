"""End to end through the CLI: ``forgeml train --subject-id/--allow-pii`` keeps the subject id and personal
data out of the features, prediction works without them, and ``forgeml erase`` removes a person."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from forgeml.cli import app
from forgeml.store import close_default_stores

pytestmark = pytest.mark.slow  # each `forgeml train` starts a process pool (~25 s on a loaded 2-core machine)

SUBJECT = "C-0007"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FORGEML_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FORGEML_DATABASE_URL", raising=False)
    monkeypatch.delenv("FORGEML_RETENTION", raising=False)
    monkeypatch.setenv("FORGEML_ACTOR", "dpo")
    yield tmp_path / "home"
    close_default_stores()


def people(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    ids = [f"C-{i % 40:04d}" for i in range(n)]
    return pd.DataFrame(
        {
            "customer_id": ids,
            "email": [f"user{i % 40}.{'abcdefgh'[i % 8]}@example.com" for i in range(n)],
            "phone": [f"+44 20 7946 {1000 + i % 40:04d}" for i in range(n)],
            "x": x,
            "color": rng.choice(["red", "blue"], size=n),
            "label": np.where(x + rng.normal(scale=0.3, size=n) > 0, "yes", "no"),
        }
    )


def ok(result) -> str:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    return str(result.stdout)


FAST = ["--max-trials", "1", "--families", "linear", "--folds", "2"]


def test_train_with_subject_id_then_erase(home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / "people.csv"
    people().to_csv(data, index=False)
    args = ["train", str(data), "-t", "label", *FAST, "--subject-id", "customer_id", "-o", str(tmp_path / "m")]
    summary = json.loads(ok(runner.invoke(app, [*args, "--name", "churn", "--alias", "champion", "--json"])))
    assert summary["registered"] == "churn@1" and summary["subject_column"] == "customer_id"
    assert sorted(summary["pii_columns"]) == ["email", "phone"]
    assert "e-mail addresses" in summary["pii_columns"]["email"]

    # prediction needs neither the subject id nor the personal columns
    rows = tmp_path / "rows.csv"
    people(10, seed=2)[["x", "color"]].to_csv(rows, index=False)
    assert len(ok(runner.invoke(app, ["predict", "churn", str(rows)])).splitlines()) == 11

    report = json.loads(ok(runner.invoke(app, ["erase", "--subject", SUBJECT, "--reason", "asked", "--json"])))
    assert [(d["dataset"], d["rows_removed"], d["new_version"]) for d in report["datasets"]] == [
        ("people@1", 3, "people@2")
    ]
    assert [m["ref"] for m in report["affected_models"]] == ["churn@1"] and report["content_destroyed"] == 1
    listed = {d["version"]: d for d in json.loads(ok(runner.invoke(app, ["datasets", "list", "people", "--json"])))}
    assert listed[1]["erased_at"] and listed[2]["n_rows"] == 117 and listed[2]["subject_column"] == "customer_id"
    log = ok(runner.invoke(app, ["audit", "log", "--action", "subject.erased", "--json"]))
    assert json.loads(log)[0]["details"]["rows_removed"] == 3 and SUBJECT not in log

    again = ok(runner.invoke(app, ["erase", "--subject", SUBJECT]))
    assert "nothing found" in again


def test_allow_pii_and_the_text_report(home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / "people.csv"
    people().to_csv(data, index=False)
    out = ok(
        runner.invoke(
            app, ["train", str(data), "-t", "label", *FAST, "--allow-pii", "phone", "-o", str(tmp_path / "m")]
        )
    )
    assert "personal data kept out of the features: email" in out
    assert "--allow-pii email" in out and "'phone' looks like personal data" in out


def test_unknown_subject_column_is_named(home: Path, tmp_path: Path) -> None:
    data = tmp_path / "people.csv"
    people().to_csv(data, index=False)
    result = CliRunner().invoke(app, ["train", str(data), "-t", "label", *FAST, "--subject-id", "client"])
    assert result.exit_code == 1
    assert "'subject_column' must name a column of the data, got 'client'" in result.stderr
