"""Fixtures for the registry, audit and store tests, run on SQLite and on PostgreSQL.

PostgreSQL: a fresh database ``forgeml_test_<uuid>`` is created per session from
``FORGEML_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``) and
dropped at the end; tables are emptied after each test. The PostgreSQL tests are skipped only when
the server is unreachable and ``CI`` is not set; in CI an unreachable server fails them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from _registry_helpers import env_for, small_frame
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import forgeml
from forgeml.config import Settings
from forgeml.store import Store, close_default_stores

PG_ADMIN_URL = os.environ.get("FORGEML_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


class PgServer:
    """Creates and drops databases on the test server."""

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
def pg_url(pg_server: PgServer) -> str:
    return pg_server.create()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    home = tmp_path / "home"
    url = f"sqlite:///{home / 'forgeml.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    return Settings(home=home, database_url=url, artifact_root=home / "artifacts", actor="tester")


@pytest.fixture
def fresh_settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings pointing at a database nobody has opened yet (to test concurrent first starts)."""
    home = tmp_path / "fresh"
    url = f"sqlite:///{home / 'forgeml.db'}" if backend == "sqlite" else request.getfixturevalue("pg_server").create()
    return Settings(home=home, database_url=url, artifact_root=home / "artifacts", actor="tester")


@pytest.fixture
def store(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """An open, empty store; the environment points at it too (for the CLI and ``forgeml.load``)."""
    for key, value in env_for(settings).items():
        monkeypatch.setenv(key, value)
    st = Store.open(settings)
    yield st
    close_default_stores()
    if st.backend == "postgresql":
        with st.write() as conn:
            conn.execute(
                text(
                    "TRUNCATE audit_log, alias_history, aliases, version_datasets, model_versions, models, datasets "
                    "RESTART IDENTITY CASCADE"
                )
            )
    st.close()


@pytest.fixture(scope="session")
def train_frame() -> pd.DataFrame:
    return small_frame()


@pytest.fixture(scope="session")
def trained(train_frame: pd.DataFrame) -> forgeml.AutoML:
    """One tiny real model, trained once per session."""
    return forgeml.AutoML(max_trials=1, executor="serial", families=["linear"]).fit(train_frame, target="label")


@pytest.fixture(scope="session")
def model_folder(trained: forgeml.AutoML, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trained.save(tmp_path_factory.mktemp("model") / "model")


@pytest.fixture
def variant_folder(model_folder: Path, tmp_path: Path) -> Callable[[str], Path]:
    """A copy of the model folder with one extra file, so its artifact differs from the others."""

    def _make(tag: str) -> Path:
        dest = tmp_path / f"model-{tag}"
        shutil.copytree(model_folder, dest)
        (dest / "notes.txt").write_text(f"variant {tag} {uuid.uuid4().hex}\n")
        return dest

    return _make
