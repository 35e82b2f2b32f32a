"""Tables and summaries printed by the CLI."""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

_FORMATS = {"score": ".5g", "score_std": ".2g", "fit_seconds": ".1f", "predict_seconds_per_1k": ".3g", "weight": ".3f"}


def _fmt(v: Any, column: str = "") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, int | float) and not isinstance(v, bool):
        return format(v, _FORMATS.get(column, ".5g"))
    return str(v)


_HEADERS = {
    "model": "model",
    "score": "score",
    "score_std": "± std",
    "fit_seconds": "fit s",
    "predict_seconds_per_1k": "predict s/1k",
    "weight": "weight",
    "status": "status",
}


def leaderboard_table(board: pd.DataFrame, metric: str, *, limit: int | None = 15, show_all: bool = False) -> Table:
    """The leaderboard as a rich table (complete trials first; pruned/failed only with ``show_all``)."""
    rows = board if show_all else board[board["status"] == "complete"]
    if limit is not None:
        rows = rows.head(limit)
    table = Table(title=f"Leaderboard (cross-validated {metric})")
    cols = ["model", "score", "score_std", "fit_seconds", "predict_seconds_per_1k", "weight", "status"]
    for c in cols:
        left = c in ("model", "status")
        table.add_column(_HEADERS[c], justify="left" if left else "right", no_wrap=c == "model")
    for _, r in rows.iterrows():
        table.add_row(*[_fmt(r.get(c), c) for c in cols])
    return table


def print_json(console: Console, payload: Any) -> None:
    console.print_json(json.dumps(payload, default=str))
