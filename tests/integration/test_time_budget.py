"""A real wall-clock budget: the time limit covers the whole fit (search, ensemble and refit)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from forgeml import AutoML

LIMIT = 8.0


@pytest.mark.slow
def test_time_limit_is_respected(credit_path: Path) -> None:
    start = time.perf_counter()
    automl = AutoML(time_limit=LIMIT, seed=0).fit(credit_path, target="default")
    elapsed = time.perf_counter() - start
    assert elapsed <= LIMIT * 1.05 + 5, f"fit took {elapsed:.1f} s for a {LIMIT:g} s limit"
    board = automl.leaderboard()
    assert (board["status"] == "complete").sum() >= 1
    assert np.isfinite(automl.cv_score_)
    assert automl.predict(credit_path).shape == (1000,)
