"""Shared fixtures for the end-to-end tests: the shipped example, small synthetic tables, a CLI
runner, one model folder trained through the CLI (shared by the predict/evaluate tests), and the
PostgreSQL test server (``FORGEML_TEST_POSTGRES_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``):
tests that need it are skipped only when it is unreachable and ``CI`` is not set."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
CREDIT_G = ROOT / "examples" / "credit_g.csv.gz"
FAST = ["--max-trials", "3", "--families", "lightgbm,linear"]
PG_ADMIN_URL = os.environ.get("FORGEML_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class PgServer:
    """Creates fresh databases on the test server and drops them at the end of the session."""

    def __init__(self) -> None:
        self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def create(self) -> str:
        name = f"forgeml_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    server = PgServer()
    try:
        with server.admin.connect():
            pass
    except OperationalError as err:
        server.admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is unreachable and CI is set: {err}")
        pytest.skip(f"PostgreSQL at {PG_ADMIN_URL} is unreachable (set CI to make this a failure)")
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def credit_path() -> Path:
    assert CREDIT_G.is_file(), f"shipped example missing: {CREDIT_G}"
    return CREDIT_G


@pytest.fixture(scope="session")
def credit_df(credit_path: Path) -> pd.DataFrame:
    return pd.read_csv(credit_path)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write a frame (or raw text) to ``tmp_path/name`` and return the path."""

    def _write(data: pd.DataFrame | str, name: str = "data.csv") -> Path:
        path = tmp_path / name
        if isinstance(data, str):
            path.write_text(data)
        elif name.endswith((".parquet", ".pq")):
            data.to_parquet(path, index=False)
        else:
            data.to_csv(path, index=False)
        return path

    return _write


def binary_frame(n: int = 240, seed: int = 0) -> pd.DataFrame:
    """A learnable binary table with numeric, categorical and boolean-ish columns, labels 'no'/'yes'."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], size=n)
    logit = 2.0 * x1 - 1.0 * x2 + np.where(color == "red", 1.0, -0.5)
    y = np.where(logit + rng.normal(scale=0.5, size=n) > 0, "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "color": color, "y": y})


def multiclass_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    label = rng.choice(["cat", "dog", "fish"], size=n)
    centre = {"cat": (0.0, 0.0), "dog": (3.0, 0.0), "fish": (0.0, 3.0)}
    a = np.array([centre[c][0] for c in label]) + rng.normal(scale=0.8, size=n)
    b = np.array([centre[c][1] for c in label]) + rng.normal(scale=0.8, size=n)
    return pd.DataFrame({"a": a, "b": b, "size": rng.choice(["s", "m", "l"], size=n), "species": label})


def regression_frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Regression with a numeric, a categorical, a datetime and a free-text column all carrying signal."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    shop = rng.choice(["north", "south", "east", "west"], size=n)
    day = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 730, size=n), unit="D")
    adjectives = ["shiny", "broken", "vintage", "modern", "rusty", "pristine", "dusty", "sleek"]
    premium = rng.random(size=n) < 0.5
    words = [
        " ".join(rng.choice(adjectives, size=4).tolist() + (["luxury", "deluxe"] if p else ["budget", "basic"]))
        + f" item number {i}"
        for i, p in enumerate(premium)
    ]
    price = (
        10.0 * x
        + np.select([shop == "north", shop == "south"], [8.0, -8.0], 0.0)
        + 6.0 * (pd.DatetimeIndex(day).month.to_numpy() >= 7)
        + 12.0 * premium
        + rng.normal(scale=2.0, size=n)
    )
    return pd.DataFrame(
        {
            "x": x,
            "shop": shop,
            "day": day.strftime("%Y-%m-%d"),
            "description": words,
            "price": price,
        }
    )


@pytest.fixture(scope="session")
def frames() -> dict[str, Callable[..., pd.DataFrame]]:
    return {"binary": binary_frame, "multiclass": multiclass_frame, "regression": regression_frame}


@pytest.fixture(scope="session")
def credit_model(tmp_path_factory: pytest.TempPathFactory, credit_path: Path) -> tuple[Path, dict]:
    """Train credit_g once through the CLI (``--json``) and return (model folder, parsed JSON)."""
    from forgeml.cli import app

    out = tmp_path_factory.mktemp("credit") / "model"
    result = CliRunner().invoke(
        app,
        ["train", str(credit_path), "--target", "default", *FAST, "--seed", "0", "--out", str(out), "--json"],
    )
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


def assert_user_error(result, *needles: str) -> None:
    """A CLI failure a user caused: exit 1, no traceback, the message names ``needles``, one line."""
    assert result.exit_code == 1, f"exit code {result.exit_code}; output:\n{result.output}"
    assert not (result.exception and not isinstance(result.exception, SystemExit)), (
        f"an exception escaped: {result.exception!r}"
    )
    assert "Traceback" not in result.output
    stderr = result.stderr.strip()
    assert stderr.startswith("error:"), f"stderr does not start with 'error:':\n{stderr}"
    flat = " ".join(line.strip() for line in stderr.splitlines())
    for needle in needles:
        assert needle.lower() in flat.lower(), f"{needle!r} not in the message: {flat}"
    assert len(stderr.splitlines()) == 1, f"the message spans {len(stderr.splitlines())} lines:\n{stderr}"


@pytest.fixture(scope="session")
def user_error() -> Callable[..., None]:
    return assert_user_error
