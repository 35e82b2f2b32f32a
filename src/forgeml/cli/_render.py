"""Tables and summaries printed by the CLI."""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float):
        return f"{v:.5g}"
    return str(v)


def leaderboard_table(board: pd.DataFrame, metric: str, *, limit: int | None = 15, show_all: bool = False) -> Table:
    """The leaderboard as a rich table (complete trials first; pruned/failed only with ``show_all``)."""
    rows = board if show_all else board[board["status"] == "complete"]
    if limit is not None:
        rows = rows.head(limit)
    table = Table(title=f"Leaderboard (CV {metric})")
    cols = ["model", "family", "score", "score_std", "fit_seconds", "predict_seconds_per_1k", "weight", "status"]
    for c in cols:
        table.add_column(c, justify="right" if c not in ("model", "family", "status") else "left")
    for _, r in rows.iterrows():
        table.add_row(*[_fmt(r.get(c)) for c in cols])
    return table


def print_json(console: Console, payload: Any) -> None:
    console.print_json(json.dumps(payload, default=str))
