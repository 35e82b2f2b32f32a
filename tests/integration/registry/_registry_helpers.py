"""Helpers for the registry tests, in a module with a unique name so the tests can import it."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable

import numpy as np
import pandas as pd

from forgeml.config import Settings

FORK = mp.get_context("fork")


def env_for(settings: Settings) -> dict[str, str]:
    return {
        "FORGEML_HOME": str(settings.home),
        "FORGEML_DATABASE_URL": settings.database_url,
        "FORGEML_ACTOR": settings.actor,
    }


def small_frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    df = pd.DataFrame({"x": x, "color": rng.choice(["red", "blue"], size=n)})
    df["label"] = np.where(x + rng.normal(scale=0.3, size=n) > 0, "yes", "no")
    return df


def forked(target: Callable[..., None], *args: object) -> mp.process.BaseProcess:
    """Start ``target(*args)`` in a forked process (forgeml is already imported here, so starting is fast)."""
    proc = FORK.Process(target=target, args=args, daemon=True)
    proc.start()
    return proc
