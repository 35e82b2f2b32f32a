"""A real server follows ``NAME@champion`` while ``retrain`` promotes a challenger under load."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from tests.integration.serving.conftest import Server, under_load

import forgeml
from forgeml.config import Settings
from forgeml.registry import register
from forgeml.retraining import retrain
from forgeml.store import Store


def relation_frame(n: int, seed: int, *, flip: bool = False) -> pd.DataFrame:
    """Labels from ``x1``, or from ``x2`` when ``flip`` (the relationship changed)."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], size=n)
    signal = (x2 if flip else x1) + np.where(color == "red", 0.5, 0.0)
    y = np.where(signal + rng.normal(scale=0.3, size=n) > 0, "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "color": color, "y": y})


def test_promotion_swaps_the_served_model_without_failed_requests(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    store = Store.open(Settings.from_env({"FORGEML_HOME": str(home), "FORGEML_ACTOR": "test"}))
    old = relation_frame(600, 0)
    automl = forgeml.AutoML(max_trials=2, executor="serial", families=["lightgbm", "linear"], seed=0).fit(old, "y")
    register(automl, "m", data=old, alias="champion", store=store)
    s = start_server(["--models", "m@champion", "--poll", "0.3"], {"FORGEML_HOME": str(home), "FORGEML_API_KEYS": ""})
    assert s.client.get("/v1/models/m").json()["version"] == "1"
    rows = relation_frame(4, 1).drop(columns=["y"]).to_dict("records")

    with under_load(s.port, "m", rows, clients=4) as load:
        time.sleep(0.5)
        started = time.monotonic()
        result = retrain("m", relation_frame(400, 2, flip=True), mode="incremental", margin=0.01, store=store)
        assert result.decision == "promoted", result.reason
        load.wait_for_version("2")
        time.sleep(0.5)  # keep the load a little after the swap
    results = load.results
    assert not load.failures, load.failures[:5]
    versions = Counter(v for _, v in results)
    assert versions["1"] > 0 and versions["2"] > 0, versions
    assert {v for _, v in sorted(results)[-20:]} == {"2"}
    assert min(t for t, v in results if v == "2") > started  # the swap follows the retrain
    assert s.client.get("/v1/models/m").json()["version"] == "2"
