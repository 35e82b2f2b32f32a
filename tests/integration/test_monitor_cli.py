"""``forgeml monitor``: table, JSON, HTML, --fail-on-drift, and user errors on one line."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from forgeml.cli import app


@pytest.fixture(scope="module")
def binary(frames: dict[str, Callable[..., pd.DataFrame]]) -> Callable[..., pd.DataFrame]:
    return frames["binary"]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory, binary: Callable[..., pd.DataFrame]) -> Path:
    root = tmp_path_factory.mktemp("monitor")
    data = root / "train.csv"
    binary(800, seed=0).to_csv(data, index=False)
    out = root / "model"
    args = ["train", str(data), "--target", "y", "--max-trials", "2", "--families", "lightgbm", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def live(binary: Callable[..., pd.DataFrame], tmp_path: Path) -> Callable[[str, bool], Path]:
    """Write 400 held-out rows (x1 and color shifted when ``shift``) and return the path."""

    def _write(name: str, shift: bool) -> Path:
        return _live(binary, tmp_path / name, shift)

    return _write


def _live(binary: Callable[..., pd.DataFrame], path: Path, shift: bool, n: int = 400) -> Path:
    live = binary(n, seed=7).drop(columns="y")
    if shift:
        live["x1"] += 2.0
        live["color"] = np.random.default_rng(1).choice(["red", "green", "blue"], p=[0.8, 0.1, 0.1], size=n)
    live.to_csv(path, index=False)
    return path


def test_table_without_drift(runner: CliRunner, model: Path, live: Callable[[str, bool], Path], tmp_path: Path) -> None:
    result = runner.invoke(app, ["monitor", str(model), "--data", str(live("l.csv", False))])
    assert result.exit_code == 0, result.output
    assert "dataset drift: no" in result.stdout
    for name in ("x1", "x2", "color", "prediction", "ks", "chi_square", "threshold"):
        assert name in result.stdout


def test_drift_found_still_exits_zero_and_writes_html(
    runner: CliRunner, model: Path, live: Callable[[str, bool], Path], tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    args = ["monitor", str(model), "--data", str(live("l.csv", True)), "--html", str(page)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "dataset drift: yes" in result.stdout
    text = page.read_text()
    assert text.count("<svg") == 4 and "http://" not in text and "https://" not in text


def test_json_parses_and_thresholds_apply(
    runner: CliRunner, model: Path, live: Callable[[str, bool], Path], tmp_path: Path
) -> None:
    path = str(live("l.csv", True))
    result = runner.invoke(app, ["monitor", str(model), "--data", path, "--json", "--drift-share", "0.9"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert sorted(payload["drifted_features"]) == ["color", "x1"]
    assert payload["dataset_drift"] is False and payload["thresholds"]["dataset_share"] == 0.9
    big = runner.invoke(app, ["monitor", str(model), "--data", path, "--json", "--small-sample", "100"])
    assert {f["statistic"] for f in json.loads(big.stdout)["features"]} == {"wasserstein", "jensenshannon"}


def test_fail_on_drift_exits_2(
    runner: CliRunner, model: Path, live: Callable[[str, bool], Path], tmp_path: Path
) -> None:
    shifted = ["monitor", str(model), "--data", str(live("s.csv", True)), "--fail-on-drift"]
    assert runner.invoke(app, shifted).exit_code == 2
    same = ["monitor", str(model), "--data", str(live("l.csv", False)), "--fail-on-drift"]
    assert runner.invoke(app, same).exit_code == 0


def test_model_without_profile(
    runner: CliRunner, model: Path, live: Callable[[str, bool], Path], tmp_path: Path, user_error
) -> None:
    old = tmp_path / "old"
    shutil.copytree(model, old)
    (old / "profile.json").unlink()
    result = runner.invoke(app, ["monitor", str(old), "--data", str(live("l.csv", False))])
    user_error(result, "no reference profile", "retrain")


def test_bad_data_files(runner: CliRunner, model: Path, tmp_path: Path, user_error) -> None:
    user_error(runner.invoke(app, ["monitor", str(model), "--data", str(tmp_path / "nope.csv")]), "nope.csv")
    lacking = tmp_path / "lacking.csv"
    pd.DataFrame({"x1": [1.0, 2.0]}).to_csv(lacking, index=False)
    user_error(runner.invoke(app, ["monitor", str(model), "--data", str(lacking)]), "x2", "color")
    user_error(runner.invoke(app, ["monitor", str(model), "--data", str(lacking), "--psi", "0"]), "psi")


def test_live_form_reads_the_store_table_html_and_errors(
    runner: CliRunner, model: Path, binary: Callable[..., pd.DataFrame], tmp_path: Path, user_error
) -> None:
    from forgeml.config import Settings
    from forgeml.monitoring import LiveMonitor, MonitoredVersion
    from forgeml.predictor import load_predictor
    from forgeml.store import Store, close_default_stores

    home = tmp_path / "home"
    env = {"FORGEML_HOME": str(home)}
    store = Store.open(Settings.from_env(env))
    predictor = load_predictor(model)
    served = MonitoredVersion("churn", 0, predictor, predictor.compile())
    monitor = LiveMonitor(store=store)
    path = _live(binary, tmp_path / "live.csv", shift=False)
    live = pd.read_csv(path)
    live["x1"] += 2.0
    live.to_csv(path, index=False)
    rows = live.to_dict("records")
    monitor.record(served, rows, served.fast.predict_raw(rows))
    monitor.flush()
    store.close()
    close_default_stores()

    page = tmp_path / "live.html"
    args = ["monitor", f"churn={model}", "--window", "24h", "--html", str(page)]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert "dataset drift: no" in result.stdout and "x1" in result.stdout
    assert "roc_auc" in result.stdout and "CV estimate" in result.stdout
    text = page.read_text()
    assert "Live monitoring: churn version 0" in text and "http://" not in text and text.count("<svg") >= 4
    payload = json.loads(runner.invoke(app, ["monitor", f"churn={model}", "--json"], env=env).stdout)
    assert payload["drift"]["drifted_features"] == ["x1"] and payload["n_rows"] == 400
    batch = json.loads(runner.invoke(app, ["monitor", str(model), "--data", str(path), "--json"]).stdout)
    # under 1,000 rows the window keeps every value: the live verdicts are the batch ones, exactly
    assert [(f["name"], f["statistic"], f["value"]) for f in payload["drift"]["features"]] == [
        (f["name"], f["statistic"], f["value"]) for f in batch["features"]
    ]
    user_error(runner.invoke(app, ["monitor", f"churn={model}", "--window", "soon"], env=env), "--window", "soon")
    user_error(runner.invoke(app, ["monitor", f"other={model}"], env=env), "no live traffic", "other")
    user_error(runner.invoke(app, ["monitor", "nobody"], env=env), "nobody")
    close_default_stores()
