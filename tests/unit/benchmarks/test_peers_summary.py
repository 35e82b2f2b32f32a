"""The markdown summary: mean ranks and normalised scores over complete datasets, failures and
overruns, the verdict on forgeml."""

from __future__ import annotations

from typing import Any

import pytest
from _summary import compute_stats, markdown, verdict


def row(fw: str, dataset: str, score: float, *, metric: str = "roc_auc", constant: float = 0.5, **extra: Any) -> dict:
    base = {
        "framework": fw,
        "dataset": dataset,
        "task": "binary" if metric == "roc_auc" else "regression",
        "metric": metric,
        "time_limit": 60.0,
        "seed": 0,
        "score": score,
        "constant_score": constant,
        "ok": True,
        "fit_seconds": 58.0,
        "overrun_seconds": -2.0,
        "peak_rss_mb": 500.0,
        "version": "1.0",
    }
    return {**base, **extra}


ROWS = [
    row("forgeml", "d1", 0.90),
    row("flaml", "d1", 0.80),
    row("h2o", "d1", 0.90),
    # rmse: lower is better; constant 10, best 2
    row("forgeml", "d2", 2.0, metric="rmse", constant=10.0),
    row("flaml", "d2", 6.0, metric="rmse", constant=10.0, overrun_seconds=9.0),
    row("h2o", "d2", 10.0, metric="rmse", constant=10.0, ok=False, error="killed after 240s\nmore"),
    # d3 lacks h2o: it is shown but kept out of ranks and normalised scores
    row("forgeml", "d3", 0.6),
    row("flaml", "d3", 0.99),
]


def by_dataset(rows: list[dict]) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    for r in rows:
        out.setdefault(r["dataset"], {})[r["framework"]] = r
    return out


def test_stats_rank_and_normalise_over_datasets_every_framework_ran() -> None:
    stats = compute_stats(by_dataset(ROWS), ["forgeml", "flaml", "h2o"])
    assert stats["forgeml"].ranks == [1.5, 1.0]
    assert stats["h2o"].ranks == [1.5, 3.0]
    assert stats["flaml"].ranks == [3.0, 2.0]
    assert stats["forgeml"].mean_normalised == pytest.approx(1.0)
    assert stats["flaml"].normalised == pytest.approx([0.75, 0.5])
    assert stats["h2o"].normalised == pytest.approx([1.0, 0.0])
    assert stats["h2o"].failures == ["d2: killed after 240s"]
    assert stats["flaml"].worst_overrun == 9.0
    assert stats["flaml"].runs == 3


def test_verdict_names_each_condition() -> None:
    stats = compute_stats(by_dataset(ROWS), ["forgeml", "flaml", "h2o"])
    line = verdict(stats, 60.0)
    assert line is not None and "meets the bar" in line and "NO" not in line
    slow = [r if r["framework"] != "forgeml" else {**r, "overrun_seconds": 8.5} for r in ROWS]
    line = verdict(compute_stats(by_dataset(slow), ["forgeml", "flaml", "h2o"]), 60.0)
    assert line is not None
    assert "does not meet" in line and "worst overrun within 5% + 5 s: NO" in line  # allowed: 3 + 5 = 8 s


def test_verdict_fails_on_a_tie_for_best_rank() -> None:
    tied = [row("forgeml", "d1", 0.9), row("flaml", "d1", 0.9)]
    line = verdict(compute_stats(by_dataset(tied), ["forgeml", "flaml"]), 60.0)
    assert line is not None and "best mean rank: NO" in line


def test_markdown_marks_best_and_failed_runs_and_splits_budgets() -> None:
    text = markdown([*ROWS, row("forgeml", "d1", 0.95, time_limit=300.0), row("flaml", "d1", 0.97, time_limit=300.0)])
    assert "## Budget 60 s, seed 0: 3 datasets, 3 frameworks" in text
    assert "## Budget 300 s, seed 0: 1 datasets, 2 frameworks" in text
    assert "| d1 | binary | roc_auc | **0.9000** | 0.8000 | **0.9000** |" in text
    assert "| d2 | regression | rmse | **2.0000** | 6.0000 | 10.0000 (failed) |" in text
    assert "| d3 | binary | roc_auc | 0.6000 | **0.9900** | not run |" in text
    assert "- h2o, d2: killed after 240s" in text
    assert "| flaml | 2.50 | 0.625 | 0/3 | +9.0 (over) |" in text
    assert text.index("Budget 60 s") < text.index("Budget 300 s")


def test_markdown_of_nothing() -> None:
    assert markdown([]) == "no results"
