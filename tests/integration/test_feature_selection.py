"""Automated feature selection: noise columns that do not beat their shuffled copies are dropped
when that pays, reported, and no longer needed at prediction time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forgeml import AutoML


def _noisy_frame(n: int = 400, n_noise: int = 25, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({f"noise{i}": rng.normal(size=n) for i in range(n_noise)})
    df["signal_a"] = rng.normal(size=n)
    df["signal_b"] = rng.normal(size=n)
    logit = 2.0 * df["signal_a"] - 1.5 * df["signal_b"]
    df["y"] = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return df


def test_selection_drops_noise_and_keeps_signal() -> None:
    df = _noisy_frame()
    model = AutoML(max_trials=3, executor="serial", families=["lightgbm"], feature_selection="on", seed=0)
    model.fit(df, target="y")
    sel = model.predictor.info["feature_selection"]
    assert sel["ran"]
    assert "signal_a" not in sel["proposed_drop"] and "signal_b" not in sel["proposed_drop"]
    assert sum(c.startswith("noise") for c in sel["proposed_drop"]) >= 15
    board = model.leaderboard()
    probes = board[board["source"] == "portfolio"].head(2)
    assert set(board["features"]) >= {"all", "selected"}, "both feature sets are tried before choosing"
    assert len(probes) == 2
    if sel["applied"]:
        dropped = {c.name for c in model.predictor.schema.columns if c.role == "drop"}
        assert dropped == set(sel["proposed_drop"])
        slim = df.drop(columns=[*sel["proposed_drop"], "y"])
        assert len(model.predict(slim)) == len(df)


def test_selection_is_off_when_asked() -> None:
    model = AutoML(max_trials=2, executor="serial", families=["linear"], feature_selection="off").fit(
        _noisy_frame(n=200, n_noise=5), target="y"
    )
    assert model.predictor.info["feature_selection"] == {"ran": False, "applied": False}
